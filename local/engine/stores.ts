/**
 * The cloud's first phase: the stores behind the services. fauxqs holds the queues, dynalite the
 * tables and the log store the function logs; nothing is provisioned in them yet.
 */
import { join } from 'node:path';
import { DEFAULT_REGION } from '../../aws/defaults';
import { type DynamoDbEmulator, startDynamoDb } from '../dynamodb/emulator';
import { LogStore } from '../logs/store';
import { type SqsEmulator, startSqs } from '../sqs/emulator';
import { lockDataDir, type StateLock } from '../state/lock';
import { ensureWritableDir } from '../state/writable-dir';
import type { ApiMeter } from './meter';
import type { Teardown } from './teardown';
import type { LocalCloudOptions } from './types';

/** The running stores. */
export interface Stores {
  readonly sqs: SqsEmulator;
  readonly dynamodb: DynamoDbEmulator;
  readonly logs: LogStore;
  /** The data directory's lock, which records where the cloud answers for anyone it turns away. */
  readonly dataLock?: StateLock;
}

/**
 * Starts both emulators together; one that started is stopped if the other fails. With a data
 * directory the logs persist beside the tables, as CloudWatch keeps them, and the directory is
 * locked for this cloud until every store is stopped.
 *
 * @throws DataDirLockedError when another live cloud holds the data directory
 */
export async function startStores(
  opts: LocalCloudOptions,
  meter: ApiMeter,
  teardown: Teardown,
): Promise<Stores> {
  let dataLock: StateLock | undefined;
  if (opts.dataDir) {
    ensureWritableDir(opts.dataDir, 'the DynamoDB data directory');
    dataLock = lockDataDir(opts.dataDir);
    teardown.addFinal(dataLock.release);
  }
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
  return { sqs: sqsStarted.value, dynamodb: dynamoStarted.value, logs, dataLock };
}
