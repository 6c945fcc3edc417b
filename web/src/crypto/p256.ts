import { buf, concatBytes, type Bytes } from './bytes';
import { CryptoFormatError } from './errors';

/**
 * P-256 keys as raw bytes, the representation shared with the C# SDK (docs/crypto-format.md section 1.1):
 * private key = 32-byte big-endian scalar d in [1, n-1] (the JWK "d"), public key = 65-byte uncompressed
 * SEC1 point 0x04 || X || Y (WebCrypto "raw").
 */
export interface KeyPair {
  privateKey: Bytes;
  publicKey: Bytes;
}

export const PRIVATE_KEY_LENGTH = 32;
export const PUBLIC_KEY_LENGTH = 65;

// Curve constants (SEC 2 section 2.4.2). Only public data goes through BigInt arithmetic.
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
export const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function toBigInt(b: Bytes): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** True when the 32 bytes are a usable private key: 0 < d < n. */
export function isValidScalar(scalar: Bytes): boolean {
  if (scalar.length !== PRIVATE_KEY_LENGTH) return false;
  const d = toBigInt(scalar);
  return d > 0n && d < ORDER;
}

export function checkPrivateKey(privateKey: Bytes): void {
  if (!isValidScalar(privateKey)) throw new CryptoFormatError('A P-256 private key is a 32-byte big-endian scalar in [1, n-1].');
}

/**
 * Refuses anything but an uncompressed point on P-256. We check y^2 = x^3 - 3x + b ourselves rather than
 * relying only on the browser's import (which also refuses off-curve points in Chromium), so the rule holds
 * on every engine.
 */
export function checkPublicKey(publicKey: Bytes): void {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_LENGTH || publicKey[0] !== 0x04) {
    throw new CryptoFormatError('A P-256 public key is a 65-byte uncompressed SEC1 point (0x04 || X || Y).');
  }
  const x = toBigInt(publicKey.subarray(1, 33));
  const y = toBigInt(publicKey.subarray(33, 65));
  const onCurve = x < P && y < P && (y * y - (x * x * x - 3n * x + B)) % P === 0n;
  if (!onCurve) throw new CryptoFormatError('Public key is not a point on P-256.');
}

export function isValidPublicKey(publicKey: Bytes): boolean {
  try {
    checkPublicKey(publicKey);
    return true;
  } catch {
    return false;
  }
}

// PKCS#8 PrivateKeyInfo for an EC P-256 key holding only the scalar (RFC 5915 ECPrivateKey without the
// optional public key): the browser computes the public point itself, so we never do secret-dependent
// scalar multiplication in JavaScript.
const PKCS8_PREFIX = Uint8Array.of(
  0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
  0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20,
);

function pkcs8(privateKey: Bytes): Uint8Array<ArrayBuffer> {
  checkPrivateKey(privateKey);
  return buf(concatBytes(PKCS8_PREFIX, privateKey));
}

function fromBase64Url(s: string): Bytes {
  const std = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(std + '='.repeat((4 - (std.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function leftPad(b: Bytes, length: number): Bytes {
  if (b.length > length) throw new CryptoFormatError('Coordinate longer than the field size.');
  return b.length === length ? b : concatBytes(new Uint8Array(length - b.length), b);
}

export async function importEcdhPrivate(privateKey: Bytes, extractable = false): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey('pkcs8', pkcs8(privateKey), { name: 'ECDH', namedCurve: 'P-256' }, extractable, ['deriveBits']);
  } catch (e) {
    if (e instanceof CryptoFormatError) throw e;
    throw new CryptoFormatError('Invalid P-256 private key.');
  }
}

export async function importEcdsaPrivate(privateKey: Bytes): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey('pkcs8', pkcs8(privateKey), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  } catch (e) {
    if (e instanceof CryptoFormatError) throw e;
    throw new CryptoFormatError('Invalid P-256 private key.');
  }
}

export async function importEcdhPublic(publicKey: Bytes): Promise<CryptoKey> {
  checkPublicKey(publicKey);
  try {
    return await crypto.subtle.importKey('raw', buf(publicKey), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  } catch {
    throw new CryptoFormatError('Public key is not a point on P-256.');
  }
}

export async function importEcdsaPublic(publicKey: Bytes): Promise<CryptoKey> {
  checkPublicKey(publicKey);
  try {
    return await crypto.subtle.importKey('raw', buf(publicKey), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  } catch {
    throw new CryptoFormatError('Public key is not a point on P-256.');
  }
}

/** pk(sk): the 65-byte uncompressed public key of a 32-byte scalar, computed by the browser. */
export async function publicKeyFromPrivate(privateKey: Bytes): Promise<Bytes> {
  const key = await importEcdhPrivate(privateKey, true);
  const jwk = await crypto.subtle.exportKey('jwk', key);
  if (!jwk.x || !jwk.y) throw new CryptoFormatError('The browser did not compute the public key.');
  return concatBytes(Uint8Array.of(0x04), leftPad(fromBase64Url(jwk.x), 32), leftPad(fromBase64Url(jwk.y), 32));
}

/** A fresh key pair from the browser's generator; the scalar is the JWK "d". */
export async function generateKeyPair(): Promise<KeyPair> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  if (!jwk.d) throw new CryptoFormatError('The browser did not export the private key.');
  const privateKey = leftPad(fromBase64Url(jwk.d), 32);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey, publicKey };
}

/** X coordinate of sk·pk (32 bytes): what HPKE's DHKEM calls DH(). */
export async function ecdhX(privateKey: CryptoKey, publicKey: CryptoKey): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: publicKey }, privateKey, 256));
}
