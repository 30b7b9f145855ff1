import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeForRuntime, shippedNode } from '../../local/lambda/node-binary';
import { FunctionRunner, type FunctionSpec } from '../../local/lambda/runtime';

/** Handlers as plain modules: what runs them, what they see, and a callback-style one. */
const HANDLERS = {
  'probe.mjs': `
    import { readFileSync } from 'node:fs';
    export async function handler(event, context) {
      if (event.hang) await new Promise(() => {});
      const grouped = Object.groupBy([1, 2, 3, 4], (n) => (n % 2 ? 'odd' : 'even'));
      return {
        version: process.version,
        pid: process.pid,
        // The process itself, as the kernel sees it: which binary runs this handler.
        exe: process.platform === 'linux' ? readFileSync('/proc/self/cmdline', 'utf8').split('\\0')[0] : process.execPath,
        grouped,
        env: Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(AWS_|_HANDLER|LAMBDA_|NODE_OPTIONS|TZ|LANG)/.test(k))),
        callbackWaits: 'callbackWaitsForEmptyEventLoop' in context,
        logStreamName: context.logStreamName,
      };
    }`,
  'callback.mjs': `
    export function handler(event, context, callback) {
      callback(null, { viaCallback: true, version: process.version });
    }`,
};

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runtime-host-'));
  for (const [file, source] of Object.entries(HANDLERS)) writeFileSync(join(dir, file), source);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runners: FunctionRunner[] = [];
afterAll(() => Promise.all(runners.map((r) => r.stop())));

function runner(
  spec: Partial<FunctionSpec> & { file: string },
  node?: ConstructorParameters<typeof FunctionRunner>[1]['node'],
): { runner: FunctionRunner; lines: string[] } {
  const lines: string[] = [];
  const run = new FunctionRunner(
    {
      logicalId: 'Fn',
      name: 'fn',
      entry: join(dir, spec.file),
      handlerName: 'handler',
      runtime: 'nodejs24.x',
      timeoutSeconds: 30,
      memorySize: 128,
      environment: {},
      logFormat: 'Text',
      ...spec,
    },
    {
      region: 'us-east-1',
      accountId: '000000000000',
      environment: {},
      log: (l) => lines.push(l),
      node,
    },
  );
  runners.push(run);
  return { runner: run, lines };
}

interface Probe {
  version: string;
  pid: number;
  exe: string;
  grouped: Record<string, number[]>;
  env: Record<string, string>;
  callbackWaits: boolean;
  logStreamName: string;
}

const shipped = shippedNode(24);

describe('the runtime host', () => {
  it('ships Node 24 for this platform through npm ci', () => {
    expect(shipped?.version).toMatch(/^v24\.\d+\.\d+$/);
  });

  it('runs a nodejs24.x function on Node 24 in its own process, whatever Node runs the tools', async () => {
    const { runner: fn, lines } = runner({ file: 'probe.mjs' });
    const outcome = await fn.invoke({});
    const probe = outcome.result as Probe;
    expect(probe.version).toBe(shipped?.version);
    expect(probe.pid).not.toBe(process.pid);
    expect(probe.exe).toBe(shipped?.execPath);
    // A Node 22+ API, absent from Node 20.
    expect(probe.grouped).toEqual({ odd: [1, 3], even: [2, 4] });
    expect(fn.node.warning).toBeUndefined();
    // Each cold start names the runtime version of that Node, as Lambda's INIT_START does.
    const [, minor] = (shipped?.version ?? '').split('.');
    expect(lines[0]).toBe(
      `INIT_START Runtime Version: nodejs:24.v${minor}\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:node-${shipped?.version}`,
    );
    expect(lines.filter((l) => l.startsWith('INIT_START'))).toHaveLength(1);
    await fn.invoke({});
    expect(lines.filter((l) => l.startsWith('INIT_START'))).toHaveLength(1);
  });
});

