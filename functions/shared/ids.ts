import { createHash, getRandomValues } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID: 48 bits of millisecond time then 80 random bits, in Crockford base32. Ids sort by
 * creation time, so a table scan or a log search reads in request order.
 */
export function newRequestId(
  now: number = Date.now(),
  random: (bytes: Uint8Array) => Uint8Array = (bytes) => getRandomValues(bytes),
): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD.charAt(t % 32) + time;
    t = Math.floor(t / 32);
  }
  const bytes = random(new Uint8Array(16));
  let rand = '';
  // 16 bytes, 5 bits of each: 80 random bits.
  for (const byte of bytes) rand += CROCKFORD.charAt(byte & 31);
  return time + rand;
}

/** The ULID pattern, for message schemas. */
export const REQUEST_ID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** What a caller may pass as an idempotency key: an ISO time, a UUID, a short token. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9:._+-]{1,128}$/;

/**
 * The request id for the `index`-th request of the invocation identified by `key`: the same
 * (key, index) always gives the same id, so a retried invocation re-records and re-sends the
 * ids of its first attempt instead of minting new ones.
 *
 * The time part is the key's own time when the key is an ISO-8601 timestamp (a scheduled tick
 * passes its scheduled time), so those ids still sort by tick; any other key (a Lambda request
 * id) carries no time a retry could reproduce, so its time part comes from the hash too. The
 * random part is 80 bits of SHA-256(key, index).
 */
export function deriveRequestId(key: string, index: number): string {
  const digest = createHash('sha256').update(`${key}\n${index}`).digest();
  const keyTime = /^\d{4}-\d\d-\d\dT/.test(key) ? Date.parse(key) : Number.NaN;
  // Otherwise 48 bits of the key's hash: a stable time part that is still a valid ULID time.
  const time =
    keyTime >= 0 && keyTime < 2 ** 48
      ? keyTime
      : createHash('sha256').update(key).digest().readUIntBE(0, 6);
  return newRequestId(time, (bytes) => {
    bytes.set(digest.subarray(0, bytes.length));
    return bytes;
  });
}
