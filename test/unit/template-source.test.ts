/**
 * Reading a template's text as the local CloudFormation does: JSON by the JSON parser, YAML (the
 * bootstrap template, flow mappings) by the YAML parser, and a malformed one refused by name.
 */
import { describe, expect, it } from 'vitest';
import { CloudFormationError } from '../../local/cloudformation/registry';
import { readTemplate } from '../../local/cloudformation/template-source';
import type { FauxqsBuckets } from '../../local/sqs/fauxqs';

const NO_BUCKETS = { read: () => undefined } as unknown as FauxqsBuckets;
const read = (body: string) => readTemplate({ body }, NO_BUCKETS).template;

describe('readTemplate', () => {
  it('reads JSON, YAML and a YAML flow mapping to the same template', () => {
    const expected = { Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { N: 1 } } } };
    expect(read(JSON.stringify(expected))).toEqual(expected);
    expect(
      read('Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      N: 1\n'),
    ).toEqual(expected);
    expect(read('{Resources: {Queue: {Type: AWS::SQS::Queue, Properties: {N: 1}}}}')).toEqual(
      expected,
    );
  });

  it('hands out a copy of a YAML template read before, never the one it keeps', () => {
    const body = 'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n';
    const first = read(body);
    (first.Resources as Record<string, unknown>).Extra = { Type: 'AWS::SQS::Queue' };
    expect(Object.keys(read(body).Resources ?? {})).toEqual(['Topic']);
  });

  it('refuses malformed text and a template without Resources as ValidationError', () => {
    const refusal = (body: string) => {
      try {
        read(body);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const malformed = refusal('{"Resources": {');
    expect(malformed).toBeInstanceOf(CloudFormationError);
    expect(malformed).toMatchObject({
      code: 'ValidationError',
      message: expect.stringMatching(/^Template format error: /),
    });
    expect(refusal('{"Outputs": {}}')).toMatchObject({
      message: 'Template format error: At least one Resources member must be defined.',
    });
  });
});
