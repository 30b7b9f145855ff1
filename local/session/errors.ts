/**
 * Why a command's local cloud session did not start, told in one line. Its own module, free of
 * the engine, so that the command-line runner can know it without loading the cloud.
 */

/**
 * A session that did not start, for a reason its message tells in full. `refused`: the state or
 * data directory is held by another cloud or cannot be used (a command exits 1). `invalid`: what
 * the caller asked for cannot be had (a port taken, a bad context value, a cloud already running
 * on the state file), a command-line mistake (exit 2, without the usage line).
 */
export class SessionError extends Error {
  override readonly name = 'SessionError';

  constructor(
    readonly kind: 'refused' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}
