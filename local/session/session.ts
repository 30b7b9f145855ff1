/**
 * The session `npm start` and `npm run dev` share: take the state directory, start the local
 * cloud on it, tell known failures in one line, serve the console on the cloud's endpoint from
 * its first request, and give the directory back however the command ends.
 *
 * Light to import: the emulators and the console load only when a cloud starts, so a command's
 * `--help` and a bad option answer without them.
 */

import type { LocalCloud, LocalCloudOptions } from '../cloud';
import type { CloudHost } from '../engine/host';
import {
  DataDirLockedError,
  lockStateDir,
  refuseIfDataDirInUse,
  type StateLock,
  StateLockedError,
} from '../state/lock';
import { ensureWritableDir, UnusableDirectoryError } from '../state/writable-dir';
import { CONSOLE_PATH, consoleRoute } from './console-route';
import { SessionError } from './errors';
import { MetricCounts } from './metric-counts';

/** A directory the session writes to, checked before the lock is taken. */
export interface SessionDir {
  readonly dir: string;
  /** What it is for, as in "Cannot use DIR as ROLE": `the --data directory`. */
  readonly role: string;
  /** A cloud's tables and logs go here: refused at once while another live cloud keeps its own here. */
  readonly data?: boolean;
}

/**
 * Runs `run` holding the lock of `stateDir`, after checking that each of `writable` can be used
 * (in order), and releases the lock when `run` settles.
 *
 * @throws SessionError (`refused`) when a directory cannot be used or another cloud holds the lock
 *   or keeps its data in a `data` directory
 */
export async function withStateDir<T>(
  stateDir: string,
  writable: readonly SessionDir[],
  run: (lock: StateLock) => Promise<T>,
): Promise<T> {
  let lock: StateLock;
  try {
    // Checked now, not when dynalite starts after the synth: it would hang or crash there.
    for (const { dir, role, data } of writable) {
      ensureWritableDir(dir, role);
      if (data) refuseIfDataDirInUse(dir);
    }
    // Before anything touches the directory: a second cloud must not truncate the first one's
    // log, overwrite its synth output or delete its state file.
    lock = lockStateDir(stateDir);
  } catch (error) {
    if (
      error instanceof StateLockedError ||
      error instanceof DataDirLockedError ||
      error instanceof UnusableDirectoryError
    ) {
      throw new SessionError('refused', error.message);
    }
    throw error;
  }
  try {
    return await run(lock);
  } finally {
    lock.release();
  }
}

/** What {@link startSessionCloud} adds to the cloud's own options. */
export interface SessionCloudOptions extends LocalCloudOptions {
  /** The state directory's lock, which records where the cloud answers for anyone it turns away. */
  readonly lock: StateLock;
  /**
   * The functions' metrics, counted by the caller from the log lines it is given; without it the
   * session counts them itself. The console shows them as live counts by stage.
   */
  readonly metrics?: MetricCounts;
  /** Whether the tables start empty (no kept data), so the console need not count them first. */
  readonly tablesStartEmpty?: boolean;
}

/** The address of the console a session's cloud serves. */
export const consoleUrlOf = (cloud: Pick<LocalCloud, 'endpoint'>): string =>
  `${cloud.endpoint}${CONSOLE_PATH}/`;

/**
 * Starts a local cloud (loading the emulators on first use) with the console served on its
 * endpoint from the endpoint's first request (see `console-route.ts`).
 *
 * @throws SessionError (`invalid`) when the port is taken or a cloud already runs on the state
 *   file; (`refused`) when another cloud holds the data directory
 */
export async function startSessionCloud(options: SessionCloudOptions): Promise<LocalCloud> {
  const { lock, metrics: given, tablesStartEmpty = false, ...cloudOptions } = options;
  const [{ startLocalCloud, LocalCloudError }, { PortInUseError }] = await Promise.all([
    import('../cloud'),
    import('../endpoint/gateway'),
  ]);
  const metrics = given ?? new MetricCounts();
  const log = cloudOptions.log;
  const route = consoleRoute();
  let cloud: LocalCloud;
  try {
    cloud = await startLocalCloud({
      ...cloudOptions,
      // A user's session: each function's first invocation finds an environment ready, as it
      // may on Lambda, instead of waiting for its init.
      preInitialize: cloudOptions.preInitialize ?? true,
      routes: new Map([...(cloudOptions.routes ?? []), [CONSOLE_PATH, route.handle]]),
      log: given
        ? log
        : (line, fn) => {
            metrics.take(line);
            log?.(line, fn);
          },
    });
  } catch (error) {
    if (error instanceof DataDirLockedError) throw new SessionError('refused', error.message);
    if (error instanceof PortInUseError || error instanceof LocalCloudError) {
      throw new SessionError('invalid', error.message);
    }
    throw error;
  }
  lock.setEndpoint(cloud.endpoint);
  route.attach(cloud, {
    liveStageCounts: () => liveStageCounts(metrics),
    tablesStartedEmpty: tablesStartEmpty,
  });
  return cloud;
}

/** The functions' counts as the console's stages: each counts the items written at that stage. */
function liveStageCounts({ counts }: MetricCounts) {
  return {
    requested: counts.Requested,
    generated: counts.Generated,
    stored: counts.Stored,
    acknowledged: counts.Acknowledged,
  };
}

/** What {@link startSessionHost} is given. */
export interface SessionHostOptions {
  /** The state directory's lock; the host's state file goes in its directory. */
  readonly lock: StateLock;
  readonly stateFile: string;
  readonly port: number;
  readonly dataDir?: string;
  /** Names the endpoint answers to besides its loopback ones. */
  readonly allowHosts?: readonly string[];
}

/**
 * Starts a local cloud with no stack of its own (`npm run cloud`), for the CDK CLI to bootstrap
 * and deploy onto, loading the emulators on first use.
 *
 * @throws SessionError (`invalid`) when the port is taken; (`refused`) when another cloud holds
 *   the data directory
 */
export async function startSessionHost(options: SessionHostOptions): Promise<CloudHost> {
  const [{ startCloudHost }, { PortInUseError }] = await Promise.all([
    import('../engine/host'),
    import('../endpoint/gateway'),
  ]);
  const { lock, ...hostOptions } = options;
  try {
    // A user's session, as npm start's: each function's first invocation finds one ready.
    const host = await startCloudHost({ preInitialize: true, ...hostOptions });
    lock.setEndpoint(host.endpoint);
    return host;
  } catch (error) {
    if (error instanceof PortInUseError) throw new SessionError('invalid', error.message);
    if (error instanceof DataDirLockedError) throw new SessionError('refused', error.message);
    throw error;
  }
}
