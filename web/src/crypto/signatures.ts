import { buf, type Bytes } from './bytes';
import { importEcdsaPrivate, importEcdsaPublic } from './p256';

/**
 * ECDSA P-256 over SHA-256 with IEEE P1363 signatures (r || s, 64 bytes), exactly what WebCrypto
 * produces and expects (docs/crypto-format.md section 5). ECDSA is randomized and malleable, so
 * signature bytes are never an identifier.
 */
export const SIGNATURE_LENGTH = 64;

export async function sign(privateKey: Bytes, data: Bytes): Promise<Bytes> {
  const key = await importEcdsaPrivate(privateKey);
  return new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, buf(data)));
}

/** True only for a valid signature; a wrong length, a malformed or off-curve key or a bad signature give false, never an exception. */
export async function verify(publicKey: Bytes, data: Bytes, signature: Bytes): Promise<boolean> {
  if (!(publicKey instanceof Uint8Array) || !(data instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
  if (signature.length !== SIGNATURE_LENGTH) return false;
  try {
    const key = await importEcdsaPublic(publicKey);
    return await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, buf(signature), buf(data));
  } catch {
    return false;
  }
}
