import { buf, type Bytes } from './bytes';
import { CryptoFormatError, CryptoIntegrityError } from './errors';

export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;

async function aesKey(key: Bytes, usage: KeyUsage): Promise<CryptoKey> {
  if (key.length !== 16 && key.length !== 32) throw new CryptoFormatError('AES keys are 16 or 32 bytes.');
  return crypto.subtle.importKey('raw', buf(key), 'AES-GCM', false, [usage]);
}

function checkNonce(nonce: Bytes): void {
  if (nonce.length !== NONCE_LENGTH) throw new CryptoFormatError('AES-GCM nonces are 12 bytes.');
}

/** AES-GCM with the 16-byte tag appended (WebCrypto's native layout, which the C# Aead class reproduces). */
export async function aesGcmSeal(key: Bytes, nonce: Bytes, aad: Bytes, plaintext: Bytes): Promise<Bytes> {
  checkNonce(nonce);
  const k = await aesKey(key, 'encrypt');
  return new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(nonce), additionalData: buf(aad), tagLength: 128 }, k, buf(plaintext)),
  );
}

/** Returns the plaintext or throws CryptoIntegrityError; never returns unauthenticated bytes. */
export async function aesGcmOpen(key: Bytes, nonce: Bytes, aad: Bytes, ciphertext: Bytes): Promise<Bytes> {
  checkNonce(nonce);
  if (ciphertext.length < TAG_LENGTH) throw new CryptoFormatError('AES-GCM ciphertext is shorter than its tag.');
  const k = await aesKey(key, 'decrypt');
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(nonce), additionalData: buf(aad), tagLength: 128 }, k, buf(ciphertext)),
    );
  } catch {
    throw new CryptoIntegrityError('AES-GCM authentication failed.');
  }
}
