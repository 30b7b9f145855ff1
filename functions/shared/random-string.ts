import { getRandomValues } from 'node:crypto';

export const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const STRING_LENGTH = 64;
export const VALUE_PATTERN = /^[A-Za-z0-9]{64}$/;

/** Largest multiple of the alphabet size below 256: bytes at or above it would bias the draw. */
const LIMIT = 256 - (256 % ALPHABET.length);

/** Fills a buffer with cryptographically strong random bytes. */
export type RandomBytes = (buffer: Uint8Array) => Uint8Array;

/**
 * A string of `length` characters drawn uniformly from [A-Za-z0-9] with a cryptographic RNG.
 * Rejection sampling (drop bytes >= 248) keeps every character equally likely; `byte % 62`
 * alone would favour the first 8 characters.
 */
export function randomString(
  length = STRING_LENGTH,
  random: RandomBytes = (b) => getRandomValues(b),
): string {
  let out = '';
  const buffer = new Uint8Array(length + 16);
  while (out.length < length) {
    random(buffer);
    for (const byte of buffer) {
      if (byte >= LIMIT) continue;
      out += ALPHABET.charAt(byte % ALPHABET.length);
      if (out.length === length) break;
    }
  }
  return out;
}
