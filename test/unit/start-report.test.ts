import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { endpointsText, printSummary } from '../../commands/start-report';
import { Output } from '../../contract/contract';
import type { Reconciliation } from '../../ops/reconcile';

const cloud = {
  endpoint: 'http://127.0.0.1:4566',
  region: 'us-east-1',
  stackName: 'StringPipeline',
  outputs: {
    [Output.RequestQueueUrl]: 'http://127.0.0.1:4566/000000000000/StringPipeline-request',
    [Output.RequestsTableName]: 'StringPipeline-RequestsTable1234',
    [Output.RequestorFunctionName]: 'StringPipeline-requestor',
    [Output.GeneratorFunctionName]: 'StringPipeline-generator',
  },
};

describe('what npm start -- --keep prints to reach the cloud', () => {
  const text = endpointsText(cloud, resolve('.local-cloud/state.json'));
  const awsLines = text.split('\n').filter((line) => line.trimStart().startsWith('aws '));

  it('sets the region for AWS CLI v1 (AWS_DEFAULT_REGION) as well as v2 and the SDKs', () => {
    expect(text).toMatch(
      /export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:4566 AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 /,
    );
  });

  it('gives commands both CLI versions run, and marks the one only v2 has', () => {
    expect(awsLines.length).toBeGreaterThanOrEqual(5);
    const v2Only = awsLines.filter((line) => line.includes('# AWS CLI v2 only'));
    expect(v2Only.map((line) => line.trim().split(' ').slice(0, 3).join(' '))).toEqual([
      'aws logs tail',
    ]);
    for (const line of awsLines.filter((l) => !v2Only.includes(l))) {
      // v1 ignores AWS_ENDPOINT_URL for SQS and knows no --cli-binary-format.
      expect(line).toMatch(/^ {2}aws --endpoint-url http:\/\/127\.0\.0\.1:4566 /);
      expect(line).not.toContain('--cli-binary-format');
    }
    expect(text).toContain('--payload fileb://payload.json');
    expect(text).toContain('--table-name StringPipeline-RequestsTable1234');
  });

  it('points inspect and redrive at a state file other than the default', () => {
    expect(endpointsText(cloud, resolve('other/state.json'))).toContain(
      'npm run redrive -- --all --state other/state.json',
    );
    expect(text).toMatch(/npm run redrive -- --all$/);
  });
});

describe("npm start's reconciliation summary", () => {
  const depth = { visible: 0, inFlight: 0, delayed: 0 };
  const summary: Reconciliation = {
    requested: 20,
    stored: 20,
    generated: 20,
    acknowledged: 20,
    complete: 10,
    mismatched: [],
    incomplete: [],
    unexpected: Array.from({ length: 10 }, (_, i) => `01EARLIER${i}`),
    queues: { Request: depth, Response: depth, Ack: depth },
    deadLetters: { Request: 0, Response: 0, Ack: 0 },
    failedInvocations: {},
    failedInvocationReasons: {},
  };
  const printed = (print: () => void) => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => {
      lines.push(line);
    });
    try {
      print();
    } finally {
      spy.mockRestore();
    }
    return lines.join('\n');
  };
  const counts = {
    Requested: 10,
    Generated: 10,
    Stored: 10,
    Acknowledged: 10,
    Duplicate: 0,
    Rejected: 0,
  };

  it('counts the records of earlier runs kept with --data, instead of calling them unexpected', () => {
    const kept = printed(() => printSummary(summary, 10, counts, { keptData: true }));
    expect(kept).toContain('records of earlier runs (kept with --data): 10');
    expect(kept).not.toContain('unexpected');
    const fresh = printed(() => printSummary(summary, 10, counts));
    expect(fresh).toContain('unexpected records: 01EARLIER0, 01EARLIER1');
  });

  it('says which faults were injected, by service and kind', () => {
    const text = printed(() =>
      printSummary(summary, 10, counts, { faults: { 'sqs.ReceiveMessage.throttle': 4 } }),
    );
    expect(text).toMatch(/faults injected +sqs throttle 4/);
  });
});
