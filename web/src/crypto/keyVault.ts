import { concatBytes, constantTimeEqual, randomBytes, toBase64, wipe, type Bytes } from './bytes';
import { aesGcmOpen, aesGcmSeal, NONCE_LENGTH, TAG_LENGTH } from './aead';
import { CanonicalWriter } from './canonical';
import { CryptoFormatError, CryptoIntegrityError } from './errors';
import { checkPublicKey, generateKeyPair, PUBLIC_KEY_LENGTH, publicKeyFromPrivate, type KeyPair } from './p256';
import { checkPasswordParameters, derivePasswordKeys, newPasswordParameters, PBKDF2_SHA256, type PasswordParameters } from './password';
import { deriveRecoveryKey, newRecoveryCode, normalizeRecoveryCode } from './recovery';
import { jsonBase64, jsonObject, jsonSafeInteger, jsonString, parseStrictJson, requireMembers, writeJsonString, type JsonValue } from './strictJson';

/**
 * The stored key bundle (docs/crypto-format.md section 10; src/MedLedger.Crypto/KeyVault.cs): public keys in
 * the clear, the two private keys wrapped once under the password KEK and once under the recovery key.
 */
export interface KeyBundle {
  encryption: KeyPair;
  signing: KeyPair;
}

/** AES-256-GCM of encryption sk (32) || signing sk (32): nonce 12 bytes, ciphertext 80 bytes. */
export interface PrivateKeyWrap {
  nonce: Bytes;
  ciphertext: Bytes;
}

export interface StoredKeyBundle {
  userId: string;
  encryptionPublicKey: Bytes;
  signingPublicKey: Bytes;
  password: PasswordParameters;
  passwordWrap: PrivateKeyWrap;
  recoveryWrap: PrivateKeyWrap;
}

export const KEY_BUNDLE_FORMAT = 'medledger/v1/key-bundle';
export const PASSWORD_PURPOSE = 'password';
export const RECOVERY_PURPOSE = 'recovery';
const WRAP_CIPHERTEXT_LENGTH = 64 + TAG_LENGTH;
export const WRAP_ENCODED_LENGTH = NONCE_LENGTH + WRAP_CIPHERTEXT_LENGTH;

/** Compact opaque form for the API (passwordWrappedPrivateKeys / recoveryWrappedPrivateKeys): nonce || ciphertext = 92 bytes. */
export function wrapToBytes(wrap: PrivateKeyWrap): Bytes {
  return concatBytes(wrap.nonce, wrap.ciphertext);
}

export function wrapFromBytes(encoded: Bytes): PrivateKeyWrap {
  if (encoded.length !== WRAP_ENCODED_LENGTH) {
    throw new CryptoFormatError(`A private key wrap is ${WRAP_ENCODED_LENGTH} bytes (nonce || ciphertext).`);
  }
  return { nonce: encoded.slice(0, NONCE_LENGTH), ciphertext: encoded.slice(NONCE_LENGTH) };
}

/** aad = canonical("medledger/v1/private-key-wrap").String(userId).String(purpose).Bytes(encPub).Bytes(sigPub). */
export function wrapAad(userId: string, purpose: string, encryptionPublicKey: Bytes, signingPublicKey: Bytes): Bytes {
  return new CanonicalWriter('medledger/v1/private-key-wrap')
    .string(userId).string(purpose).bytes(encryptionPublicKey).bytes(signingPublicKey)
    .toBytes();
}

function checkWrappingKey(key: Bytes): void {
  if (key.length !== 32) throw new CryptoFormatError('Wrapping keys are 32 bytes (AES-256).');
}

/** nonce is explicit only for test vectors; normally fresh random. */
export async function wrapPrivateKeys(keys: KeyBundle, userId: string, purpose: string, wrappingKey: Bytes, nonce?: Bytes): Promise<PrivateKeyWrap> {
  checkWrappingKey(wrappingKey);
  const n = nonce ?? randomBytes(NONCE_LENGTH);
  const plaintext = concatBytes(keys.encryption.privateKey, keys.signing.privateKey);
  try {
    const aad = wrapAad(userId, purpose, keys.encryption.publicKey, keys.signing.publicKey);
    return { nonce: n, ciphertext: await aesGcmSeal(wrappingKey, n, aad, plaintext) };
  } finally {
    wipe(plaintext);
  }
}

