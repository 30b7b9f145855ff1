import { pathToFileURL } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { resolveTarget, type Target, TargetError } from '../ops/target';

/** A command-line mistake: reported with the usage line and exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The options every command that talks to a deployed or local pipeline takes. */
export const TARGET_OPTIONS = {
  endpoint: { type: 'string' },
  region: { type: 'string' },
  stack: { type: 'string' },
  profile: { type: 'string' },
  state: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** The target options, for usage lines. */
export const TARGET_USAGE =
  '[--endpoint URL] [--region REGION] [--stack NAME] [--profile NAME] [--state FILE]';

/** Parses argv strictly; unknown options and missing values become a {@link UsageError}. */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The target named by the parsed target options. */
export function targetFrom(values: {
  endpoint?: string;
  region?: string;
  stack?: string;
  profile?: string;
  state?: string;
}): Promise<Target> {
  return resolveTarget({
    endpoint: values.endpoint,
    region: values.region,
    stack: values.stack,
    profile: values.profile,
    stateFile: values.state,
  });
}

/**
 * Runs a command's main function and turns its outcome into an exit code: 0, the code it returns,
 * 2 for usage errors, 1 for anything else, each error printed as one line.
 */
export function run(usage: string, main: () => Promise<number | undefined>): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main().then(
    (code) => process.exit(code ?? 0),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`Usage error: ${error.message}\nusage: ${usage}`);
        process.exit(2);
      }
      if (error instanceof TargetError) {
        console.error(error.message);
        process.exit(1);
      }
      console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      process.exit(1);
    },
  );
}

/** True when the module at `moduleUrl` is the script node was started with (not an import). */
export function isMain(moduleUrl: string): boolean {
  return moduleUrl === pathToFileURL(process.argv[1] ?? '').href;
}
