/**
 * What SQS accepts as text. Bodies and string attribute values may hold only #x9, #xA, #xD,
 * #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF (so no lone UTF-16 surrogate, no other control
 * character), and a message with its attributes is at most 1 MiB. A send that breaks either rule
 * is refused, and for a dead-letter send that means the message waits out its retries instead.
 */

/** Largest message SQS takes: body plus every attribute's name, type and value, in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Largest SendMessageBatch request: the sum of its messages, counted as for one message. */
export const MAX_BATCH_BYTES = MAX_MESSAGE_BYTES;

// With the `u` flag a lone surrogate is one code point, outside every allowed range.
const NOT_SQS_TEXT = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** `text` with every character SQS refuses replaced by U+FFFD, the replacement character. */
export function toSqsText(text: string): string {
  return text.replace(NOT_SQS_TEXT, '\uFFFD');
}

/** UTF-8 bytes of `text`. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * `text` made valid for SQS ({@link toSqsText}) and cut, on a code point boundary, to at most
 * `maxChars` code points and `maxBytes` UTF-8 bytes; a cut ends in `…`, counted in both limits.
 */
export function sqsTextWithin(
  text: string,
  limits: { readonly maxChars?: number; readonly maxBytes?: number },
): string {
  const clean = toSqsText(text);
  const maxChars = limits.maxChars ?? Number.POSITIVE_INFINITY;
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  const bytes = utf8Bytes(clean);
  // A string's length counts UTF-16 units, at least its code points: a cheap first check.
  if (bytes <= maxBytes && (clean.length <= maxChars || [...clean].length <= maxChars)) {
    return clean;
  }
  const ellipsis = '…';
  const charBudget = maxChars - 1;
  const byteBudget = maxBytes - utf8Bytes(ellipsis);
  if (charBudget < 0 || byteBudget < 0) return '';
  let out = '';
  let chars = 0;
  let outBytes = 0;
  // Iterating a string yields code points, so a surrogate pair is never split.
  for (const char of clean) {
    const size = utf8Bytes(char);
    if (chars + 1 > charBudget || outBytes + size > byteBudget) break;
    out += char;
    chars += 1;
    outBytes += size;
  }
  return `${out}${ellipsis}`;
}

/** Bytes SQS counts for string attributes: name, data type (`String`) and value of each. */
export function attributeBytes(attributes: Readonly<Record<string, string>> = {}): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(attributes)) {
    bytes += utf8Bytes(name) + utf8Bytes('String') + utf8Bytes(value);
  }
  return bytes;
}
