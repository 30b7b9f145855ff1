import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspect } from '../../local/commands/inspect';
import { parseQueues, redrive } from '../../local/commands/redrive';
import { resolveTarget, type Target } from '../../local/target';
import { type Harness, startHarness } from './harness';

const tsx = (script: string, args: string[]) =>
  spawnSync('npx', ['tsx', `local/commands/${script}.ts`, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('inspect and redrive against a running local cloud', () => {
  const dir = mkdtempSync(join(tmpdir(), 'string-pipeline-state-'));
  const stateFile = join(dir, 'state.json');
  let h: Harness;
  let target: Target;

  beforeAll(async () => {
    h = await startHarness({ stateFile });
    target = await resolveTarget({ stateFile });
    // Requests pile up with the generator stopped, and two messages are dead-lettered.
    await h.cloud.pauseConsumer(h.cloud.outputs.GeneratorFunctionName ?? '');
    await h.requestStrings(7);
    await h.send('RequestDlqUrl', [
      {
        body: '{"v":1,"type":"request"}',
        attributes: {
          FailureCode: { DataType: 'String', StringValue: 'InvalidMessage' },
          FailureReason: { DataType: 'String', StringValue: 'requestId is required' },
          Trace: { DataType: 'String', StringValue: 'kept' },
        },
      },
      { body: 'second dead letter' },
    ]);
  });
  afterAll(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the local cloud through its state file', () => {
    expect(target.kind).toBe('local');
    expect(target.outputs.RequestQueueUrl).toBe(h.cloud.outputs.RequestQueueUrl);
  });

  it('reports queue depths, dead letters with their reasons and table counts by status', async () => {
    const report = await inspect(target, { peek: 10 });
    const request = report.queues.find((q) => q.queue === 'Request');
    expect(request).toMatchObject({ visible: 7, inFlight: 0, dlq: { visible: 2 } });
    expect(request?.dlq.peeked.map((m) => m.failureCode ?? 'none').sort()).toEqual([
      'InvalidMessage',
      'none',
    ]);
    expect(request?.dlq.peeked.find((m) => m.failureCode)?.failureReason).toBe(
      'requestId is required',
    );
    expect(report.tables).toEqual({ Requests: { REQUESTED: 7 }, Strings: {} });
    // Peeking hides nothing: both dead letters are still there for a redrive.
    expect((await h.depth('RequestDlqUrl')).visible).toBe(2);
  });

  it('moves nothing on a dry run', async () => {
    const [result] = await redrive(target, { queues: ['Request'], dryRun: true });
    expect(result).toMatchObject({ method: 'dry-run', waiting: 2, moved: 0 });
    expect((await h.depth('RequestDlqUrl')).visible).toBe(2);
  });

  it('moves every dead letter back once, keeping its body and attributes but not the failure', async () => {
    const [result] = await redrive(target, { queues: ['Request'] });
    expect(result).toMatchObject({ method: 'copy', waiting: 2, moved: 2 });
    expect((await h.depth('RequestDlqUrl')).visible).toBe(0);

    const moved = await h.drain('RequestQueueUrl', 9);
    const redriven = moved.filter((m) => !m.Body?.includes('requestedAt'));
    expect(redriven.map((m) => m.Body).sort()).toEqual([
      'second dead letter',
      '{"v":1,"type":"request"}',
    ]);
    const attributes = redriven.find((m) => m.Body?.startsWith('{'))?.MessageAttributes ?? {};
    expect(Object.keys(attributes)).toEqual(['Trace']);
  });

  it('prints the report from the command line', async () => {
    // Asynchronously: the local cloud answering the command runs in this process.
    const { stdout } = await promisify(execFile)(
      'npx',
      ['tsx', 'local/commands/inspect.ts', '--state', stateFile, '--json'],
      { timeout: 60_000 },
    );
    expect(JSON.parse(stdout).tables.Requests).toEqual({ REQUESTED: 7 });
  });
});

describe('the commands refuse bad input', () => {
  it('names an unknown queue', () => {
    expect(() => parseQueues('responses', false)).toThrow(/unknown queue "responses"/);
    expect(() => parseQueues(undefined, false)).toThrow(/--queue request\|response\|ack, or --all/);
    expect(parseQueues(undefined, true)).toEqual(['Request', 'Response', 'Ack']);
  });

  it('exits 2 with the usage on an unknown option', () => {
    const run = tsx('redrive', ['--queues', 'ack']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/Unknown option '--queues'[\s\S]*usage: npm run redrive/);
  });

  it('says which stack it could not read, and where', () => {
    const run = tsx('inspect', ['--endpoint', 'http://127.0.0.1:9', '--stack', 'Nope']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Could not read stack Nope at http:\/\/127\.0\.0\.1:9/);
  });
});
