/**
 * What the terminal a command writes to can take: colours only on a terminal, never with
 * `NO_COLOR` set (https://no-color.org) or a `TERM` of `dumb`; a line redrawn in place only on a
 * terminal. Piped into a file or another command, output is plain lines.
 */

/** Whether to colour what goes to `stream`. */
export function colourFor(
  stream: { readonly isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}
