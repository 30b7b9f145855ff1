/**
 * A cloud assembly deployed onto the local cloud the way `cdk deploy` deploys it, in-process: the
 * environment bootstrapped with the CDK CLI's own bootstrap template, the stack's file assets
 * published to the bootstrap bucket, then the template created or updated through the local
 * CloudFormation. `npm start` and `npm run dev` make every resource this way.
 */
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import type { StackArtifact } from '../../aws/template';
import type { LocalCloudFormation } from '../cloudformation/engine';
import type { ResourceChange, Stack } from '../cloudformation/model';
import { CloudFormationError } from '../cloudformation/registry';
import { parseYamlTemplate } from '../cloudformation/template-source';
import { Recent } from '../engine/recent';
import type { FauxqsBuckets } from '../sqs/fauxqs';

/** The stack `cdk bootstrap` deploys. */
export const BOOTSTRAP_STACK = 'CDKToolkit';

/** A deploy that did not reach its complete status; the message says why, as the events do. */
export class StackDeployError extends Error {
  override readonly name = 'StackDeployError';
}

/** What deploying onto the local cloud acts on. */
export interface DeployTarget {
  readonly cloudformation: LocalCloudFormation;
  readonly buckets: FauxqsBuckets;
  /**
   * The directory each published deployment package was zipped from, by `bucket/key`: a function
   * whose code is that object runs from the directory, which holds the same files, so breakpoints
   * bind to the sources its source maps name.
   */
  readonly assetDirs: Map<string, string>;
}

/** Deploys the CDK CLI's bootstrap template as `CDKToolkit`, unless a stack of that name exists. */
export async function bootstrap(target: DeployTarget): Promise<void> {
  if (target.cloudformation.registry.find(BOOTSTRAP_STACK)) return;
  await deployTemplate(target.cloudformation, BOOTSTRAP_STACK, bootstrapTemplateBody());
}

/** Where converted bootstrap templates are kept: beside the CDK CLI they come from. */
const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/local-cloud', import.meta.url));

/**
 * The CDK CLI's bootstrap template as `cdk bootstrap` sends it: the YAML the CLI ships, converted
 * to JSON (the CLI writes it as `CDKToolkit.template.json`, indented by two). Converted once per
 * template text and kept in node_modules/.cache: loading the YAML parser and parsing took about
 * 0.11 s of each start's deploy on Node 20. Where the cache cannot be written, converted each time.
 */
export function bootstrapTemplateBody(cacheDir = CACHE_DIR): string {
  const require = createRequire(import.meta.url);
  const yaml = readFileSync(
    require.resolve('aws-cdk/lib/api/bootstrap/bootstrap-template.yaml'),
    'utf8',
  );
  // Kept by the text and by what converts it: the YAML parser's version.
  const parser = (require('yaml/package.json') as { version: string }).version;
  const hash = createHash('sha256').update(parser).update('\0').update(yaml).digest('hex');
  const cached = join(cacheDir, `bootstrap-template-${hash.slice(0, 16)}.json`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // Not converted yet.
  }
  const body = JSON.stringify(parseYamlTemplate(yaml), null, 2);
  keep(cached, body);
  return body;
}

/**
 * Writes a cache file, renamed into place so that a start reading it meanwhile never sees half of
 * it. Best effort: where it cannot be written (a read-only install), the next start makes it again.
 */
function keep(path: string, data: string | Uint8Array): void {
  const staging = `${path}.${process.pid}.tmp`;
  let written = false;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(staging, data);
    written = true;
    renameSync(staging, path);
  } catch {
    // Made again next time, with no staging file left behind.
    if (written) rmSync(staging, { force: true });
  }
}

/** One file asset of a stack's asset manifest (`STACK.assets.json`), as cdk-assets reads it. */
interface FileAsset {
  readonly source: { readonly path: string; readonly packaging?: 'zip' | 'file' };
  readonly destinations: Record<
    string,
    { readonly bucketName: string; readonly objectKey: string }
  >;
}

/**
 * Publishes the stack's file assets to the local S3 as cdk-assets would: a directory zipped, a
 * file as it is, to each destination not already holding the object.
 */
