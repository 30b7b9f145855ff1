/**
 * The cloud's first phase: the stores behind the services. fauxqs holds the queues, dynalite the
 * tables and the log store the function logs; nothing is provisioned in them yet.
 */
import { join } from 'node:path';
import { DEFAULT_REGION } from '../../aws/defaults';
import { type DynamoDbEmulator, startDynamoDb } from '../dynamodb/emulator';
import { LogStore } from '../logs/store';
import { type SqsEmulator, startSqs } from '../sqs/emulator';
import type { ApiMeter } from './meter';
import type { Teardown } from './teardown';
import type { LocalCloudOptions } from './types';

/** The running stores. */
export interface Stores {
  readonly sqs: SqsEmulator;
  readonly dynamodb: DynamoDbEmulator;
  readonly logs: LogStore;
}

/**
 * Starts both emulators together; one that started is stopped if the other fails. With a data
 * directory the logs persist beside the tables, as CloudWatch keeps them.
 */
export async function startStores(
  opts: LocalCloudOptions,
  meter: ApiMeter,
  teardown: Teardown,
): Promise<Stores> {
  const [sqsStarted, dynamoStarted] = await Promise.allSettled([
    startSqs({ meter, region: DEFAULT_REGION }),
    startDynamoDb({ meter, dataDir: opts.dataDir }),
  ]);
  if (sqsStarted.status === 'fulfilled') teardown.add(() => sqsStarted.value.stop());
  if (dynamoStarted.status === 'fulfilled') teardown.add(() => dynamoStarted.value.stop());
  if (sqsStarted.status === 'rejected') throw sqsStarted.reason;
  if (dynamoStarted.status === 'rejected') throw dynamoStarted.reason;
  const logs = new LogStore(undefined, opts.dataDir ? join(opts.dataDir, 'logs') : undefined);
  teardown.add(() => logs.close());
  return { sqs: sqsStarted.value, dynamodb: dynamoStarted.value, logs };
}
