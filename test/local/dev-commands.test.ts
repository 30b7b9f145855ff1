import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  type CommandMain,
  type CommandSpec,
  type OptionSpecs,
  usageLine,
} from '../../commands/cli';
import { EVENT, main as event } from '../../commands/event';
import { INSPECT, main as inspect } from '../../commands/inspect';
import { INVOKE, main as invoke } from '../../commands/invoke';
import { LOGS, main as logs } from '../../commands/logs';
import { SEND, main as send } from '../../commands/send';
import { Output } from '../../contract/contract';
import type { InspectReport } from '../../ops/inspect';
import { type CommandRun as Run, runCommandInProcess, spawnCommand } from './command-runner';
import { useStateCloud } from './state-cloud';

const s = useStateCloud('dev-commands-');

/** Each command's spec and main, run in this process by runCommandInProcess. */
const COMMANDS = {
  invoke: [INVOKE, invoke],
  event: [EVENT, event],
  send: [SEND, send],
  logs: [LOGS, logs],
} as const;

/**
 * Runs a command against the test's local cloud (found through its state file, as a user's is),
 * in this process: the scripts themselves are run once each, for --help.
 */
function cli(script: keyof typeof COMMANDS, args: string[]): Promise<Run> {
  const [spec, main] = COMMANDS[script];
  return runCommandInProcess(spec as CommandSpec<OptionSpecs>, main as CommandMain<OptionSpecs>, [
    ...args,
    '--state',
    s.stateFile,
  ]);
}

/** A REPORT line as `npm run logs` shows it (platform.report records read as one). */
const REPORT_SHOWN =
  /^\[requestor\] REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: \d+ MB\tMax Memory Used: \d+ MB/m;
const REPORT =
  /^REPORT RequestId: ([0-9a-f-]{36})\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: \d+ MB\tMax Memory Used: \d+ MB/m;

describe('npm run invoke', () => {
  it("prints the result, then the invocation's START, log lines, END and REPORT with Init Duration on a cold start", async () => {
    const run = await cli('invoke', ['requestor', '--payload', '{"count":2}']);
    expect(run.stderr).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/m);
    const requestId = /^START RequestId: (\S+)/m.exec(run.stderr)?.[1];
    expect(run.stderr).toContain('"message":"requested strings"');
    expect(run.stderr).toContain(`END RequestId: ${requestId}`);
    expect(REPORT.exec(run.stderr)?.[1]).toBe(requestId);
    expect(run.stderr).toMatch(/\tInit Duration: \d+\.\d{2} ms$/m);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { requestIds: string[] };
    expect(result.requestIds).toHaveLength(2);

    // The same environment again: warm, so no Init Duration.
    const warm = await cli('invoke', ['requestor', '--payload', '{"count":1}']);
    expect(warm.stderr).toMatch(REPORT);
    expect(warm.stderr).not.toContain('Init Duration');
  });

  it('exits 1 on a function error, naming its type and message, after the log tail', async () => {
    const run = await cli('invoke', ['requestor', '--payload', '{"count":"many"}']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(REPORT);
    const [failed, retry] = run.stderr.trimEnd().split('\n').slice(-2);
    expect(failed).toMatch(
      new RegExp(`^${s.cloud.outputs[Output.RequestorFunctionName]} failed: \\w+: .*count`),
    );
    // The requestor's payload went with an idempotency key, printed first with how to retry.
    const key = /^Idempotency key: (invoke-[0-9a-f-]{36})$/m.exec(run.stderr)?.[1];
    expect(retry).toBe(
      `To retry, re-sending the same requests: npm run invoke -- requestor --payload '{"count":"many","idempotencyKey":"${key}"}'`,
    );
  });

  it('finds a function by logical id and takes the event from a file made by npm run event', async () => {
    const event = await cli('event', ['sqs', '--queue', 'request']);
    expect(event.status).toBe(0);
    const parsed = JSON.parse(event.stdout) as { Records: Record<string, unknown>[] };
    const record = parsed.Records[0] ?? {};
    expect(record.eventSource).toBe('aws:sqs');
    expect(record.eventSourceARN).toMatch(/^arn:aws:sqs:us-east-1:\d{12}:/);
    expect(Object.keys(record).sort()).toEqual(
      [
        'attributes',
        'awsRegion',
        'body',
        'eventSource',
        'eventSourceARN',
        'md5OfBody',
        'messageAttributes',
        'messageId',
        'receiptHandle',
      ].sort(),
    );
    const file = join(s.dir, 'request-event.json');
    writeFileSync(file, event.stdout);
    const logicalId = Object.values(s.cloud.functions).find(
      (f) => f.name === s.cloud.outputs[Output.GeneratorFunctionName],
    )?.logicalId;
    const run = await cli('invoke', [logicalId ?? '', file]);
    expect(run.stderr).toContain('"message":"generated string"');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ batchItemFailures: [] });
  });

  it('refuses an event that is not JSON, and an unknown function with the ones there are', async () => {
    const [bad, unknown] = await Promise.all([
      cli('invoke', ['generator', '--payload', '{nope']),
      cli('invoke', ['nosuch']),
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^The event is not JSON/);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^No function nosuch .*use requestor or generator/);
  });
});

