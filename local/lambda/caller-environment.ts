/**
 * What the local cloud adds to a function's environment so its SDK calls reach the endpoint as
 * Lambda's would reach AWS: its execution role's session credentials (the administrator's where
 * there is no session, or IAM is off) and the endpoint.
 */
import type { RoleSession } from '../iam/sessions';

/** Credentials that the endpoint treats as an administrator's. */
export const ADMIN_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The environment variables that point a function's SDK at the endpoint as `session`. */
export function callerEnvironment(
  session: RoleSession | undefined,
  endpointUrl: string,
): Record<string, string> {
  const credentials = session?.credentials ?? ADMIN_CREDENTIALS;
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...('sessionToken' in credentials ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    AWS_ENDPOINT_URL: endpointUrl,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
