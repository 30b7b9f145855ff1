/** Which Node the functions of a running cloud run on, as `npm start` and `npm run dev` say it. */
import type { LocalCloud } from '../cloud';
import { runtimeHosts } from '../lambda/runtime-host';

/**
 * Which Node the functions run on, for the start-up lines of `npm start` and `npm run dev`
 * (`nodejs24.x on Node v24.21.0`), and the warnings of those that run on the tools' Node instead
 * of their runtime's (one per runtime).
 */
export function functionRuntimes(cloud: LocalCloud): { line: string; warnings: string[] } {
  const functions = Object.values(cloud.functions);
  const byRuntime = new Map<string, string>();
  for (const f of functions) byRuntime.set(f.runtime, `${f.runtime} on Node ${f.node.version}`);
  const warnings = new Set(functions.flatMap((f) => f.node.warning ?? []));
  return { line: [...byRuntime.values()].join(', '), warnings: [...warnings] };
}

/**
 * Peak resident memory of the cloud, in MB: this process's (the engine, the emulators) and its
 * runtime hosts' (the functions' environments), each its own peak.
 */
export async function peakMemoryMb(): Promise<{ engine: number; hosts: number }> {
  const hostsKb = (await runtimeHosts.peakRssKb()).reduce((sum, kb) => sum + kb, 0);
  return {
    engine: Math.round(process.resourceUsage().maxRSS / 1024),
    hosts: Math.round(hostsKb / 1024),
  };
}
