import { constantTimeEqual, isLowerHex, randomBytes, sha256, toBase64, utf8, type Bytes } from './bytes';
import { aesGcmOpen, aesGcmSeal, NONCE_LENGTH, TAG_LENGTH } from './aead';
import { CanonicalWriter } from './canonical';
import { CryptoFormatError, CryptoIntegrityError } from './errors';
import { encryptionKeyId } from './fingerprint';
import { hpkeOpenBase, hpkeSealBase } from './hpke';
import { hmacSha256 } from './kdf';
import { PUBLIC_KEY_LENGTH, type KeyPair } from './p256';
import { SIGNATURE_LENGTH, sign, verify } from './signatures';
import {
  jsonArray, jsonBase64, jsonLowerHex, jsonObject, jsonSafeInteger, jsonString, parseStrictJson, requireMembers, writeJsonString,
  type JsonValue,
} from './strictJson';

/**
 * Record envelopes (docs/crypto-format.md section 6), one per record version; mirrors RecordEnvelope and
 * RecordCrypto in src/MedLedger.Crypto/RecordEnvelope.cs.
 */
export interface RecordHeader {
  recordId: string;
  version: number;
  patientId: string;
  authorId: string;
  contentType: string;
  /**
   * Header v2 binds the record category (signed, so a consent scope never rests on the server's label); absent means a
   * legacy v1 header, which is still opened but never written.
   */
  category?: string;
  /** Unix milliseconds. */
  createdAt: number;
}

export interface KeyWrap {
  readerKeyId: string;
  enc: Bytes;
  wrappedKey: Bytes;
}

export interface RecordEnvelope {
  header: RecordHeader;
  nonce: Bytes;
  keyCommitment: Bytes;
  /** AES-256-GCM ciphertext with the tag appended. */
  ciphertext: Bytes;
  signature: Bytes;
  wraps: KeyWrap[];
}

export const RECORD_FORMAT = 'medledger/v1/record';
/** The envelope format names the header layout: a v2 header carries "category". */
export const RECORD_FORMAT_V2 = 'medledger/v2/record';

/** 2 when the header binds the category, 1 for the original layout. */
export function recordHeaderVersion(header: RecordHeader): 1 | 2 {
  return header.category === undefined ? 1 : 2;
}
export const WRAPPED_KEY_LENGTH = 32 + TAG_LENGTH;
const COMMITMENT_LABEL = utf8('medledger/v1/key-commitment');

export function checkRecordHeader(header: RecordHeader): void {
  if (!header.recordId || !header.patientId || !header.authorId || !header.contentType || header.category === '') {
    throw new CryptoFormatError('Record header ids, content type and category must be non-empty.');
  }
  if (!Number.isSafeInteger(header.version) || !Number.isSafeInteger(header.createdAt)) {
    throw new CryptoFormatError('Record version and createdAt must be integers.');
  }
  if (header.version < 0) throw new CryptoFormatError('Record version must not be negative.');
}

/** The checks of the C# RecordEnvelope constructor: lengths, well-formed wraps, one wrap per reader. */
export function checkRecordEnvelope(envelope: RecordEnvelope): void {
  checkRecordHeader(envelope.header);
  if (
    envelope.nonce.length !== NONCE_LENGTH || envelope.keyCommitment.length !== 32 || envelope.ciphertext.length < TAG_LENGTH
    || envelope.signature.length !== SIGNATURE_LENGTH
  ) {
    throw new CryptoFormatError('Record envelope field has the wrong length.');
  }
  const ids = new Set<string>();
  for (const w of envelope.wraps) {
    if (w.enc.length !== PUBLIC_KEY_LENGTH || w.wrappedKey.length !== WRAPPED_KEY_LENGTH || !isLowerHex(w.readerKeyId, 32)) {
      throw new CryptoFormatError('Key wrap is malformed.');
    }
    if (ids.has(w.readerKeyId)) throw new CryptoFormatError('Two key wraps for the same reader.');
    ids.add(w.readerKeyId);
  }
}

/**
 * v1: canonical("medledger/v1/record-header", recordId, version, patientId, authorId, contentType, createdAt);
 * v2: canonical("medledger/v2/record-header", recordId, version, patientId, authorId, category, contentType, createdAt).
 */
