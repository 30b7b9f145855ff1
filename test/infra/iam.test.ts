import { describe, expect, it } from 'vitest';
import { iamTable, type Template } from '../../ops/iam-table';
import { synth } from './synth';

describe.each(['dev', 'prod'])('the %s stack grants each role exactly what it needs', (stage) => {
  const s = synth(stage === 'prod' ? { stage } : {});
  const template = s.template.toJSON() as Template;
  const env = { stackName: s.stack.stackName, region: 'eu-west-1', accountId: '123456789012' };
  const { rows, excess } = iamTable(template, new Map(), env);

  it('grants every permission the code, the pollers, logs, X-Ray and the destinations need', () => {
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => !r.granted)).toEqual([]);
  });

  it('grants nothing that nothing needs', () => {
    expect(excess).toEqual([]);
  });

  it('lets the schedule invoke the function ARN only, not its versions and aliases', () => {
    const invokes = rows.filter((r) => r.action === 'lambda:InvokeFunction');
    expect(invokes.map((r) => r.resource)).toEqual([
      expect.stringMatching(/^arn:aws:lambda:eu-west-1:123456789012:function:[^:]+$/),
    ]);
  });
});
