import { ConfigError } from './errors';

/**
 * Reads the named environment variables once and fails fast, naming every missing one, so a
 * misconfigured function fails at init instead of on its first message.
 */
export function readEnv<const K extends string>(
  names: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
): Record<K, string> {
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ConfigError(`missing environment variable(s): ${missing.join(', ')}`);
  }
  return Object.fromEntries(names.map((name) => [name, env[name] as string])) as Record<K, string>;
}

/** Parses a positive integer setting, naming the variable when it is not one. */
export function positiveInt(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}
