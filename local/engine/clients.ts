/**
 * The SDK clients the engine itself calls the endpoint with: as an administrator to provision and
 * inspect, and as a role session where AWS would act with a role (Lambda's pollers, the scheduler).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_REGION } from '../../aws/defaults';
import type { RoleSession } from '../iam/sessions';
import { ADMIN_CREDENTIALS } from '../lambda/caller-environment';
import type { Teardown } from './teardown';

/** Client settings for the endpoint at `url` as an administrator. */
export function adminClientConfig(url: string) {
  return { region: DEFAULT_REGION, endpoint: url, credentials: ADMIN_CREDENTIALS };
}

/** The engine's clients. */
export interface EngineClients {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** An SQS client signing as `session` (the administrator's without one, or with IAM off). */
  sqsAs(session: RoleSession | undefined): SQSClient;
}

/**
 * Creates the clients, destroyed at teardown. Pollers' clients skip the SDK's MD5 check of every
 * received body: Lambda's own pollers are not SDK clients, and the hashing costs throughput.
 */
export function engineClients(url: string, iam: boolean, teardown: Teardown): EngineClients {
  const config = adminClientConfig(url);
  const sqs = new SQSClient({ ...config, md5: false });
  const dynamodb = new DynamoDBClient(config);
  const byAccessKey = new Map<string, SQSClient>();
  teardown.add(() => {
    sqs.destroy();
    dynamodb.destroy();
    for (const client of byAccessKey.values()) client.destroy();
  });
  const sqsAs = (session: RoleSession | undefined): SQSClient => {
    if (!session || !iam) return sqs;
    const key = session.credentials.accessKeyId;
    let client = byAccessKey.get(key);
    if (!client) {
      client = new SQSClient({ ...config, credentials: session.credentials, md5: false });
      byAccessKey.set(key, client);
    }
    return client;
  };
  return { sqs, dynamodb, sqsAs };
}
