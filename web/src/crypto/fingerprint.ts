import { sha256, toHex, type Bytes } from './bytes';
import { base32Encode } from './base32';
import { CanonicalWriter } from './canonical';
import { CryptoFormatError } from './errors';
import { checkPublicKey } from './p256';

/** Names the reader of a key wrap: lowerhex(SHA256(canonical("medledger/v1/encryption-key-id").Bytes(pk))). */
export async function encryptionKeyId(encryptionPublicKey: Bytes): Promise<string> {
  checkPublicKey(encryptionPublicKey);
  return toHex(await sha256(new CanonicalWriter('medledger/v1/encryption-key-id').bytes(encryptionPublicKey).toBytes()));
}

/** First 160 bits of a fingerprint as 32 Crockford base32 symbols in 8 space-separated groups of 4. */
export function displayFingerprint(fingerprint: Bytes): string {
  if (fingerprint.length < 20) throw new CryptoFormatError('A fingerprint is at least 20 bytes.');
  const symbols = base32Encode(fingerprint.subarray(0, 20));
  return symbols.match(/.{4}/g)!.join(' ');
}

/** Key-bundle fingerprint (docs/crypto-format.md section 4), compared out of band by users. */
export async function keyFingerprint(encryptionPublicKey: Bytes, signingPublicKey: Bytes): Promise<{ bytes: Bytes; display: string }> {
  const bytes = await sha256(
    new CanonicalWriter('medledger/v1/key-fingerprint').bytes(encryptionPublicKey).bytes(signingPublicKey).toBytes(),
  );
  return { bytes, display: displayFingerprint(bytes) };
}