export function publishAssets(target: DeployTarget, stack: StackArtifact): void {
  const { registry } = target.cloudformation;
  const pseudo: Record<string, string> = {
    AccountId: registry.accountId,
    Region: registry.region,
    Partition: 'aws',
  };
  const manifest = join(stack.assemblyDir, `${stack.stackName}.assets.json`);
  const files = (
    JSON.parse(readFileSync(manifest, 'utf8')) as { files?: Record<string, FileAsset> }
  ).files;
  for (const asset of Object.values(files ?? {})) {
    const source = join(stack.assemblyDir, asset.source.path);
    for (const destination of Object.values(asset.destinations)) {
      const bucket = destination.bucketName.replace(
        /\$\{AWS::(\w+)\}/g,
        (whole, name: string) => pseudo[name] ?? whole,
      );
      const key = destination.objectKey;
      if (!target.buckets.has(bucket))
        throw new StackDeployError(
          `The asset bucket ${bucket} does not exist: bootstrap the environment first`,
        );
      if (asset.source.packaging === 'zip') target.assetDirs.set(`${bucket}/${key}`, source);
      if (target.buckets.read(bucket, key)) continue;
      const body =
        asset.source.packaging === 'zip'
          ? zips.get(zipKey(source), () => assetZip(source))
          : readFileSync(source);
      // The zip cache's bytes themselves, not a copy: S3 keeps an object as it was put and
      // nothing writes to either, and two copies of the functions' zips took 4.6 MB for a run.
      target.buckets.write(bucket, key, Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    }
  }
}

/**
 * Zips of asset directories made in this process, by {@link zipKey}: a second deploy of the same
 * assets (each test's cloud, the dev loop's unchanged function, a copy of the assembly) takes the
 * zip made for the first. The last few only.
 */
const zips = new Recent<string, Uint8Array>(4);

/**
 * An asset directory's name is its contents' hash (`asset.<sha256>`), by which cdk-assets keeps
 * its zips too (`.cache/<sha256>.zip`): the same name is the same zip wherever the assembly was
 * copied. Any other directory is known by its path.
 */
function zipKey(dir: string): string {
  const name = basename(dir);
  return ASSET_DIR.test(name) ? name : dir;
}

/** The name of an asset directory that cdk synth named by its contents' hash. */
const ASSET_DIR = /^asset\.[0-9a-f]{64}$/;

/**
 * The zip of an asset directory. One named by its hash is kept in the assembly's `.cache` (beside
 * cdk-assets' own zips, under another name) and read from there by the next start of the same
 * assembly: zipping the functions' 2.3 MB again took about 25 ms of each start's deploy, before
 * any function was created. The zip goes when the synth cache prunes the assembly.
 */
export function assetZip(dir: string): Uint8Array {
  const name = basename(dir);
  if (!ASSET_DIR.test(name)) return zipDirectory(dir);
  const kept = join(dirname(dir), ASSET_ZIPS, `${name}.stored.zip`);
  try {
    return readFileSync(kept);
  } catch {
    // Not zipped yet.
  }
  const zip = zipDirectory(dir);
  keep(kept, zip);
  return zip;
}

/** The folder of an assembly where its zipped assets are kept, as cdk-assets keeps its own. */
export const ASSET_ZIPS = '.cache';

/** A directory's files in one zip, stored uncompressed: it never leaves the machine. */
function zipDirectory(dir: string): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path);
    }
  };
  walk(dir);
  return zipSync(files, { level: 0 });
}

/**
 * Bootstraps if need be, publishes the assets and creates or updates the stack; resolves once the
 * stack is complete. A template with no changes leaves the stack as it is.
 *
 * @throws StackDeployError with the failed resources' reasons when the stack rolled back
 */
export async function deployAssembly(target: DeployTarget, stack: StackArtifact): Promise<Stack> {
  await bootstrap(target);
  publishAssets(target, stack);
  return deployTemplate(target.cloudformation, stack.stackName, templateBodyOf(stack));
}

/** An update's change set, created and waiting: executed, or discarded. */
export interface PlannedUpdate {
  /** What it would change, as DescribeChangeSet lists it. */
  readonly changes: readonly ResourceChange[];
  /**
   * Executes it and resolves once the stack is updated.
   * @throws StackDeployError with the failed resource's reason when the stack rolled back
   */
  execute(): Promise<Stack>;
  /** Deletes it, changing nothing. */
  discard(): void;
}

/**
 * Creates the change set that updates the assembly's stack, its assets published first as
 * `cdk deploy` publishes them; the caller executes it or discards it.
 */
export function planUpdate(target: DeployTarget, stack: StackArtifact): PlannedUpdate {
  publishAssets(target, stack);
  const { cloudformation } = target;
  const { stackName } = stack;
  const since = cloudformation.registry.get(stackName).events.length;
  const { changeSet } = cloudformation.createChangeSet({
    stackName,
    changeSetName: `update-${Date.now()}`,
    type: 'UPDATE',
    templateBody: templateBodyOf(stack),
    parameters: [],
  });
  return {
    changes: changeSet.changes,
    async execute() {
      cloudformation.executeChangeSet(changeSet.id, stackName);
      return settled(cloudformation.registry.get(stackName), 'UPDATE_COMPLETE', since);
    },
    discard: () => cloudformation.deleteChangeSet(changeSet.id, stackName),
  };
}

/** The assembly's template of the stack, as a `TemplateBody`. */
function templateBodyOf(stack: StackArtifact): string {
  const file = stack.templateFile ?? `${stack.stackName}.template.json`;
  return readFileSync(join(stack.assemblyDir, file), 'utf8');
}

/** Creates or updates a stack from a template body and waits for the outcome. */
export async function deployTemplate(
  cloudformation: LocalCloudFormation,
  stackName: string,
  templateBody: string,
): Promise<Stack> {
  const existing = cloudformation.registry.find(stackName);
  const type = existing && existing.status !== 'REVIEW_IN_PROGRESS' ? 'UPDATE' : 'CREATE';
  const since = existing?.events.length ?? 0;
  let stack: Stack;
  try {
    stack = cloudformation.deployStack({ stackName, type, templateBody, parameters: [] });
  } catch (error) {
    if (error instanceof CloudFormationError && /No updates/.test(error.message) && existing)
      return existing;
    throw new StackDeployError(`${stackName}: ${(error as Error).message}`);
  }
  return settled(stack, type === 'CREATE' ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE', since);
}

/**
 * The stack once its operation ends.
 * @throws StackDeployError naming the first resource that failed since event `since`, when it
 *   did not reach `complete`
 */
async function settled(stack: Stack, complete: string, since: number): Promise<Stack> {
  await stack.operation;
  if (stack.status !== complete) throw new StackDeployError(failureOf(stack, since));
  return stack;
}

/** `STACK STATUS: the first failed resource's reason`, as the CLI prints a failed deploy. */
function failureOf(stack: Stack, since: number): string {
  const failed = stack.events
    .slice(since)
    .find((e) => e.status.endsWith('_FAILED') && e.logicalId !== stack.name);
  const why = failed
    ? `${failed.logicalId} (${failed.type}): ${failed.reason}`
    : stack.statusReason;
  return `${stack.name} ${stack.status}: ${why ?? 'no reason given'}`;
}