describe('peeking at the local cloud', () => {
  it('shows dead letters without receiving them, so their receive counts stay what the pipeline made', async () => {
    const dlq = s.cloud.outputs[Output.AckDlqUrl] ?? '';
    const sqs = new SQSClient(s.cloud.clientConfig('sqs'));
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: 'parked' }));
      const peek = () =>
        runCommandInProcess(
          INSPECT as CommandSpec<OptionSpecs>,
          inspect as CommandMain<OptionSpecs>,
          ['--json', '--peek', '20', '--state', s.stateFile],
        );
      for (let look = 0; look < 3; look++) {
        const run = await peek();
        const report = JSON.parse(run.stdout) as InspectReport;
        const ack = report.queues.find((q) => q.queue === 'Ack');
        expect(ack?.dlq.peeked.map((m) => [m.body, m.receiveCount])).toEqual([['parked', 0]]);
      }
      // The first receive is the first one counted.
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlq,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      expect(Messages[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: dlq, ReceiptHandle: Messages[0]?.ReceiptHandle }),
      );
    } finally {
      sqs.destroy();
    }
  });

  it('answers a peek of an unknown queue or with the wrong method as SQS would refuse it', async () => {
    const unknown = await fetch(
      `${s.cloud.endpoint}/_aws/sqs/messages?QueueUrl=${encodeURIComponent(`${s.cloud.endpoint}/000000000000/nope`)}`,
    );
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: 'com.amazonaws.sqs#QueueDoesNotExist' });
    const post = await fetch(`${s.cloud.endpoint}/_aws/sqs/messages`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});

