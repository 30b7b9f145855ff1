/**
 * How a command waits for Ctrl-C: once per keypress however many processes pass the SIGINT on
 * (the terminal's group, npm, the launcher), and to its end for one that serves until stopped.
 */

/** Resolves at the first Ctrl-C (SIGINT) or SIGTERM: how a command that serves until stopped waits. */
export function untilStopped(): Promise<void> {
  return new Promise<void>((done) => {
    onInterrupt(done);
    process.once('SIGTERM', done);
  });
}

/**
 * How long after a Ctrl-C another SIGINT counts as the same one. A terminal's Ctrl-C reaches every
 * process of its group, and `npm start`'s launcher and npm itself pass on what they get, so a
 * command run by them may get two or three SIGINTs for one keypress.
 */
const SAME_CTRL_C_MS = 1_000;

/**
 * Calls `listener` at Ctrl-C (SIGINT), once, as `process.once` would, except that the SIGINTs
 * following within {@link SAME_CTRL_C_MS} are taken as the same one. A later one has Node's
 * default effect again (the process ends), so a second Ctrl-C still stops a command whose
 * stopping hangs. Returns what lets go of Ctrl-C before it came.
 */
export function onInterrupt(listener: () => void): () => void {
  let interrupted = false;
  const handler = () => {
    if (interrupted) return;
    interrupted = true;
    setTimeout(() => process.off('SIGINT', handler), SAME_CTRL_C_MS).unref();
    listener();
  };
  process.on('SIGINT', handler);
  return () => {
    if (!interrupted) process.off('SIGINT', handler);
  };
}
