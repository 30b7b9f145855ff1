/** Incremental rebundling of the handlers, with CDK's esbuild options, for hot reload. */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { type BuildContext, context, type Message } from 'esbuild';
import { cdkEsbuildOptions, lambdaTarget } from '../lambda/bundle-options';

/** One function to keep bundled: its name and its entry, relative to the project root. */
export interface RebuildTarget {
  readonly name: string;
  readonly entry: string;
  /**
   * When the bundle it runs is what its sources build to now: the files it was built from
   * (absolute paths). It is not built at start, only once one of them changes.
   */
  readonly current?: ReadonlySet<string>;
}

/** A function whose bundle changed: where its new bundle is. */
export interface RebuiltFunction {
  readonly name: string;
  readonly bundle: string;
}

/** What one rebuild did. */
export type RebuildResult =
  | { readonly ok: true; readonly changed: readonly RebuiltFunction[]; readonly ms: number }
  | { readonly ok: false; readonly errors: string; readonly ms: number };

/** What esbuild would load as a module of the handlers. */
const MODULE = /\.(?:[cm]?[jt]sx?|json)$/;

/**
 * Rebundles the handlers incrementally (esbuild's `context().rebuild()`) with the options CDK uses.
 * Each successful build whose output differs is written to a new directory (`NAME/vN/index.mjs`),
 * never over the bundle an environment may still be loading; unchanged bundles are not rewritten.
 */
export class Rebuilder {
  private contexts: {
    target: RebuildTarget;
    ctx: BuildContext;
    hash?: string;
    /**
     * Absolute paths of the files its last good build read, or of a current target's sources
     * before its first build; undefined after a failed build.
     */
    inputs?: Set<string>;
  }[] = [];
  private version = 0;

  constructor(
    private readonly rootDir: string,
    private readonly outDir: string,
  ) {}

  /**
   * Creates the build contexts and builds the functions whose bundle is not
   * {@link RebuildTarget.current}, recording what their sources bundle to.
   */
  async start(targets: readonly RebuildTarget[]): Promise<RebuildResult> {
    this.contexts = await Promise.all(
      targets.map(async (target) => ({
        target,
        ctx: await context({
          ...cdkEsbuildOptions(lambdaTarget(), this.rootDir),
          entryPoints: [join(this.rootDir, target.entry)],
          // Same depth as the versioned directories, so the source map's relative paths hold.
          outfile: join(this.outDir, target.name, 'current', 'index.mjs'),
          write: false,
        }),
        inputs: target.current && new Set(target.current),
      })),
    );
    return this.build(this.contexts.filter((c) => !c.target.current));
  }

  /**
   * Rebuilds the functions that read one of `changedFiles` (absolute paths), or whose last build
   * failed; every function when `changedFiles` is not given. Returns the ones whose bundle
   * changed, or the build errors.
   */
  rebuild(changedFiles?: ReadonlySet<string>): Promise<RebuildResult> {
    // A module no build has read (not an editor's swap file, which is no module).
    const unread = (file: string) =>
      MODULE.test(file) && !this.contexts.some((c) => c.inputs?.has(file));
    // Inputs from a source map (a current target never built, so without a hash) leave out a file
    // that adds no code (one that only re-exports): a changed module nobody reads rebuilds it too.
    const mapped = (c: Rebuilder['contexts'][number]) => c.hash === undefined;
    return this.build(
      this.contexts.filter(
        (c) =>
          !changedFiles ||
          !c.inputs ||
          [...changedFiles].some((f) => c.inputs?.has(f) || (mapped(c) && unread(f))),
      ),
    );
  }

  /** Builds `affected` and writes the bundles that changed. */
  private async build(affected: Rebuilder['contexts']): Promise<RebuildResult> {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    const results = await Promise.allSettled(affected.map((c) => c.ctx.rebuild()));
    const errors = results.flatMap((r) =>
      r.status === 'rejected' ? formatErrors(r.reason as { errors?: Message[] }) : [],
    );
    if (errors.length > 0) {
      // A failed build says nothing of what the fix will read: rebuild these on any change.
      for (const [i, result] of results.entries()) {
        const entry = affected[i];
        if (entry && result.status === 'rejected') entry.inputs = undefined;
      }
    }
    if (errors.length > 0) return { ok: false, errors: [...new Set(errors)].join('\n'), ms: ms() };
    this.version += 1;
    const changed: RebuiltFunction[] = [];
    for (const [i, result] of results.entries()) {
      const entry = affected[i];
      if (!entry || result.status !== 'fulfilled') continue;
      entry.inputs = new Set(
        Object.keys(result.value.metafile?.inputs ?? {}).map((input) =>
          resolve(this.rootDir, input),
        ),
      );
      const files = result.value.outputFiles ?? [];
      const hash = createHash('sha256');
      for (const file of files) hash.update(file.contents);
      const digest = hash.digest('hex');
      if (digest === entry.hash) continue;
      const dir = join(this.outDir, entry.target.name, `v${this.version}`);
      mkdirSync(dir, { recursive: true });
      for (const file of files) writeFileSync(join(dir, basename(file.path)), file.contents);
      entry.hash = digest;
      changed.push({ name: entry.target.name, bundle: join(dir, 'index.mjs') });
    }
    return { ok: true, changed, ms: ms() };
  }

  async stop(): Promise<void> {
    await Promise.all(this.contexts.map((c) => c.ctx.dispose()));
    this.contexts = [];
  }
}

/** esbuild's errors as compiler-style lines: `functions/x.ts:3:7: error: ...`. */
function formatErrors(failure: { errors?: Message[] }): string[] {
  const errors = failure.errors ?? [];
  if (errors.length === 0) return [String(failure)];
  return errors.map((e) => {
    const where = e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : '';
    const line = e.location?.lineText ? `\n    ${e.location.lineText}` : '';
    return `${where}error: ${e.text}${line}`;
  });
}
