import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Output } from '../../contract/contract';
import { type LocalCloud, startLocalCloud } from '../../local/cloud';
import { sqsEventRecord } from '../../local/lambda/event-source';
import { sampleMessage } from '../../ops/messages';
import { type Cdp, connectCdp, decodeMappings } from './fixtures/cdp';

/** Listens on `port` (0: any) on 127.0.0.1; resolves with the server, or undefined if taken. */
function listen(port: number): Promise<Server | undefined> {
  const server = createServer();
  return new Promise((done) => {
    server.once('error', () => done(undefined));
    server.listen(port, '127.0.0.1', () => done(server));
  });
}

/**
 * A port P such that P and P + 1 are both free: the cloud gives the first function's inspector P
 * and the second's P + 1. Both are held while checked, so neither is taken between the two checks.
 */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await listen(0);
    const address = first?.address();
    if (!first || !address || typeof address === 'string') throw new Error('no port');
    const second = await listen(address.port + 1);
    await new Promise((done) => first.close(done));
    if (second) {
      await new Promise((done) => second.close(done));
      return address.port;
    }
  }
  throw new Error('no two consecutive free ports in 20 attempts');
}

const DOMAIN = 'functions/generator/domain.ts';
/** The line (1-based) of the statement to stop at: counting a request generated. */
const LINE =
  readFileSync(DOMAIN, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes("deps.metrics.add(created ? 'Generated' : 'Duplicate')")) + 1;

describe('npm run dev -- --inspect', () => {
  let cloud: LocalCloud;
  let cdp: Cdp | undefined;
  beforeAll(async () => {
    cloud = await startLocalCloud({
      assemblyDir: inject('pipelineAssembly'),
      inspectPort: await freePortPair(),
      log: () => {},
    });
  });
  afterAll(async () => {
    cdp?.close();
    await cloud?.stop();
  });

  it("stops at a breakpoint set on a line of the handler's TypeScript source, and the invocation succeeds once resumed", async () => {
    expect(LINE).toBeGreaterThan(0);
    const generator = cloud.outputs[Output.GeneratorFunctionName] ?? '';
    const fn = Object.values(cloud.functions).find((f) => f.name === generator);
    // The inspector is open before any invocation, for a debugger to attach first.

    const targets = (await (
      await fetch(`http://127.0.0.1:${fn?.inspectPort}/json/list`)
    ).json()) as { webSocketDebuggerUrl: string }[];
    const debuggee = await connectCdp(targets[0]?.webSocketDebuggerUrl ?? '');
    cdp = debuggee;
    const parsed = debuggee.next(
      'Debugger.scriptParsed',
      (p) => String(p.url).endsWith('/index.mjs') && Boolean(p.sourceMapURL),
    );
    await debuggee.send('Debugger.enable');
    const script = await parsed;

    // Where the TypeScript line landed in the bundle, as a debugger reads it from the source map.
    const bundle = fileURLToPath(String(script.url));
    const mapFile = resolve(dirname(bundle), String(script.sourceMapURL));
    const mappings = decodeMappings(JSON.parse(readFileSync(mapFile, 'utf8')));
    const onLine = mappings.filter((m) => m.source.endsWith(DOMAIN) && m.originalLine === LINE - 1);
    const first = onLine.sort((a, b) => a.line - b.line || a.column - b.column)[0];
    expect(first).toBeDefined();
    const set = await debuggee.send('Debugger.setBreakpoint', {
      location: { scriptId: script.scriptId, lineNumber: first?.line, columnNumber: first?.column },
    });
    expect(set.breakpointId).toBeTruthy();

    const queueArn = `arn:aws:sqs:${cloud.region}:000000000000:${cloud.outputs[Output.RequestQueueUrl]?.split('/').pop()}`;
    const paused = debuggee.next('Debugger.paused');
    const invocation = cloud.invoke(generator, {
      Records: [
        sqsEventRecord(
          { MessageId: 'm-1', ReceiptHandle: 'r', Body: sampleMessage('Request') },
          queueArn,
          cloud.region,
        ),
      ],
    });
    const pause = (await paused) as {
      callFrames: { location: { lineNumber: number; columnNumber: number } }[];
    };
    const at = pause.callFrames[0]?.location;
    // Back through the source map: the pause is on the TypeScript line the breakpoint was set on.
    const original = mappings
      .filter((m) => m.line === at?.lineNumber && m.column <= (at?.columnNumber ?? 0))
      .sort((a, b) => b.column - a.column)[0];
    expect(original?.source.endsWith(DOMAIN)).toBe(true);
    expect((original?.originalLine ?? -1) + 1).toBe(LINE);

    await debuggee.send('Debugger.resume');
    expect(await invocation).toEqual({ result: { batchItemFailures: [] } });
  });
});
