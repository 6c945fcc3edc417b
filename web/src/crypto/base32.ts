import type { Bytes } from './bytes';
import { CryptoFormatError } from './errors';

/** Crockford base32 (0-9 A-Z without I L O U), most significant bit first, no padding (src/MedLedger.Crypto/Base32.cs). */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function base32Encode(data: Bytes): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of data) {
    buffer = ((buffer << 8) | b) & 0xffff; // at most 12 live bits; masking keeps the int small
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD_ALPHABET[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += CROCKFORD_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Value of one symbol with Crockford's typing aliases (any case, O read as 0, I and L as 1); -1 if invalid. */
export function base32Value(c: string): number {
  let upper = c.toUpperCase();
  if (upper.length !== 1) return -1;
  if (upper === 'O') upper = '0';
  else if (upper === 'I' || upper === 'L') upper = '1';
  return CROCKFORD_ALPHABET.indexOf(upper);
}

/** Decodes exactly byteCount bytes from 5-bit values; trailing pad bits must be zero. */
export function base32FromValues(values: readonly number[], byteCount: number): Bytes {
  const out = new Uint8Array(byteCount);
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const v of values) {
    buffer = (buffer << 5) | v;
    bits += 5;
    if (bits >= 8) {
      if (index === byteCount) throw new CryptoFormatError('Too many base32 symbols.');
      out[index++] = (buffer >> (bits - 8)) & 0xff;
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  if (index !== byteCount || buffer !== 0) throw new CryptoFormatError('Base32 input has the wrong length.');
  return out;
}
