// One API call as the endpoint's services see it, and the permission check each service makes
// on it.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Permission } from '../../aws/iam/actions';
import { denialMessage, evaluate } from '../../aws/iam/evaluator';
import type { RoleSession } from '../iam/sessions';
import type { ServiceName } from './protocol';

/** One API call as the endpoint's services see it, body already read (but for S3 uploads). */
export interface Call {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The body, read whole; empty for an S3 upload, which its service streams from `req`. */
  readonly body: Buffer;
  readonly service: ServiceName;
  /** The API operation (`SendMessage`, `Invoke`, ...). */
  readonly action: string;
  /** How the request was encoded, which decides the error shape. */
  readonly protocol: 'json' | 'query' | 'rest';
  /** The parameters of a query-protocol request. */
  readonly query?: URLSearchParams;
  /** The role session that signed the call; undefined for any other credentials (administrator). */
  readonly session?: RoleSession;
}

/** A service of the endpoint: handles its calls and writes every response, errors included. */
export type ServiceHandler = (call: Call) => Promise<void> | void;

/**
 * Evaluates `permissions` for the call's session. Returns undefined when allowed (always, for
 * administrator calls), else the message AWS would give for the first denied permission.
 */
export function denial(call: Call, permissions: readonly Permission[]): string | undefined {
  const session = call.session;
  if (!session) return undefined;
  for (const { action, resource } of permissions) {
    const decision = evaluate(session.role, action, resource);
    if (!decision.allowed) return denialMessage(session.principalArn, action, resource, decision);
  }
  return undefined;
}
