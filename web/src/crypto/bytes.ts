import { CryptoFormatError } from './errors';

export type Bytes = Uint8Array;

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(s: string): Bytes {
  return encoder.encode(s);
}

/** Strict UTF-8 decoding: invalid input is a CryptoFormatError rather than silently replaced characters. */
export function fromUtf8(b: Bytes): string {
  try {
    return strictDecoder.decode(b);
  } catch {
    throw new CryptoFormatError('Input is not valid UTF-8.');
  }
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUES: Int16Array = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < BASE64_ALPHABET.length; i++) table[BASE64_ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** RFC 4648 section 4 base64 (standard alphabet, '=' padding), as System.Convert writes it. */
export function toBase64(b: Bytes): string {
  let out = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    out += BASE64_ALPHABET[n >> 18]! + BASE64_ALPHABET[(n >> 12) & 63]! + BASE64_ALPHABET[(n >> 6) & 63]! + BASE64_ALPHABET[n & 63]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]! << 16;
    out += BASE64_ALPHABET[n >> 18]! + BASE64_ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    out += BASE64_ALPHABET[n >> 18]! + BASE64_ALPHABET[(n >> 12) & 63]! + BASE64_ALPHABET[(n >> 6) & 63]! + '=';
  }
  return out;
}

/**
 * Strict canonical base64 (docs/crypto-format.md section 6.4): standard alphabet, padded to a multiple of 4,
 * no whitespace, and non-zero pad bits are refused, so exactly one text decodes to given bytes and
 * no changed character is silently normalised away.
 */
export function fromBase64(s: string): Bytes {
  if (typeof s !== 'string' || s.length % 4 !== 0) throw new CryptoFormatError('Not canonical base64 (length).');
  const padding = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const last = i + 4 === s.length;
    const v = [0, 0, 0, 0];
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      if (last && c === 61 /* '=' */ && j >= 4 - padding) continue;
      const value = c < 128 ? BASE64_VALUES[c]! : -1;
      if (value < 0) throw new CryptoFormatError('Not canonical base64 (character).');
      v[j] = value;
    }
    const n = (v[0]! << 18) | (v[1]! << 12) | (v[2]! << 6) | v[3]!;
    if (last && padding === 2) {
      if ((n & 0xffff) !== 0) throw new CryptoFormatError('Not canonical base64 (pad bits).');
      out[o++] = n >> 16;
    } else if (last && padding === 1) {
      if ((n & 0xff) !== 0) throw new CryptoFormatError('Not canonical base64 (pad bits).');
      out[o++] = n >> 16;
      out[o++] = (n >> 8) & 0xff;
    } else {
      out[o++] = n >> 16;
      out[o++] = (n >> 8) & 0xff;
      out[o++] = n & 0xff;
    }
  }
  return out;
}

export function toHex(b: Bytes): string {
  let out = '';
  for (const x of b) out += x.toString(16).padStart(2, '0');
  return out;
}

/** Accepts upper or lower case; odd length or a non-hex character is a CryptoFormatError. */
export function fromHex(s: string): Bytes {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new CryptoFormatError('Not hex.');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

export function isLowerHex(s: string, byteLength: number): boolean {
  return s.length === byteLength * 2 && /^[0-9a-f]*$/.test(s);
}

export function concatBytes(...parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Constant time for equal lengths (like CryptographicOperations.FixedTimeEquals); lengths are not secret. */
export function constantTimeEqual(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Equality for public data (hashes, keys, ids); same constant-time loop, kept as a separate name for intent. */
export function bytesEqual(a: Bytes, b: Bytes): boolean {
  return constantTimeEqual(a, b);
}

export function randomBytes(n: number): Bytes {
  const out = new Uint8Array(n);
  // getRandomValues fills at most 65536 bytes per call.
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/** WebCrypto wants an ArrayBuffer-backed view; a copy also detaches us from callers mutating their input mid-call. */
export function buf(b: Bytes): Uint8Array<ArrayBuffer> {
  return new Uint8Array(b);
}

export async function sha256(data: Bytes): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf(data)));
}

/** Overwrites secret material we own once it is no longer needed (best effort: JS may hold copies). */
export function wipe(...buffers: Bytes[]): void {
  for (const b of buffers) b.fill(0);
}