/** Decrypts a wrap and checks the private keys really belong to the stored public keys. */
export async function unwrapPrivateKeys(
  wrap: PrivateKeyWrap, userId: string, purpose: string, encryptionPublicKey: Bytes, signingPublicKey: Bytes, wrappingKey: Bytes,
): Promise<KeyBundle> {
  checkWrappingKey(wrappingKey);
  if (wrap.nonce.length !== NONCE_LENGTH || wrap.ciphertext.length !== WRAP_CIPHERTEXT_LENGTH) {
    throw new CryptoFormatError('Private key wrap has the wrong length.');
  }
  const plaintext = await aesGcmOpen(wrappingKey, wrap.nonce, wrapAad(userId, purpose, encryptionPublicKey, signingPublicKey), wrap.ciphertext);
  const encryptionPrivate = plaintext.slice(0, 32);
  const signingPrivate = plaintext.slice(32, 64);
  wipe(plaintext);
  try {
    const encryptionCheck = await publicKeyFromPrivate(encryptionPrivate);
    const signingCheck = await publicKeyFromPrivate(signingPrivate);
    if (!constantTimeEqual(encryptionCheck, encryptionPublicKey) || !constantTimeEqual(signingCheck, signingPublicKey)) {
      throw new CryptoFormatError('mismatch');
    }
  } catch {
    // Authenticated but inconsistent: only a buggy or malicious writer produces this.
    throw new CryptoIntegrityError('Unwrapped private keys do not match the public keys.');
  }
  return {
    encryption: { privateKey: encryptionPrivate, publicKey: new Uint8Array(encryptionPublicKey) },
    signing: { privateKey: signingPrivate, publicKey: new Uint8Array(signingPublicKey) },
  };
}

export async function generateKeyBundle(): Promise<KeyBundle> {
  return { encryption: await generateKeyPair(), signing: await generateKeyPair() };
}

/** Wraps existing keys under a password and a recovery code (deterministic nonces only for test vectors). */
export async function protectKeys(
  keys: KeyBundle, userId: string, password: string, params: PasswordParameters, recoveryCode: string,
  passwordNonce?: Bytes, recoveryNonce?: Bytes,
): Promise<{ stored: StoredKeyBundle; authKey: Bytes; kek: Bytes; recoveryCode: string }> {
  if (!userId) throw new Error('userId is required.');
  const { authKey, kek } = await derivePasswordKeys(password, params);
  const recoveryKey = await deriveRecoveryKey(recoveryCode);
  try {
    const stored: StoredKeyBundle = {
      userId,
      encryptionPublicKey: keys.encryption.publicKey,
      signingPublicKey: keys.signing.publicKey,
      password: params,
      passwordWrap: await wrapPrivateKeys(keys, userId, PASSWORD_PURPOSE, kek, passwordNonce),
      recoveryWrap: await wrapPrivateKeys(keys, userId, RECOVERY_PURPOSE, recoveryKey, recoveryNonce),
    };
    return { stored, authKey, kek, recoveryCode: normalizeRecoveryCode(recoveryCode) };
  } finally {
    wipe(recoveryKey);
  }
}

/** Sign-up: fresh key pairs, salt and recovery code. Send stored + authKey; show recoveryCode once; keep kek to unlock later without PBKDF2. */
export async function createVault(
  userId: string, password: string,
): Promise<{ stored: StoredKeyBundle; keys: KeyBundle; authKey: Bytes; kek: Bytes; recoveryCode: string }> {
  const keys = await generateKeyBundle();
  const { code } = newRecoveryCode();
  const result = await protectKeys(keys, userId, password, newPasswordParameters(), code);
  return { ...result, keys };
}

/** For a client that kept the KEK from login. CryptoIntegrityError on a wrong key or a tampered bundle. */
export function unlockWithKek(stored: StoredKeyBundle, kek: Bytes): Promise<KeyBundle> {
  return unwrapPrivateKeys(stored.passwordWrap, stored.userId, PASSWORD_PURPOSE, stored.encryptionPublicKey, stored.signingPublicKey, kek);
}

export async function unlockWithPassword(stored: StoredKeyBundle, password: string): Promise<KeyBundle> {
  const { kek } = await derivePasswordKeys(password, stored.password);
  try {
    return await unlockWithKek(stored, kek);
  } finally {
    wipe(kek);
  }
}

/** CryptoFormatError for a mistyped code (check symbol), CryptoIntegrityError for a wrong one. */
export async function unlockWithRecoveryCode(stored: StoredKeyBundle, code: string): Promise<KeyBundle> {
  const key = await deriveRecoveryKey(code);
  try {
    return await unwrapPrivateKeys(stored.recoveryWrap, stored.userId, RECOVERY_PURPOSE, stored.encryptionPublicKey, stored.signingPublicKey, key);
  } finally {
    wipe(key);
  }
}

