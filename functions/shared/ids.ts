import { getRandomValues } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID: 48 bits of millisecond time then 80 random bits, in Crockford base32. Ids sort by
 * creation time, so a table scan or a log search reads in request order.
 */
export function newRequestId(now: number = Date.now(), random = getRandomValues): string {
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
