import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSPECT, main as inspect } from '../../commands/inspect';
import { INVOKE, main as invoke } from '../../commands/invoke';
import { REDRIVE, main as redrive } from '../../commands/redrive';
import { Output } from '../../contract/contract';
import { deriveRequestId } from '../../functions/shared/ids';
import { findStranded } from '../../ops/stranded';
import { requireOutput, runningCloudTarget } from '../../ops/target';
import { patchedAssembly, shortTimeouts } from './assembly';
import { runCommandInProcess } from './command-runner';
import { type Harness, startHarness } from './harness';

let h: Harness;
let dir: string;
let stateFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stranded-'));
  stateFile = join(dir, 'state.json');
  // Visibility timeouts never fall below the consumer's timeout: with 4 s functions (room for a
  // cold start on a loaded machine) and time scaled, they are 4 s, and a request counts as
  // stranded after 12 s. The test ages its requests rather than waiting that long.
  const assemblyDir = patchedAssembly((template) => shortTimeouts(template, 4));
  h = await startHarness({ assemblyDir, timeScale: 600, stateFile });
});
afterAll(async () => {
  await h?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a request the requestor recorded but never sent', () => {
  it('is listed by inspect with its key and payload, and re-sent by redrive --stranded under its id, once', async () => {
    // Every SendMessageBatch fails: the requestor records its requests, then cannot send them.
    h.cloud.setFaults({
      seed: 1,
      rules: [{ service: 'sqs', action: 'SendMessageBatch', rate: 1, kind: 'server' }],
    });
    const failed = await runCommandInProcess(INVOKE, invoke, [
      'requestor',
      '--payload',
      '{"count":3}',
      '--no-logs',
      '--state',
      stateFile,
    ]);
    h.cloud.setFaults(undefined);
    expect(failed.status).toBe(1);
    const key = /^Idempotency key: (invoke-[0-9a-f-]{36})$/m.exec(failed.stderr)?.[1] ?? '';
    const payload = { count: 3, idempotencyKey: key };
    expect(failed.stderr).toContain(
      `To retry, re-sending the same requests: npm run invoke -- requestor --payload '${JSON.stringify(payload)}'`,
    );
    const ids = [0, 1, 2].map((index) => deriveRequestId(key, index));

    const target = runningCloudTarget(h.cloud);
    // Just recorded, they are not stranded yet; aged past the threshold, as if 13 s had gone by
    // (findStranded compares requestedAt with the clock), they are.
    expect((await findStranded(target)).total).toBe(0);
    const table = requireOutput(target, Output.RequestsTableName);
    const aged = new Date(Date.now() - 13_000).toISOString();
    for (const requestId of ids) {
      await h.dynamodb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { requestId: { S: requestId } },
          UpdateExpression: 'SET requestedAt = :aged',
          // The request the requestor recorded, not a new item under a wrong key.
          ConditionExpression: 'attribute_exists(requestId)',
          ExpressionAttributeValues: { ':aged': { S: aged } },
        }),
      );
    }
    expect((await findStranded(target)).total).toBe(3);
    const shown = await runCommandInProcess(INSPECT, inspect, ['--state', stateFile]);
    expect(shown.stdout).toContain(
      'Stranded requests (REQUESTED for more than 12 s): 3, from 1 invocation; `npm run redrive -- --stranded` re-sends them',
    );
    expect(shown.stdout).toMatch(new RegExp(`^  key ${key}: 3 of 3 requests since \\S+Z \\(`, 'm'));
    expect(shown.stdout).toContain(
      `    re-send: invoke the requestor with ${JSON.stringify(payload)}`,
    );

    const resent = await runCommandInProcess(REDRIVE, redrive, [
      '--stranded',
      '--state',
      stateFile,
    ]);
    expect(resent.status).toBe(0);
    expect(resent.stdout).toContain(
      `  key ${key}: re-sent 3 requests (the requestor, invoked with ${JSON.stringify(payload)}, answered with the same 3 request ids)`,
    );
    await h.cloud.waitForIdle();
    const r = await h.reconcile(ids);
    expect(r.complete).toBe(3);
    expect(r.requested).toBe(3);
    expect(r.unexpected).toEqual([]);
    expect((await findStranded(target)).total).toBe(0);
  });
});
