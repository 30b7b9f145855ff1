import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { cdklocalEnv, servicesNotReady } from '../../ops/localstack';

// cdklocal's own environment filter, which it applies before deploying (aws-cdk-local/src).
const { configureEnvironment } = createRequire(import.meta.url)('aws-cdk-local/src/index.js') as {
  configureEnvironment(env: Record<string, string | undefined>, allowList: string): void;
};

/** The environment cdklocal deploys with, given the one it was started with. */
function asCdklocalSeesIt(env: Record<string, string | undefined>) {
  const copy: Record<string, string | undefined> = { ...env, AWS_ENDPOINT_URL_S3: 'http://x' };
  configureEnvironment(copy, copy.AWS_ENVAR_ALLOWLIST ?? '');
  return copy;
}

describe('deploying to LocalStack with cdklocal', () => {
  it('would deploy to us-east-1 whatever AWS_REGION says, left to itself', () => {
    expect(asCdklocalSeesIt({ AWS_REGION: 'eu-west-1' }).AWS_REGION).toBe('us-east-1');
  });

  it('deploys to the region the ops tools look in, keeping the allow-list it was given', () => {
    const env = cdklocalEnv('eu-west-1', { AWS_ENVAR_ALLOWLIST: 'AWS_PROFILE', AWS_PROFILE: 'p' });
    const seen = asCdklocalSeesIt(env);
    expect(seen).toMatchObject({
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_PROFILE: 'p',
    });
  });

  it('waits for every service the stack and the suite use', () => {
    const up = Object.fromEntries(
      ['cloudformation', 'iam', 'lambda', 'logs', 's3', 'sqs', 'dynamodb', 'sts'].map((s) => [
        s,
        'available',
      ]),
    );
    expect(servicesNotReady(up)).toEqual([]);
    expect(servicesNotReady({ ...up, lambda: 'initializing', sqs: 'running' })).toEqual(['lambda']);
  });
});
