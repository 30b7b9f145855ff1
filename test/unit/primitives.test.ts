import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { newRequestId, REQUEST_ID_PATTERN } from '../../functions/shared/ids';
import { AckMessage, parseBody } from '../../functions/shared/messages';
import { ALPHABET, randomString, VALUE_PATTERN } from '../../functions/shared/random-string';
import { sendAll } from '../../functions/shared/sqs';
import { newSqsClient, noDelay } from './fakes';

describe('random strings', () => {
  it('are 64 characters of [A-Za-z0-9]', () => {
    for (let i = 0; i < 200; i++) expect(randomString()).toMatch(VALUE_PATTERN);
  });

  it('use every character of the alphabet with no measurable bias', () => {
    const counts = new Map<string, number>();
    const draws = 2000;
    for (let i = 0; i < draws; i++) {
      for (const c of randomString()) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    // Chi-square over 62 cells (61 degrees of freedom): 130 is beyond p = 1e-6; the bias of
    // `byte % 62` alone scores about 700 at this sample size.
    const expected = (draws * 64) / 62;
    const chi2 = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(130);
  });

  it('reject the bytes that would bias the draw (>= 248)', () => {
    // A source that yields 248..255 first, then byte 0 then 61: only the last two count.
    let call = 0;
    const source = (buffer: Uint8Array) => {
      buffer.fill(0);
      if (call++ === 0) {
        buffer.set([248, 249, 250, 251, 252, 253, 254, 255, 0, 61]);
      }
      return buffer;
    };
    const value = randomString(2, source);
    expect(value).toBe(`${ALPHABET[0]}${ALPHABET[61]}`);
  });

  it('come from the cryptographic RNG by default (no two alike)', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => randomString()));
    expect(seen.size).toBe(1000);
  });
});

describe('request ids', () => {
  it('are ULIDs that sort by creation time', () => {
    const early = newRequestId(Date.UTC(2026, 0, 1));
    const late = newRequestId(Date.UTC(2026, 0, 2));
    expect(early).toMatch(REQUEST_ID_PATTERN);
    expect(late).toMatch(REQUEST_ID_PATTERN);
    expect(early < late).toBe(true);
    expect(newRequestId(0).slice(0, 10)).toBe('0000000000');
  });
});

describe('message parsing', () => {
  it('names every invalid field in one error', () => {
    expect(() => parseBody(AckMessage, '{"v":2,"type":"ack","requestId":"x"}', 'ack')).toThrow(
      /invalid ack: requestId: must be a ULID; value: is required; storedAt: is required/,
    );
  });
});

describe('sendAll', () => {
  it('does not retry entries SQS rejects as the sender’s fault', async () => {
    const sqs = newSqsClient();
    mockClient(sqs)
      .on(SendMessageBatchCommand)
      .resolves({
        Successful: [],
        Failed: [{ Id: 'a', Code: 'InvalidParameterValue', Message: 'bad', SenderFault: true }],
      });

    const failures = await sendAll(sqs, 'https://q', [{ id: 'a', body: '{}' }], noDelay);

    expect(failures).toEqual([{ id: 'a', reason: 'InvalidParameterValue: bad' }]);
  });

  it('passes message attributes as String attributes', async () => {
    const sqs = newSqsClient();
    const mock = mockClient(sqs);
    mock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    await sendAll(
      sqs,
      'https://q',
      [{ id: 'a', body: '{}', attributes: { Reason: 'x' } }],
      noDelay,
    );

    const entry = mock.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry?.MessageAttributes).toEqual({ Reason: { DataType: 'String', StringValue: 'x' } });
  });
});
