// @ts-check
/**
 * Whether the test commands colour their output, and the environment their children get: colours
 * only on a terminal, and never with NO_COLOR set. vitest colours its output unless told
 * otherwise, terminal or not, and tsgo's `--pretty` forces them, so a piped run (a CI log,
 * `| tee`) was full of escape codes.
 */
export const colour =
  process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';

/** `process.env`, with NO_COLOR set and FORCE_COLOR removed when not {@link colour}. */
export const childEnv = { ...process.env };
if (!colour) {
  childEnv.NO_COLOR = '1';
  delete childEnv.FORCE_COLOR;
}
