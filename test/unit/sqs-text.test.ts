import { describe, expect, it } from 'vitest';
import { FailureAttribute, FailureCode } from '../../contract/contract';
import { deadLetterMessage } from '../../functions/shared/batch';
import { InvalidMessageError } from '../../functions/shared/errors';
import { batchesOf } from '../../functions/shared/sqs';
import {
  attributeBytes,
  MAX_MESSAGE_BYTES,
  sqsTextWithin,
  toSqsText,
  utf8Bytes,
} from '../../functions/shared/sqs-text';
import { REQUEST_QUEUE_ARN, sqsRecord } from './fakes';

/** Any character outside what SQS accepts in text; with `u`, a lone surrogate is one. */
const NOT_SQS_TEXT = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

describe('text for SQS', () => {
  it('replaces lone surrogates and control characters, keeping whole emoji and tabs', () => {
    const text = `a\uD83D b\uDE00 c\u0000d\u001Fe\uFFFE\t\n\r😀`;
    expect(toSqsText(text)).toBe('a\uFFFD b\uFFFD c\uFFFDd\uFFFDe\uFFFD\t\n\r😀');
    expect(toSqsText(text)).not.toMatch(NOT_SQS_TEXT);
  });

  it('cuts on a code point, never between the halves of an emoji', () => {
    // Cutting at 1,024 code units would end in the middle of the 512th emoji's pair.
    const text = `x${'😀'.repeat(1100)}`;
    const cut = sqsTextWithin(text, { maxChars: 1024 });
    expect(cut).not.toMatch(NOT_SQS_TEXT);
    expect([...cut]).toHaveLength(1024);
    expect(cut.endsWith('😀…')).toBe(true);
    const short = `x${'😀'.repeat(600)}`;
    expect(sqsTextWithin(short, { maxChars: 1024 })).toBe(short);
  });

  it('keeps within a byte budget, counting UTF-8 bytes', () => {
    const cut = sqsTextWithin('é'.repeat(100), { maxBytes: 21 });
    expect(utf8Bytes(cut)).toBeLessThanOrEqual(21);
    expect(cut).toBe(`${'é'.repeat(9)}…`);
    expect(sqsTextWithin('short', { maxChars: 1024, maxBytes: 100 })).toBe('short');
    expect(sqsTextWithin('anything', { maxBytes: 2 })).toBe('');
  });
});

describe('dead-letter copies', () => {
  const poison = (body: string, message: string) =>
    deadLetterMessage(sqsRecord(body, REQUEST_QUEUE_ARN), new InvalidMessageError(message));

  it('carry a reason SQS accepts, at most 1,024 code points', () => {
    const message = poison(
      'x',
      `body is not JSON: Unexpected token '\uD83D', "${'😀'.repeat(900)}"`,
    );
    const reason = message.attributes?.[FailureAttribute.Reason] ?? '';
    expect(reason).not.toMatch(NOT_SQS_TEXT);
    expect([...reason].length).toBeLessThanOrEqual(1024);
    expect(message.attributes?.[FailureAttribute.Code]).toBe(FailureCode.InvalidMessage);
  });

  it('fit in one SQS message with their attributes, even for a body near 1 MiB', () => {
    const body = 'y'.repeat(MAX_MESSAGE_BYTES - 300);
    const message = poison(body, `too big: ${'z'.repeat(2000)}`);
    expect(message.body).toBe(body);
    expect(utf8Bytes(message.body) + attributeBytes(message.attributes)).toBeLessThanOrEqual(
      MAX_MESSAGE_BYTES,
    );
    expect(message.attributes?.[FailureAttribute.Reason]).toMatch(/^too big: z+…$/);
  });

  it('never carry an empty reason, which SQS refuses', () => {
    const message = poison('x', '');
    expect(message.attributes?.[FailureAttribute.Reason]).not.toBe('');
  });
});

describe('batches of sends', () => {
  const message = (id: number, bytes: number) => ({ id: String(id), body: 'b'.repeat(bytes) });

  it('hold at most ten messages', () => {
    const sizes = batchesOf(Array.from({ length: 25 }, (_, i) => message(i, 10))).map(
      (b) => b.length,
    );
    expect(sizes).toEqual([10, 10, 5]);
  });

  it('hold at most 1 MiB together, so ten large dead-letter copies are not refused as one', () => {
    const batches = batchesOf(Array.from({ length: 10 }, (_, i) => message(i, 300 * 1024)));
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    for (const batch of batches) {
      const bytes = batch.reduce((n, m) => n + utf8Bytes(m.body), 0);
      expect(bytes).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    }
  });
});
