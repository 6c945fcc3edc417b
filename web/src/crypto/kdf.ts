import { buf, concatBytes, type Bytes } from './bytes';

/** HMAC-SHA256(key, message) via WebCrypto. */
export async function hmacSha256(key: Bytes, message: Bytes): Promise<Bytes> {
  // WebCrypto refuses zero-length HMAC keys; RFC 2104 pads any key to the block size, so an empty
  // key is the same as one zero byte.
  const keyBytes = key.length === 0 ? new Uint8Array(1) : buf(key);
  const k = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, buf(message)));
}

/** RFC 5869 HKDF-Extract; an empty salt means 32 zero bytes. */
export function hkdfExtract(salt: Bytes, ikm: Bytes): Promise<Bytes> {
  return hmacSha256(salt.length === 0 ? new Uint8Array(32) : salt, ikm);
}

/** RFC 5869 HKDF-Expand with HMAC-SHA256 (written out: HPKE needs it with an arbitrary PRK and info). */
export async function hkdfExpand(prk: Bytes, info: Bytes, length: number): Promise<Bytes> {
  if (length < 0 || length > 255 * 32) throw new RangeError('HKDF-Expand length out of range.');
  const out = new Uint8Array(length);
  let previous: Bytes = new Uint8Array(0);
  for (let i = 1, offset = 0; offset < length; i++) {
    previous = await hmacSha256(prk, concatBytes(previous, info, Uint8Array.of(i)));
    out.set(previous.subarray(0, Math.min(32, length - offset)), offset);
    offset += 32;
  }
  return out;
}

export async function hkdf(ikm: Bytes, salt: Bytes, info: Bytes, length: number): Promise<Bytes> {
  return hkdfExpand(await hkdfExtract(salt, ikm), info, length);
}