export function recordHeaderBytes(header: RecordHeader): Bytes {
  checkRecordHeader(header);
  if (header.category !== undefined) {
    return new CanonicalWriter('medledger/v2/record-header')
      .string(header.recordId).int64(header.version).string(header.patientId).string(header.authorId)
      .string(header.category).string(header.contentType).int64(header.createdAt)
      .toBytes();
  }
  return new CanonicalWriter('medledger/v1/record-header')
    .string(header.recordId).int64(header.version).string(header.patientId).string(header.authorId)
    .string(header.contentType).int64(header.createdAt)
    .toBytes();
}

/** HPKE info of the record's key wraps: canonical("medledger/v1/record-key").String(recordId).Int64(version). */
export function recordKeyInfo(header: RecordHeader): Bytes {
  return new CanonicalWriter('medledger/v1/record-key').string(header.recordId).int64(header.version).toBytes();
}

/** What the author signs: header bytes, nonce, key commitment and SHA-256 of the ciphertext. */
export function recordSignedBytes(header: RecordHeader, nonce: Bytes, keyCommitment: Bytes, ciphertextHash: Bytes): Bytes {
  return new CanonicalWriter('medledger/v1/record-signature')
    .bytes(recordHeaderBytes(header)).bytes(nonce).bytes(keyCommitment).bytes(ciphertextHash)
    .toBytes();
}

/** HMAC-SHA256(dataKey, "medledger/v1/key-commitment"): signed, so every reader provably receives the same key. */
export function keyCommitment(dataKey: Bytes): Promise<Bytes> {
  if (dataKey.length !== 32) throw new CryptoFormatError('Record data keys are 32 bytes.');
  return hmacSha256(dataKey, COMMITMENT_LABEL);
}

async function wrapFor(header: RecordHeader, dataKey: Bytes, readerPublicKey: Bytes, ephemeralIkm?: Bytes): Promise<KeyWrap> {
  const readerKeyId = await encryptionKeyId(readerPublicKey);
  const { enc, ciphertext } = await hpkeSealBase(readerPublicKey, recordKeyInfo(header), new Uint8Array(0), dataKey, 'aes-256-gcm', ephemeralIkm);
  return { readerKeyId, enc, wrappedKey: ciphertext };
}

async function checkCommitment(envelope: RecordEnvelope, dataKey: Bytes): Promise<void> {
  if (!constantTimeEqual(await keyCommitment(dataKey), envelope.keyCommitment)) {
    throw new CryptoIntegrityError('Data key does not match the signed key commitment.');
  }
}

export interface RecordReader {
  publicKey: Bytes;
  /** Deterministic HPKE ephemeral key (test vectors only). */
  ephemeralIkm?: Bytes;
}

/** Deterministic core of sealRecord (explicit data key, nonce and ephemeral ikm), used by sealRecord and the vector tests. */
export async function sealRecordWith(
  header: RecordHeader, plaintext: Bytes, authorSigningPrivateKey: Bytes, readers: RecordReader[], dataKey: Bytes, nonce: Bytes,
): Promise<RecordEnvelope> {
  if (readers.length === 0) throw new Error('A record needs at least one reader.');
  const aad = recordHeaderBytes(header);
  const ciphertext = await aesGcmSeal(dataKey, nonce, aad, plaintext);
  const commitment = await keyCommitment(dataKey);
  const signature = await sign(authorSigningPrivateKey, recordSignedBytes(header, nonce, commitment, await sha256(ciphertext)));
  const wraps: KeyWrap[] = [];
  for (const r of readers) wraps.push(await wrapFor(header, dataKey, r.publicKey, r.ephemeralIkm));
  const envelope: RecordEnvelope = { header: { ...header }, nonce, keyCommitment: commitment, ciphertext, signature, wraps };
  checkRecordEnvelope(envelope);
  return envelope;
}

/**
 * Seals plaintext for the given readers' encryption public keys (include the patient and the author).
 * The fresh data key is returned so the author can share the record later without unwrapping; drop it when done.
 */
