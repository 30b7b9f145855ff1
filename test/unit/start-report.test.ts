import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointsText } from '../../commands/start-report';
import { Output } from '../../contract/contract';

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
