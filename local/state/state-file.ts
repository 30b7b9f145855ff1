/**
 * The state file a local cloud writes for discovery (`inspect`, `redrive`, `logs`, the console
 * find it there). It is a lock file too (see state-lock.ts): created atomically once the cloud is
 * up, it turns away a second cloud on the same file while the first one's process lives, and is
 * removed when the cloud stops.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LocalCloudError } from '../engine/types';
import { type LockHolder, liveHolder, lockFile } from './lock';

/** The contents of a local cloud's state file. `ops/target.ts` reads it. */
export interface LocalCloudState extends LockHolder {
  readonly region: string;
  /** The single AWS endpoint serving every service. */
  readonly endpoint: string;
  /** The endpoint again, per service, for tools that configure each client separately. */
  readonly endpoints: { readonly sqs: string; readonly dynamodb: string };
  readonly port: number;
  readonly stackName: string;
  /** Stack outputs with intrinsics resolved. */
  readonly outputs: Record<string, string>;
}

/** Refuses at once, before the synth and the emulators, if a live cloud holds `stateFile`. */
export function refuseIfRunning(stateFile: string): void {
  const holder = liveHolder(stateFile);
  if (holder) throw alreadyRunning(stateFile, holder);
}

/**
 * Writes the state file of a cloud that is up, taking it as a lock (a cloud that started on the
 * same file in the meantime wins). Returns what removes it.
 *
 * @throws LocalCloudError naming the live cloud that holds the file
 */
export function writeStateFile(
  stateFile: string,
  state: Omit<LocalCloudState, 'pid' | 'startedAt'>,
): () => void {
  mkdirSync(dirname(stateFile), { recursive: true });
  return lockFile(stateFile, state, (holder) => alreadyRunning(stateFile, holder)).release;
}

function alreadyRunning(stateFile: string, holder: LockHolder): LocalCloudError {
  return new LocalCloudError(
    `A local cloud already runs with state file ${stateFile}: pid ${holder.pid}, endpoint ${holder.endpoint ?? 'not yet known'}; stop it first or use another state directory`,
  );
}