export async function sealRecord(
  header: RecordHeader, plaintext: Bytes, authorSigningPrivateKey: Bytes, readerEncryptionPublicKeys: Bytes[],
): Promise<{ envelope: RecordEnvelope; dataKey: Bytes }> {
  const dataKey = randomBytes(32);
  const envelope = await sealRecordWith(
    header, plaintext, authorSigningPrivateKey, readerEncryptionPublicKeys.map((publicKey) => ({ publicKey })), dataKey, randomBytes(NONCE_LENGTH),
  );
  return { envelope, dataKey };
}

/** Authorship without any decryption key (what the server checks on upload); never throws for bad input. */
export async function verifyRecordSignature(envelope: RecordEnvelope, authorSigningPublicKey: Bytes): Promise<boolean> {
  try {
    const signed = recordSignedBytes(envelope.header, envelope.nonce, envelope.keyCommitment, await sha256(envelope.ciphertext));
    return await verify(authorSigningPublicKey, signed, envelope.signature);
  } catch {
    return false;
  }
}

/** Steps 1-5 of section 6.2: signature, this reader's wrap, HPKE open, key commitment. */
export async function unwrapDataKey(envelope: RecordEnvelope, authorSigningPublicKey: Bytes, reader: KeyPair): Promise<Bytes> {
  checkRecordEnvelope(envelope);
  if (!(await verifyRecordSignature(envelope, authorSigningPublicKey))) {
    throw new CryptoIntegrityError('Record signature does not verify for this author key.');
  }
  const id = await encryptionKeyId(reader.publicKey);
  const wrap = envelope.wraps.find((w) => w.readerKeyId === id);
  if (!wrap) throw new CryptoIntegrityError('The record has no key wrap for this reader.');
  const dataKey = await hpkeOpenBase(reader.privateKey, wrap.enc, recordKeyInfo(envelope.header), new Uint8Array(0), wrap.wrappedKey, 'aes-256-gcm');
  await checkCommitment(envelope, dataKey);
  return dataKey;
}

/** Full open (section 6.2); no plaintext unless every step passes. */
export async function openRecord(
  envelope: RecordEnvelope, authorSigningPublicKey: Bytes, reader: KeyPair,
): Promise<{ plaintext: Bytes; dataKey: Bytes }> {
  const dataKey = await unwrapDataKey(envelope, authorSigningPublicKey, reader);
  const plaintext = await aesGcmOpen(dataKey, envelope.nonce, recordHeaderBytes(envelope.header), envelope.ciphertext);
  return { plaintext, dataKey };
}

/** Decrypts with a data key already unwrapped (e.g. cached); still verifies the signature and commitment first. */
export async function decryptRecord(envelope: RecordEnvelope, dataKey: Bytes, authorSigningPublicKey: Bytes): Promise<Bytes> {
  checkRecordEnvelope(envelope);
  if (!(await verifyRecordSignature(envelope, authorSigningPublicKey))) {
    throw new CryptoIntegrityError('Record signature does not verify for this author key.');
  }
  await checkCommitment(envelope, dataKey);
  return aesGcmOpen(dataKey, envelope.nonce, recordHeaderBytes(envelope.header), envelope.ciphertext);
}

/** Sharing: a new wrap of the (already unwrapped) data key; refuses a key that is not this record's. */
export async function addReader(envelope: RecordEnvelope, dataKey: Bytes, readerEncryptionPublicKey: Bytes, ephemeralIkm?: Bytes): Promise<KeyWrap> {
  await checkCommitment(envelope, dataKey);
  return wrapFor(envelope.header, dataKey, readerEncryptionPublicKey, ephemeralIkm);
}

/** Adds (or replaces) the wrap for wrap.readerKeyId; ciphertext and signature are untouched. */
export function withWrap(envelope: RecordEnvelope, wrap: KeyWrap): RecordEnvelope {
  return { ...envelope, wraps: [...envelope.wraps.filter((w) => w.readerKeyId !== wrap.readerKeyId), wrap] };
}

/** Revocation: drops the reader's wrap. */
export function withoutWrap(envelope: RecordEnvelope, readerKeyId: string): RecordEnvelope {
  return { ...envelope, wraps: envelope.wraps.filter((w) => w.readerKeyId !== readerKeyId) };
}

