import { type Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Synthesized, synth } from './synth';

/*
 * cdk-nag 3 reports through CDK's policy-validation plugins, not through annotations, and honours
 * `Validations.of(construct).acknowledge(...)`. `validateScope` runs the same checks directly.
 */
const findings = (stack: Stack) =>
  new AwsSolutionsChecks().validateScope(stack).violations.map((violation) => ({
    rule: violation.ruleName,
    severity: violation.severity,
    resources: violation.violatingResources.map((resource) => resource.constructPath),
  }));

describe.each(['dev', 'prod'])('the AwsSolutions checks on the %s stack', (stage) => {
  let s: Synthesized;

  beforeAll(() => {
    s = synth({ stage });
  });

  it('report no unacknowledged error or warning', () => {
    expect(findings(s.stack)).toEqual([]);
  });

  it('would report a non-compliant resource (the check is live)', () => {
    const { stack } = buildApp({ stage });
    new sqs.Queue(stack, 'PlainQueue');
    expect(findings(stack).map((finding) => finding.rule)).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']),
    );
  });
});

describe('cdk synth -c nag=true', () => {
  it('runs the checks as a validation plugin and synthesizes cleanly', () => {
    const { app } = buildApp({ nag: 'true' });
    // Synthesis throws when a plugin reports a violation.
    const assembly = app.synth();
    expect(assembly.stacks.map((stack) => stack.stackName)).toEqual(['StringPipeline']);
  });

  it('fails synthesis on an unacknowledged finding', () => {
    const { app, stack } = buildApp({ nag: 'true' });
    new sqs.Queue(stack, 'PlainQueue');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  it('acknowledges findings on the narrowest construct, each with a reason', () => {
    const { stack } = synth();
    const acknowledged = stack.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
            path: construct.node.path,
            id: id.replace(/^annotation::/i, ''),
            reason,
          })),
        ),
    );
    expect(acknowledged.map(({ path, id }) => `${path} ${id}`).sort()).toEqual(
      [
        'StringPipeline/Generator/Role AwsSolutions-IAM5[Resource::*]',
        'StringPipeline/Requestor/Role AwsSolutions-IAM5[Resource::*]',
        'StringPipeline/Schedule/Dlq AwsSolutions-SQS3',
        'StringPipeline/RequestorFailureDlq AwsSolutions-SQS3',
      ].sort(),
    );
    for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(40);
  });
});