describe('npm run send and npm run logs', () => {
  it("follows one request's requestId across both functions' logs", async () => {
    const invoke = await cli('invoke', ['requestor', '--payload', '{"count":1}']);
    const [requestId = ''] = (JSON.parse(invoke.stdout) as { requestIds: string[] }).requestIds;
    await s.cloud.waitForIdle();
    const logs = await cli('logs', ['--request-id', requestId, '--raw']);
    expect(logs.status).toBe(0);
    const lines = logs.stdout.trimEnd().split('\n');
    const logged = (fn: string, message: string) =>
      lines.some((l) => l.startsWith(`[${fn}]`) && l.includes(`"message":"${message}"`));
    expect(logged('requestor', 'requested strings'), logs.stdout).toBe(true);
    expect(logged('generator', 'generated string'), logs.stdout).toBe(true);
    expect(logged('requestor', 'stored response'), logs.stdout).toBe(true);
    expect(logged('generator', 'acknowledged string'), logs.stdout).toBe(true);
    expect(lines.every((l) => l.includes(requestId))).toBe(true);
  });

  it('puts a request on its queue, recorded first as the requestor does, and it completes its round trip', async () => {
    const send = await cli('send', ['request']);
    expect(send.status).toBe(0);
    const requestId = /"requestId":"(\w+)"/.exec(send.stdout)?.[1] ?? '';
    expect(send.stderr).toBe(
      `Recorded request ${requestId} as REQUESTED in ${s.cloud.outputs[Output.RequestsTableName]} first, as the requestor does\n`,
    );
    await s.cloud.waitForIdle();
    const logs = await cli('logs', ['--request-id', requestId, '--raw']);
    expect(logs.stdout).toContain('"message":"generated string"');
    // Not UnknownRequest in the response DLQ: the requestor knew the request, and acked it.
    expect(logs.stdout).toContain('"message":"acknowledged string"');
  });

  it('says so and exits 1 when no log event holds the request id asked for', async () => {
    const run = await cli('logs', ['--request-id', '01NOSUCHREQUEST0000000000']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'No log event of requestor or generator holds 01NOSUCHREQUEST0000000000\n',
    );
  });

  it('sends a schema-invalid body with a warning saying why it will be rejected', async () => {
    const run = await cli('send', ['ack-dlq', '{"v":1,"type":"ack"}']);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^warning: not a valid ack message, sent anyway \(.*requestId/);
  });

  it("shows one function's REPORT lines, stored as platform.report records, and nothing but problems with --quiet", async () => {
    const [all, raw, quiet] = await Promise.all([
      cli('logs', ['requestor']),
      cli('logs', ['requestor', '--raw']),
      cli('logs', ['requestor', '--raw', '--quiet']),
    ]);
    expect(all.stdout).toMatch(REPORT_SHOWN);
    expect(all.stdout).not.toContain('[generator]');
    // The template sets LogFormat JSON: the platform writes JSON records, as Lambda does.
    expect(raw.stdout).toMatch(
      /^\[requestor\] \{"time":"[^"]+","type":"platform\.report","record":\{"requestId":"[0-9a-f-]{36}","metrics":\{"durationMs":[\d.]+,"billedDurationMs":\d+,"memorySizeMB":\d+,"maxMemoryUsedMB":\d+/m,
    );
    expect(raw.stdout).toContain('"type":"platform.start"');
    expect(raw.stdout).not.toMatch(/^\[requestor\] REPORT /m);
    expect(quiet.stdout).not.toContain('REPORT');
    expect(quiet.stdout).toContain('"level":"ERROR"');
  });
});

describe('the development commands answer --help and refuse bad options', () => {
  const commands = [
    ['invoke', INVOKE],
    ['event', EVENT],
    ['send', SEND],
    ['logs', LOGS],
  ] as const;

  it('prints usage with the arguments, and exits 0', async () => {
    // Spawned where no other test starts the script, to show it wired to its spec; invoke and
    // event run as scripts in the npm run test above, so their help is read in this process.
    const runs = await Promise.all(
      commands.map(([script]) =>
        script === 'invoke' || script === 'event'
          ? cli(script, ['--help'])
          : spawnCommand(script, ['--help']),
      ),
    );
    for (const [i, [script, spec]] of commands.entries()) {
      expect(runs[i]?.status, script).toBe(0);
      expect(runs[i]?.stdout.split('\n')[0], script).toBe(usageLine(spec));
      expect(runs[i]?.stdout, script).toContain('Arguments:');
      // Files the examples name are there to be used.
      for (const example of spec.examples) {
        for (const path of example.match(/\b[\w.-]+\/[\w./-]+\.(json|ts|mjs)\b/g) ?? []) {
          expect(existsSync(path), `${script}: ${example}`).toBe(true);
        }
      }
    }
  });

  it('names a bad option, a missing argument or an extra one in one line, exit 2', async () => {
    const [option, missing, extra] = await Promise.all([
      cli('logs', ['--folow']),
      cli('send', []),
      cli('event', ['sqs', 'more']),
    ]);
    for (const run of [option, missing, extra]) expect(run.status).toBe(2);
    expect(option.stderr).toBe(
      "Usage error: Unknown option '--folow'; did you mean --follow? (npm run logs -- --help for usage)\n",
    );
    expect(missing.stderr).toMatch(/^Usage error: Missing QUEUE/);
    expect(extra.stderr).toMatch(/^Usage error: Unexpected argument 'more'/);
  });
});
