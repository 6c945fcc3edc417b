import { toBase64, type Bytes } from './bytes';
import { TAG_LENGTH } from './aead';
import { CanonicalWriter } from './canonical';
import { CryptoIntegrityError } from './errors';
import { encryptionKeyId } from './fingerprint';
import { hpkeOpenBase, hpkeSealBase } from './hpke';
import { PUBLIC_KEY_LENGTH, type KeyPair } from './p256';
import { jsonBase64, jsonLowerHex, parseStrictJson, requireMembers, writeJsonString } from './strictJson';

/**
 * A small secret (emergency key, organisation key) sealed for one encryption public key with HPKE,
 * bound to a purpose and a context (docs/crypto-format.md section 7; src/MedLedger.Crypto/SealedSecret.cs).
 */
export interface SealedSecret {
  recipientKeyId: string;
  enc: Bytes;
  ciphertext: Bytes;
}

const EMPTY = new Uint8Array(0);

/** info = canonical("medledger/v1/sealed-secret").String(purpose).String(context). */
export function sealedSecretInfo(purpose: string, context: string): Bytes {
  return new CanonicalWriter('medledger/v1/sealed-secret').string(purpose).string(context).toBytes();
}

/** ephemeralIkm makes the HPKE ephemeral key deterministic (test vectors only). */
export async function sealSecret(
  recipientEncryptionPublicKey: Bytes, purpose: string, context: string, secret: Bytes, ephemeralIkm?: Bytes,
): Promise<SealedSecret> {
  if (!purpose) throw new Error('A sealed secret needs a purpose.');
  const recipientKeyId = await encryptionKeyId(recipientEncryptionPublicKey);
  const { enc, ciphertext } = await hpkeSealBase(recipientEncryptionPublicKey, sealedSecretInfo(purpose, context), EMPTY, secret, 'aes-256-gcm', ephemeralIkm);
  return { recipientKeyId, enc, ciphertext };
}

/** Wrong key, purpose, context or any changed byte is a CryptoIntegrityError. */
export async function openSecret(recipient: KeyPair, purpose: string, context: string, sealed: SealedSecret): Promise<Bytes> {
  if (sealed.recipientKeyId !== (await encryptionKeyId(recipient.publicKey))) {
    throw new CryptoIntegrityError('This secret is sealed for another key.');
  }
  return hpkeOpenBase(recipient.privateKey, sealed.enc, sealedSecretInfo(purpose, context), EMPTY, sealed.ciphertext, 'aes-256-gcm');
}

export function sealedSecretToJson(sealed: SealedSecret): string {
  return `{"recipientKeyId":${writeJsonString(sealed.recipientKeyId)},"enc":"${toBase64(sealed.enc)}","ciphertext":"${toBase64(sealed.ciphertext)}"}`;
}

export function sealedSecretFromJson(json: string | Bytes): SealedSecret {
  const m = requireMembers(parseStrictJson(json), 'sealed secret', 'recipientKeyId', 'enc', 'ciphertext');
  return {
    recipientKeyId: jsonLowerHex(m, 'recipientKeyId', 32),
    enc: jsonBase64(m, 'enc', PUBLIC_KEY_LENGTH),
    ciphertext: jsonBase64(m, 'ciphertext', undefined, TAG_LENGTH),
  };
}
