import { concatBytes, utf8, wipe, type Bytes } from './bytes';
import { aesGcmOpen, aesGcmSeal } from './aead';
import { CryptoFormatError } from './errors';
import { hkdfExpand, hkdfExtract } from './kdf';
import { ecdhX, importEcdhPrivate, importEcdhPublic, isValidScalar, publicKeyFromPrivate, type KeyPair } from './p256';

/**
 * HPKE base mode (RFC 9180), single shot, with DHKEM(P-256, HKDF-SHA256) and HKDF-SHA256
 * (docs/crypto-format.md section 3). Every MedLedger HPKE context encrypts one message, so the
 * sequence number is 0 and the nonce is base_nonce. Mirrors src/MedLedger.Crypto/Hpke.cs.
 */
export type HpkeAead = 'aes-256-gcm' | 'aes-128-gcm';

const AEAD_IDS: Record<HpkeAead, { id: number; keyLength: number }> = {
  'aes-128-gcm': { id: 0x0001, keyLength: 16 },
  'aes-256-gcm': { id: 0x0002, keyLength: 32 },
};

const KEM_SUITE_ID = concatBytes(utf8('KEM'), Uint8Array.of(0x00, 0x10));
const VERSION_LABEL = utf8('HPKE-v1');
const EMPTY = new Uint8Array(0);

function hpkeSuiteId(aead: HpkeAead): Bytes {
  const spec = AEAD_IDS[aead];
  if (!spec) throw new CryptoFormatError(`Unsupported HPKE AEAD '${String(aead)}'.`);
  return concatBytes(utf8('HPKE'), Uint8Array.of(0x00, 0x10, 0x00, 0x01, 0x00, spec.id));
}

function labeledExtract(suiteId: Bytes, salt: Bytes, label: string, ikm: Bytes): Promise<Bytes> {
  return hkdfExtract(salt, concatBytes(VERSION_LABEL, suiteId, utf8(label), ikm));
}

function labeledExpand(suiteId: Bytes, prk: Bytes, label: string, info: Bytes, length: number): Promise<Bytes> {
  const lengthPrefix = Uint8Array.of(length >> 8, length & 0xff);
  return hkdfExpand(prk, concatBytes(lengthPrefix, VERSION_LABEL, suiteId, utf8(label), info), length);
}

/** RFC 9180 section 7.1.3 DeriveKeyPair for P-256 (bitmask 0xff); ikm must be at least 32 bytes. */
export async function hpkeDeriveKeyPair(ikm: Bytes): Promise<KeyPair> {
  if (ikm.length < 32) throw new CryptoFormatError('DeriveKeyPair needs at least 32 bytes of input keying material.');
  const dkpPrk = await labeledExtract(KEM_SUITE_ID, EMPTY, 'dkp_prk', ikm);
  for (let counter = 0; counter <= 255; counter++) {
    const candidate = await labeledExpand(KEM_SUITE_ID, dkpPrk, 'candidate', Uint8Array.of(counter), 32);
    candidate[0] = candidate[0]! & 0xff; // the P-256 bitmask, kept to mirror the RFC pseudo-code
    if (isValidScalar(candidate)) return { privateKey: candidate, publicKey: await publicKeyFromPrivate(candidate) };
  }
  // Probability about 2^-8192; the RFC says to fail rather than loop forever.
  throw new CryptoFormatError('DeriveKeyPair found no valid scalar.');
}

async function extractAndExpand(dh: Bytes, kemContext: Bytes): Promise<Bytes> {
  const eaePrk = await labeledExtract(KEM_SUITE_ID, EMPTY, 'eae_prk', dh);
  return labeledExpand(KEM_SUITE_ID, eaePrk, 'shared_secret', kemContext, 32);
}

async function keyScheduleBase(sharedSecret: Bytes, info: Bytes, aead: HpkeAead): Promise<{ key: Bytes; nonce: Bytes }> {
  const suiteId = hpkeSuiteId(aead);
  const pskIdHash = await labeledExtract(suiteId, EMPTY, 'psk_id_hash', EMPTY);
  const infoHash = await labeledExtract(suiteId, EMPTY, 'info_hash', info);
  const context = concatBytes(Uint8Array.of(0x00) /* mode_base */, pskIdHash, infoHash);
  const secret = await labeledExtract(suiteId, sharedSecret, 'secret', EMPTY); // ikm = default psk = ""
  const key = await labeledExpand(suiteId, secret, 'key', context, AEAD_IDS[aead].keyLength);
  const nonce = await labeledExpand(suiteId, secret, 'base_nonce', context, 12); // seq 0: nonce = base_nonce
  wipe(secret);
  return { key, nonce };
}

/**
 * Encrypts one message to pkR. ephemeralIkm makes the ephemeral key deterministic (test vectors only);
 * without it the ephemeral key comes from the browser's generator.
 */
export async function hpkeSealBase(
  pkR: Bytes,
  info: Bytes,
  aad: Bytes,
  plaintext: Bytes,
  aead: HpkeAead = 'aes-256-gcm',
  ephemeralIkm?: Bytes,
): Promise<{ enc: Bytes; ciphertext: Bytes }> {
  hpkeSuiteId(aead);
  const recipient = await importEcdhPublic(pkR);
  let skE: CryptoKey;
  let pkE: Bytes;
  if (ephemeralIkm) {
    const pair = await hpkeDeriveKeyPair(ephemeralIkm);
    skE = await importEcdhPrivate(pair.privateKey);
    pkE = pair.publicKey;
    wipe(pair.privateKey);
  } else {
    const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
    skE = pair.privateKey;
    pkE = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  }
  const dh = await ecdhX(skE, recipient);
  const sharedSecret = await extractAndExpand(dh, concatBytes(pkE, pkR));
  const { key, nonce } = await keyScheduleBase(sharedSecret, info, aead);
  try {
    return { enc: pkE, ciphertext: await aesGcmSeal(key, nonce, aad, plaintext) };
  } finally {
    wipe(dh, sharedSecret, key);
  }
}

/** Decapsulates and opens: a malformed enc is a CryptoFormatError, a failed tag a CryptoIntegrityError. */
export async function hpkeOpenBase(
  skR: Bytes,
  enc: Bytes,
  info: Bytes,
  aad: Bytes,
  ciphertext: Bytes,
  aead: HpkeAead = 'aes-256-gcm',
): Promise<Bytes> {
  hpkeSuiteId(aead);
  const ephemeral = await importEcdhPublic(enc);
  const recipient = await importEcdhPrivate(skR);
  const pkR = await publicKeyFromPrivate(skR);
  const dh = await ecdhX(recipient, ephemeral);
  const sharedSecret = await extractAndExpand(dh, concatBytes(enc, pkR));
  const { key, nonce } = await keyScheduleBase(sharedSecret, info, aead);
  try {
    return await aesGcmOpen(key, nonce, aad, ciphertext);
  } finally {
    wipe(dh, sharedSecret, key);
  }
}
