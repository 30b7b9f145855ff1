/** Time to first round trip from `npm start`, as a new user experiences it: synth included. */
import { spawn } from 'node:child_process';
import { REPO_ROOT } from './util';

/** What `npm start -- --requests 1` took. */
export interface FirstRoundTripResult {
  /** From spawning `npm start` until it exited 0 (npm, tsx, synth, emulators, the round trip, reconciliation, shutdown). */
  readonly wallSeconds: number;
  /** npm start's own figure: from its start to the first acknowledgement, synth included. */
  readonly firstRoundTripSeconds?: number;
  /** npm start's own figures for the synth and for the cloud being up (synth included). */
  readonly synthSeconds?: number;
  readonly cloudUpSeconds?: number;
}

/** Runs `npm start -- --requests 1` and times it; fails if it does not exit 0 within `timeoutMs`. */
export function timeFirstRoundTrip(timeoutMs = 180_000): Promise<FirstRoundTripResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--', '--requests', '1', '--port', '0'], {
      cwd: REPO_ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout can end npm, tsx and node together.
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallSeconds = (performance.now() - started) / 1000;
      if (code !== 0) {
        const why = signal ? `was killed (${signal}) after ${timeoutMs} ms` : `exited ${code}`;
        reject(new Error(`npm start ${why}:\n${stdout.slice(-1000)}${stderr.slice(-1000)}`));
        return;
      }
      const first = /first round trip after ([\d.]+) s/.exec(stdout)?.[1];
      const up = /Local cloud up in ([\d.]+) s \(synth ([\d.]+) s\)/.exec(stdout);
      resolve({
        wallSeconds,
        ...(first === undefined ? {} : { firstRoundTripSeconds: Number(first) }),
        ...(up ? { cloudUpSeconds: Number(up[1]), synthSeconds: Number(up[2]) } : {}),
      });
    });
  });
}