describe('nodejs24.x in the runtime host', () => {
  it('sets the variables Lambda sets on nodejs24.x, and NODE_OPTIONS only as configured', async () => {
    const { runner: plain } = runner({ file: 'probe.mjs', logFormat: 'JSON' });
    const { runner: flagged } = runner({
      file: 'probe.mjs',
      environment: { NODE_OPTIONS: '--max-http-header-size=16384' },
    });
    const probe = (await plain.invoke({})).result as Probe;
    expect(probe.env).toMatchObject({
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_FUNCTION_NAME: 'fn',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn',
      AWS_LAMBDA_LOG_FORMAT: 'JSON',
      AWS_REGION: 'us-east-1',
      _HANDLER: 'probe.handler',
      LAMBDA_TASK_ROOT: dir,
      TZ: ':UTC',
    });
    expect(probe.env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(
      /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/,
    );
    expect(probe.logStreamName).toBe(probe.env.AWS_LAMBDA_LOG_STREAM_NAME);
    expect(probe.env.NODE_OPTIONS).toBeUndefined();
    // nodejs24.x has no callbacks, so its context has no callbackWaitsForEmptyEventLoop.
    expect(probe.callbackWaits).toBe(false);
    const withFlag = (await flagged.invoke({})).result as Probe;
    expect(withFlag.env.NODE_OPTIONS).toBe('--max-http-header-size=16384');
  });

  it('fails a callback-style handler at init on nodejs24.x with the error Lambda gives', async () => {
    const { runner: fn, lines } = runner({ file: 'callback.mjs', logFormat: 'JSON' });
    const outcome = await fn.invoke({});
    expect(outcome.error).toMatchObject({
      errorType: 'Runtime.CallbackHandlerDeprecated',
      errorMessage:
        'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
    });
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      type: 'platform.initStart',
      record: { initializationType: 'on-demand', phase: 'init', functionName: 'fn' },
    });
  });
});

describe('the runtime host, when things go wrong', () => {
  it('runs a runtime it has no binary for on the tools’ Node, with a warning naming both versions', async () => {
    const { runner: fn } = runner({ file: 'callback.mjs', runtime: 'nodejs22.x' });
    const hostIs22 = process.version.startsWith('v22.');
    expect(fn.node.version).toBe(process.version);
    if (hostIs22) expect(fn.node.warning).toBeUndefined();
    else {
      expect(fn.node.warning).toContain('nodejs22.x');
      expect(fn.node.warning).toContain(`Node ${process.version}`);
      expect(fn.node.warning).toContain('not Node 22');
    }
    // Callback-style handlers still work before nodejs24.x.
    expect((await fn.invoke({})).result).toEqual({ viaCallback: true, version: process.version });
    // A nodejs24.x function on a machine without the Node 24 package: the same fallback.
    const none = nodeForRuntime('nodejs24.x', () => undefined);
    expect(none.execPath).toBe(process.execPath);
    expect(none.warning).toMatch(
      /^nodejs24\.x functions run on this machine's Node v\d+.*not Node 24/,
    );
  });

  it('reports a crash of the runtime host as Lambda reports a sandbox crash, and starts a new one', async () => {
    const { runner: fn, lines } = runner({ file: 'probe.mjs' });
    const { pid } = (await fn.invoke({})).result as Probe;
    const hanging = fn.invoke({ hang: true });
    // Killed once the hanging invocation has started in the host.
    while (lines.filter((l) => l.startsWith('START')).length < 2) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    process.kill(pid, 'SIGKILL');
    const crashed = await hanging;
    expect(crashed.error).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${crashed.requestId} Error: Runtime exited with error: signal: killed`,
    });
    expect(lines.at(-1)).toMatch(/\tStatus: error\tError Type: Runtime.ExitError$/);
    const after = await fn.invoke({});
    expect(after.coldStart).toBe(true);
    expect((after.result as Probe).pid).not.toBe(pid);
  });
});
