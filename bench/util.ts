import { fileURLToPath } from 'node:url';

/** The repository root; esbuild resolves entries and packages from here, as CDK does. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The middle value (mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** `1.2 kB`-style sizes (1 kB = 1000 bytes, as bundle sizes are usually quoted). */
export function kB(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`;
}

/** A fixed-width text table: first column left-aligned, the others right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** `n` with `digits` decimals. */
export const fixed = (n: number, digits: number): string => n.toFixed(digits);

/** How a section states a goal's outcome. */
export const verdict = (met: boolean): string => (met ? 'met' : 'MISSED');

/** A measurement's result, or its failure's message: one section that fails does not sink the run. */
export function orFailure<T>(measurement: Promise<T>): Promise<T | { error: string }> {
  return measurement.catch((error: unknown) => ({
    error: error instanceof Error ? error.message : String(error),
  }));
}