/** Re-wraps the same (already unlocked) key pairs under a new password and salt; the recovery wrap is kept. */
export async function changePassword(
  stored: StoredKeyBundle, keys: KeyBundle, newPassword: string, params: PasswordParameters = newPasswordParameters(),
): Promise<{ stored: StoredKeyBundle; authKey: Bytes; kek: Bytes }> {
  if (!constantTimeEqual(keys.encryption.publicKey, stored.encryptionPublicKey) || !constantTimeEqual(keys.signing.publicKey, stored.signingPublicKey)) {
    throw new CryptoIntegrityError('These keys do not belong to the stored bundle.');
  }
  const { authKey, kek } = await derivePasswordKeys(newPassword, params);
  const passwordWrap = await wrapPrivateKeys(keys, stored.userId, PASSWORD_PURPOSE, kek);
  return { stored: { ...stored, password: params, passwordWrap }, authKey, kek };
}

/** Forgotten password: unwrap the recovery wrap, then set a new password. The code stays valid. */
export async function recoverWithCode(
  stored: StoredKeyBundle, code: string, newPassword: string, params: PasswordParameters = newPasswordParameters(),
): Promise<{ stored: StoredKeyBundle; keys: KeyBundle; authKey: Bytes; kek: Bytes }> {
  const keys = await unlockWithRecoveryCode(stored, code);
  return { ...(await changePassword(stored, keys, newPassword, params)), keys };
}

function wrapJson(wrap: PrivateKeyWrap): string {
  return `{"nonce":"${toBase64(wrap.nonce)}","ciphertext":"${toBase64(wrap.ciphertext)}"}`;
}

/** The EncryptedKeyBundle JSON of section 10, byte-identical to the C# ToJson. */
export function storedBundleToJson(stored: StoredKeyBundle): string {
  const p = stored.password;
  return (
    `{"format":"${KEY_BUNDLE_FORMAT}","userId":${writeJsonString(stored.userId)},`
    + `"encryptionPublicKey":"${toBase64(stored.encryptionPublicKey)}","signingPublicKey":"${toBase64(stored.signingPublicKey)}",`
    + `"password":{"algorithm":${writeJsonString(p.algorithm)},"iterations":${p.iterations},"salt":"${toBase64(p.salt)}"},`
    + `"passwordWrap":${wrapJson(stored.passwordWrap)},"recoveryWrap":${wrapJson(stored.recoveryWrap)}}`
  );
}

function wrapFromValue(value: JsonValue, what: string): PrivateKeyWrap {
  const m = requireMembers(value, what, 'nonce', 'ciphertext');
  return { nonce: jsonBase64(m, 'nonce', NONCE_LENGTH), ciphertext: jsonBase64(m, 'ciphertext', WRAP_CIPHERTEXT_LENGTH) };
}

/** Strict parse (same rules as the envelope); iterations below 600,000 and off-curve public keys are refused. */
export function storedBundleFromJson(json: string | Bytes): StoredKeyBundle {
  const root = requireMembers(
    parseStrictJson(json), 'key bundle', 'format', 'userId', 'encryptionPublicKey', 'signingPublicKey', 'password', 'passwordWrap', 'recoveryWrap',
  );
  if (jsonString(root, 'format') !== KEY_BUNDLE_FORMAT) throw new CryptoFormatError('Not a medledger/v1/key-bundle.');
  const pw = requireMembers(jsonObject(root, 'password'), 'password', 'algorithm', 'iterations', 'salt');
  const algorithm = jsonString(pw, 'algorithm');
  if (algorithm !== PBKDF2_SHA256) throw new CryptoFormatError(`Unsupported password KDF '${algorithm}'.`);
  const password: PasswordParameters = { algorithm, iterations: jsonSafeInteger(pw, 'iterations'), salt: jsonBase64(pw, 'salt', undefined, 16) };
  checkPasswordParameters(password);
  const encryptionPublicKey = jsonBase64(root, 'encryptionPublicKey', PUBLIC_KEY_LENGTH);
  const signingPublicKey = jsonBase64(root, 'signingPublicKey', PUBLIC_KEY_LENGTH);
  checkPublicKey(encryptionPublicKey);
  checkPublicKey(signingPublicKey);
  return {
    userId: jsonString(root, 'userId'),
    encryptionPublicKey,
    signingPublicKey,
    password,
    passwordWrap: wrapFromValue(jsonObject(root, 'passwordWrap'), 'passwordWrap'),
    recoveryWrap: wrapFromValue(jsonObject(root, 'recoveryWrap'), 'recoveryWrap'),
  };
}
