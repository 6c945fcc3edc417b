import { randomBytes, utf8, type Bytes } from './bytes';
import { base32Encode, base32FromValues, base32Value, CROCKFORD_ALPHABET } from './base32';
import { CryptoFormatError } from './errors';
import { hkdf } from './kdf';

/**
 * Recovery codes (docs/crypto-format.md section 9; src/MedLedger.Crypto/RecoveryCode.cs): 120 random bits as
 * 24 Crockford base32 symbols in groups of 4 plus a Luhn mod 32 check symbol, e.g. HWX5-R3MH-TAVM-CTGZ-1GYN-WYWT-3.
 */
export const RECOVERY_ENTROPY_LENGTH = 15;
const SYMBOL_COUNT = 24;
const RECOVERY_KEY_INFO = utf8('medledger/v1/recovery-key');

/** Luhn mod 32 over the symbol values, rightmost value doubled first. */
export function luhnCheckValue(values: readonly number[]): number {
  let factor = 2;
  let sum = 0;
  for (let i = values.length - 1; i >= 0; i--) {
    const addend = factor * values[i]!;
    factor = factor === 2 ? 1 : 2;
    sum += Math.floor(addend / 32) + (addend % 32);
  }
  return (32 - (sum % 32)) % 32;
}

/** Display form of 15 bytes of entropy. */
export function recoveryCodeFromEntropy(entropy: Bytes): string {
  if (entropy.length !== RECOVERY_ENTROPY_LENGTH) throw new CryptoFormatError('Recovery entropy is 15 bytes.');
  const symbols = base32Encode(entropy);
  const values = [...symbols].map(base32Value);
  return symbols.match(/.{4}/g)!.join('-') + '-' + CROCKFORD_ALPHABET[luhnCheckValue(values)];
}

export function newRecoveryCode(): { code: string; secret: Bytes } {
  const secret = randomBytes(RECOVERY_ENTROPY_LENGTH);
  return { code: recoveryCodeFromEntropy(secret), secret };
}

/**
 * Parses a typed code: case-insensitive, hyphens/spaces/tabs ignored, O read as 0 and I/L as 1. A wrong
 * length, an invalid symbol or a failed check symbol is a CryptoFormatError, before any decryption is tried.
 */
export function parseRecoveryCode(text: string): Bytes {
  const values: number[] = [];
  for (const c of text) {
    if (c === '-' || c === ' ' || c === '\t') continue;
    const v = base32Value(c);
    if (v < 0) throw new CryptoFormatError(`'${c}' is not a recovery code symbol.`);
    values.push(v);
  }
  if (values.length !== SYMBOL_COUNT + 1) {
    throw new CryptoFormatError(`A recovery code has ${SYMBOL_COUNT + 1} symbols; got ${values.length}.`);
  }
  const data = values.slice(0, SYMBOL_COUNT);
  if (luhnCheckValue(data) !== values[SYMBOL_COUNT]) {
    throw new CryptoFormatError('Recovery code check symbol does not match; a symbol was mistyped.');
  }
  return base32FromValues(data, RECOVERY_ENTROPY_LENGTH);
}

/** Canonical spelling of a typed code (upper case, grouped). */
export function normalizeRecoveryCode(text: string): string {
  return recoveryCodeFromEntropy(parseRecoveryCode(text));
}

/** recoveryKey = HKDF-SHA256(ikm = the 15 bytes, salt = empty, info = "medledger/v1/recovery-key", 32). */
export function recoveryKeyFromEntropy(entropy: Bytes): Promise<Bytes> {
  return hkdf(entropy, new Uint8Array(0), RECOVERY_KEY_INFO, 32);
}

export function deriveRecoveryKey(code: string): Promise<Bytes> {
  return recoveryKeyFromEntropy(parseRecoveryCode(code));
}