export function keyWrapToJson(wrap: KeyWrap): string {
  return `{"readerKeyId":${writeJsonString(wrap.readerKeyId)},"enc":"${toBase64(wrap.enc)}","wrappedKey":"${toBase64(wrap.wrappedKey)}"}`;
}

function keyWrapFromValue(value: JsonValue): KeyWrap {
  const m = requireMembers(value, 'key wrap', 'readerKeyId', 'enc', 'wrappedKey');
  return {
    readerKeyId: jsonLowerHex(m, 'readerKeyId', 32),
    enc: jsonBase64(m, 'enc', PUBLIC_KEY_LENGTH),
    wrappedKey: jsonBase64(m, 'wrappedKey', WRAPPED_KEY_LENGTH),
  };
}

/** One wrap as the API carries it (e.g. a grant), with the same strictness as the envelope. */
export function keyWrapFromJson(json: string | Bytes): KeyWrap {
  return keyWrapFromValue(parseStrictJson(json));
}

/** Exact member order of section 6.4, no whitespace: byte-identical to RecordEnvelope.ToJson in C#. */
export function envelopeToJson(envelope: RecordEnvelope): string {
  checkRecordEnvelope(envelope);
  const h = envelope.header;
  const format = h.category === undefined ? RECORD_FORMAT : RECORD_FORMAT_V2;
  const category = h.category === undefined ? '' : `"category":${writeJsonString(h.category)},`;
  return (
    `{"format":"${format}","header":{"recordId":${writeJsonString(h.recordId)},"version":${h.version},`
    + `"patientId":${writeJsonString(h.patientId)},"authorId":${writeJsonString(h.authorId)},`
    + `"contentType":${writeJsonString(h.contentType)},${category}"createdAt":${h.createdAt}},`
    + `"nonce":"${toBase64(envelope.nonce)}","keyCommitment":"${toBase64(envelope.keyCommitment)}",`
    + `"ciphertext":"${toBase64(envelope.ciphertext)}","signature":"${toBase64(envelope.signature)}",`
    + `"wraps":[${envelope.wraps.map(keyWrapToJson).join(',')}]}`
  );
}

/** Strict parse (section 6.4); anything malformed is a CryptoFormatError. Verifies nothing cryptographic. */
export function envelopeFromJson(json: string | Bytes): RecordEnvelope {
  const root = requireMembers(parseStrictJson(json), 'record envelope', 'format', 'header', 'nonce', 'keyCommitment', 'ciphertext', 'signature', 'wraps');
  const format = jsonString(root, 'format');
  if (format !== RECORD_FORMAT && format !== RECORD_FORMAT_V2) throw new CryptoFormatError('Not a medledger/v1/record or medledger/v2/record envelope.');
  const members = ['recordId', 'version', 'patientId', 'authorId', 'contentType', 'createdAt'];
  if (format === RECORD_FORMAT_V2) members.push('category');
  const h = requireMembers(jsonObject(root, 'header'), 'record header', ...members);
  const header: RecordHeader = {
    recordId: jsonString(h, 'recordId'),
    version: jsonSafeInteger(h, 'version'),
    patientId: jsonString(h, 'patientId'),
    authorId: jsonString(h, 'authorId'),
    contentType: jsonString(h, 'contentType'),
    ...(format === RECORD_FORMAT_V2 ? { category: jsonString(h, 'category') } : {}),
    createdAt: jsonSafeInteger(h, 'createdAt'),
  };
  const wraps = jsonArray(root, 'wraps').map(keyWrapFromValue);
  const envelope: RecordEnvelope = {
    header,
    nonce: jsonBase64(root, 'nonce', NONCE_LENGTH),
    keyCommitment: jsonBase64(root, 'keyCommitment', 32),
    ciphertext: jsonBase64(root, 'ciphertext', undefined, TAG_LENGTH),
    signature: jsonBase64(root, 'signature', SIGNATURE_LENGTH),
    wraps,
  };
  checkRecordEnvelope(envelope);
  return envelope;
}

/** SHA-256 of the ciphertext: signed, and usable as the blob store's content address. */
export function ciphertextHash(envelope: RecordEnvelope): Promise<Bytes> {
  return sha256(envelope.ciphertext);
}
