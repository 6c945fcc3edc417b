import { buf, randomBytes, utf8, wipe, type Bytes } from './bytes';
import { CryptoFormatError } from './errors';
import { hkdfExpand } from './kdf';

/** Password KDF parameters, stored in clear with the key bundle (docs/crypto-format.md section 8). */
export interface PasswordParameters {
  algorithm: 'PBKDF2-HMAC-SHA256';
  iterations: number;
  salt: Bytes;
}

export const PBKDF2_SHA256 = 'PBKDF2-HMAC-SHA256';
export const MINIMUM_ITERATIONS = 600_000;
const AUTH_KEY_INFO = utf8('medledger/v1/auth-key');
const KEK_INFO = utf8('medledger/v1/key-encryption-key');

export function newPasswordParameters(iterations: number = MINIMUM_ITERATIONS): PasswordParameters {
  return { algorithm: PBKDF2_SHA256, iterations, salt: randomBytes(16) };
}

export function checkPasswordParameters(p: PasswordParameters): void {
  if (p.algorithm !== PBKDF2_SHA256) throw new CryptoFormatError(`Unsupported password KDF '${String(p.algorithm)}'.`);
  if (!Number.isSafeInteger(p.iterations) || p.iterations < MINIMUM_ITERATIONS || p.iterations > 0x7fffffff) {
    throw new CryptoFormatError(`PBKDF2 iterations must be at least ${MINIMUM_ITERATIONS}.`);
  }
  if (!(p.salt instanceof Uint8Array) || p.salt.length < 16) throw new CryptoFormatError('Password salt must be at least 16 bytes.');
}

/** UTF-8 of the NFC form: the same password typed on any device (composed or decomposed accents) gives the same keys. */
export function passwordBytes(password: string): Bytes {
  return utf8(password.normalize('NFC'));
}

/**
 * master = PBKDF2-HMAC-SHA256(NFC(password), salt, iterations, 32); authKey (sent to the server) and
 * kek (never leaves the client) are independent HKDF-Expand outputs of it.
 */
export async function derivePasswordKeys(password: string, params: PasswordParameters): Promise<{ authKey: Bytes; kek: Bytes }> {
  checkPasswordParameters(params);
  const pw = buf(passwordBytes(password));
  const base = await crypto.subtle.importKey('raw', pw, 'PBKDF2', false, ['deriveBits']);
  const master = new Uint8Array(
    await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: buf(params.salt), iterations: params.iterations }, base, 256),
  );
  try {
    return { authKey: await hkdfExpand(master, AUTH_KEY_INFO, 32), kek: await hkdfExpand(master, KEK_INFO, 32) };
  } finally {
    wipe(master, pw);
  }
}
