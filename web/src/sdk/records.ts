// Medical records in the browser, following src/MedLedger.Client/RecordsClient.cs step for step:
// sealing and opening happen here; the server only ever sees ciphertext, wraps and signed anchors.
import {
  encryptionKeyId, fromBase64, openRecord as openEnvelope, sealRecord, sha256, toBase64, toHex, unwrapDataKey, addReader,
  verifyRecordSignature, CryptoFormatError, FHIR_RECORD_CATEGORIES, RECORD_CATEGORIES, recordHeaderVersion, type KeyWrap, type RecordEnvelope, type RecordHeader,
} from '../crypto';
import { recordHeaderBytes, ciphertextHash } from '../crypto/envelope';
import type { LedgerReceipt } from '../ledger';
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { receiptTransaction } from '../ledger';
import { consentScopeHash } from '../crypto';
import { checkReceipt, signTransaction, ensureKeysOnLedger, verifiedPublicKeys, VerificationError, viewSizeHeaders, type SignedTransactionWire } from './ledger';
import type { ConsistencyProofJson } from './ledgerView';
import { checkFhirResource } from '../fhir/validate';

/** Plaintext limit of one record version (the server refuses more: 20 MiB + the AES-GCM tag). */
export const MAX_RECORD_BYTES = 20 * 1024 * 1024;

export const FHIR_CONTENT_TYPE = 'application/fhir+json';

/** Categories the server accepts (RecordCategories.All); defined once in crypto/protocol.ts. */
export { RECORD_CATEGORIES };

/** The FHIR resource types a record may hold (every category but File and EmergencySummary). */
export const FHIR_CATEGORIES: readonly string[] = FHIR_RECORD_CATEGORIES;

export interface RecordSummary {
  recordId: string;
  patientId: string;
  category: string;
  latestVersion: number;
  latestAuthorId: string;
  contentType: string;
  createdAtMs: number;
  updatedAtMs: number;
}

/** Which version of which record, whose, by whom and of what kind: the fields every record version carries in plaintext. */
interface RecordVersionFields {
  recordId: string;
  version: number;
  patientId: string;
  authorId: string;
  category: string;
  contentType: string;
}

export interface DecryptedRecord extends RecordVersionFields {
  createdAt: Date;
  content: Uint8Array;
  ledgerTransactionId: string;
  /** The newest version the ledger (or this page, earlier) showed for the record; above `version` means superseded. */
  ledgerLatestVersion: number;
}

/** The client refused to wrap a record key for a reader no ledger-proven consent covers; nothing was sent. */
export class UnconsentedReaderError extends Error {
  constructor(readonly readerId: string, message: string) {
    super(message);
    this.name = 'UnconsentedReaderError';
  }
}

/** Only a record's author writes its next version; others file an amendment request. Nothing was sent. */
export class NotRecordAuthorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotRecordAuthorError';
  }
}

export interface WrapWire {
  readerId: string;
  readerKeyId: string;
  enc: string;
  wrappedKey: string;
}

/** What the server says about every record version (plaintext metadata, never content). */
interface VersionHeaderWire extends RecordVersionFields {
  createdAtMs: number;
}

/** One version as a reader receives it (SealedRecordResponse): ciphertext and the caller's own wrap only. */
export interface SealedRecordWire extends VersionHeaderWire {
  nonce: string;
  keyCommitment: string;
  signature: string;
  ciphertext: string;
  wrap: WrapWire;
  ledgerTransactionId: string;
  authorSigningPublicKey: string;
  /** Receipt of this version's records.write, and of the newest records.write of the record. */
  anchor?: LedgerReceipt | null;
  latest?: LedgerReceipt | null;
  /** The header layout the author signed: 2 binds `category`; 1 (or absent) is a legacy version. */
  headerVersion?: number;
  /** Consistency proofs from this page's remembered head to the receipts' heads (sent because of Ledger-View-Size). */
  proofs?: ConsistencyProofJson[] | null;
}

export interface RecordVersionInfo extends VersionHeaderWire {
  ciphertextHash: string;
  ciphertextLength: number;
  ledgerTransactionId: string;
  receipt: LedgerReceipt | null;
  proofs?: ConsistencyProofJson[] | null;
}

interface ReaderWire {
  userId: string;
  role: string;
  encryptionPublicKey: string;
  signingPublicKey: string;
  grantId: string | null;
  grantScope?: string | null;
  grantItems?: string[] | null;
  grantReceipt?: LedgerReceipt | null;
}

/**
 * Parses a FHIR R4 resource and checks its structure (known resourceType, required elements, element
 * shapes); returns the resourceType, which becomes the record category. Throws an Error saying what is wrong.
 */
export function fhirCategory(json: string): string {
  return checkFhirResource(json);
}

export function listRecords(filter: { patientId?: string; category?: string; from?: Date; to?: Date; author?: string } = {}): Promise<RecordSummary[]> {
  const q = new URLSearchParams();
  if (filter.patientId) q.set('patientId', filter.patientId);
  if (filter.category) q.set('category', filter.category);
  if (filter.from) q.set('from', filter.from.toISOString());
  if (filter.to) q.set('to', filter.to.toISOString());
  if (filter.author) q.set('author', filter.author);
  const qs = q.toString();
  return api.get<RecordSummary[]>('/api/records' + (qs ? `?${qs}` : ''));
}

export function recordVersions(recordId: string): Promise<number[]> {
  return api.get<number[]>(`/api/records/${recordId}/versions`);
}

export function fetchSealed(recordId: string, version?: number): Promise<SealedRecordWire> {
  return api.get<SealedRecordWire>(version === undefined ? `/api/records/${recordId}` : `/api/records/${recordId}/versions/${version}`,
    { headers: viewSizeHeaders() });
}

/**
 * The header as the author must have signed it (RecordsClient.cs SealedRecord.Header): v2 binds the category, so a
 * relabelled version fails the signature and anchor checks; v1 (legacy versions) leaves the category to the server's label.
 */
export function sealedHeader(r: SealedRecordWire): RecordHeader {
  const headerVersion = r.headerVersion ?? 1;
  if (headerVersion !== 1 && headerVersion !== 2) throw new CryptoFormatError(`Record header version ${headerVersion} is not one this client knows.`);
  return {
    recordId: r.recordId, version: r.version, patientId: r.patientId, authorId: r.authorId, contentType: r.contentType,
    ...(headerVersion === 2 ? { category: r.category } : {}), createdAt: r.createdAtMs,
  };
}

export function toEnvelope(r: SealedRecordWire): RecordEnvelope {
  const header = sealedHeader(r);
  return {
    header,
    nonce: fromBase64(r.nonce),
    keyCommitment: fromBase64(r.keyCommitment),
    ciphertext: fromBase64(r.ciphertext),
    signature: fromBase64(r.signature),
    wraps: [{ readerKeyId: r.wrap.readerKeyId, enc: fromBase64(r.wrap.enc), wrappedKey: fromBase64(r.wrap.wrappedKey) }],
  };
}

/**
 * The author's signing key as registered on the ledger (never the one the server attached unchecked);
 * refuses a record whose served author key differs from the ledger's.
 */
export async function authorSigningKey(r: SealedRecordWire): Promise<Uint8Array> {
  const s = requireSession();
  if (r.authorId === s.tokens.user.id) return s.keys.signing.publicKey;
  const author = await verifiedPublicKeys(r.authorId);
  if (toBase64(author.signingPublicKey) !== r.authorSigningPublicKey) {
    throw new VerificationError('The server returned an author key that differs from the one registered on the ledger.');
  }
  return author.signingPublicKey;
}

async function headerHash(header: RecordHeader): Promise<string> {
  return toHex(await sha256(recordHeaderBytes(header)));
}

/**
 * When a v2 version's signature does not verify as served, the other known category under which it does (the server
 * relabelled it), or undefined.
 */
export async function signedCategoryIfRelabelled(sealed: SealedRecordWire, authorKey: Uint8Array): Promise<string | undefined> {
  const envelope = toEnvelope(sealed);
  if (recordHeaderVersion(envelope.header) !== 2 || (await verifyRecordSignature(envelope, authorKey))) return undefined;
  for (const c of RECORD_CATEGORIES) {
    if (c !== sealed.category && (await verifyRecordSignature({ ...envelope, header: { ...envelope.header, category: c } }, authorKey))) return c;
  }
  return undefined;
}

/** The newest version of each record this page has seen anchored on the ledger: a server cannot roll it back later. */
const newestSeenVersion = new Map<string, number>();

function rememberVersion(recordId: string, version: number): number {
  const newest = Math.max(newestSeenVersion.get(recordId) ?? 0, version);
  newestSeenVersion.set(recordId, newest);
  return newest;
}

/**
 * Read checks (RecordsClient.cs CheckAnchorAsync): the version's records.write anchor — a verified receipt naming this
 * record, version, patient, author, ciphertext hash and header hash — and the newest version the ledger shows for the
 * record. Returns that newest version.
 */
export async function checkAnchor(r: SealedRecordWire): Promise<number> {
  const what = `version ${r.version} of record ${r.recordId}`;
  if (!r.anchor) throw new VerificationError(`The server sent ${what} without its records.write anchor.`);
  await checkReceipt(r.anchor, r.proofs);
  const tx = await receiptTransaction(r.anchor);
  const envelope = toEnvelope(r);
  const ok =
    tx.type === 'records.write' && tx.id === r.ledgerTransactionId && tx.actorId === r.authorId &&
    tx.payload.recordId === r.recordId && tx.payload.patientId === r.patientId && tx.payload.version === String(r.version) &&
    tx.payload.ciphertextHash === toHex(await ciphertextHash(envelope));
  if (!ok) throw new VerificationError(`The server sent ${what}, which does not match its records.write anchor on the ledger.`);
  if (tx.payload.headerHash !== (await headerHash(envelope.header))) {
    // Everything else matches the anchor: name the lie when it is the category label or the header layout.
    let signed: string | undefined;
    for (const c of RECORD_CATEGORIES) {
      if (tx.payload.headerHash === (await headerHash({ ...envelope.header, category: c }))) signed = c;
    }
    throw new VerificationError(
      signed === undefined
        ? `The server sent ${what}, whose header does not match its records.write anchor on the ledger.`
        : recordHeaderVersion(envelope.header) === 2
          ? `The server labels ${what} as '${r.category}', but its signed header says '${signed}'.`
          : `The server presents ${what} as a legacy v1 header, but its author signed header v2 (category '${signed}').`,
    );
  }
  let newest = r.version;
  if (r.latest) {
    await checkReceipt(r.latest, r.proofs);
    const ltx = await receiptTransaction(r.latest);
    const lv = Number(ltx.payload.version);
    if (ltx.type !== 'records.write' || ltx.payload.recordId !== r.recordId || !Number.isSafeInteger(lv)) {
      throw new VerificationError(`The server's newest anchor for record ${r.recordId} is not a records.write of that record.`);
    }
    newest = Math.max(newest, lv);
  }
  rememberVersion(r.recordId, r.version);
  return rememberVersion(r.recordId, newest);
}

/**
 * Fetches a version with our own wrap, checks its ledger anchor (and, for the latest, that the ledger has nothing
 * newer), the author's key on the ledger and the signature, and decrypts here.
 */
export async function openRecord(recordId: string, version?: number): Promise<DecryptedRecord> {
  const sealed = await fetchSealed(recordId, version);
  if (sealed.recordId !== recordId || (version !== undefined && sealed.version !== version)) {
    throw new VerificationError(`Asked for record ${recordId} version ${version ?? 'latest'}, the server sent ${sealed.recordId} version ${sealed.version}.`);
  }
  const newest = await checkAnchor(sealed);
  if (version === undefined && newest > sealed.version) {
    throw new VerificationError(`Rollback: the server sent version ${sealed.version} of record ${recordId} as the latest, but the ledger has version ${newest}.`);
  }
  return { ...(await openSealed(sealed, requireSession().keys.encryption)), ledgerLatestVersion: newest };
}

/**
 * The reader rule (RecordsClient.cs CheckReaderGrantAsync): a reader other than the patient and the author must hold an
 * active consent.grant signed by the patient, naming this reader, whose anchored scope covers the record.
 */
async function checkReaderGrant(r: ReaderWire, patientId: string, recordId: string, category: string): Promise<void> {
  const who = `${r.role} ${r.userId}`;
  if (!r.grantId || !r.grantReceipt || !r.grantScope || !r.grantItems) {
    throw new UnconsentedReaderError(r.userId, `Refusing to wrap the record key for ${who}: the server names them as a reader but shows no consent grant from the patient.`);
  }
  try {
    await checkReceipt(r.grantReceipt);
  } catch (e) {
    throw new UnconsentedReaderError(r.userId, `Refusing to wrap the record key for ${who}: their consent grant's ledger receipt does not verify (${(e as Error).message}).`);
  }
  const tx = await receiptTransaction(r.grantReceipt);
  const items = r.grantItems;
  const covers = r.grantScope === 'all' || (r.grantScope === 'categories' && items.includes(category)) || (r.grantScope === 'records' && items.includes(recordId));
  const expires = /^[0-9]+$/.test(tx.payload.expiresAtMs ?? '') ? Number(tx.payload.expiresAtMs) : -1;
  const ok =
    tx.type === 'consent.grant' && tx.actorId === patientId && tx.payload.patientId === patientId && tx.payload.granteeId === r.userId &&
    tx.payload.grantId === r.grantId && tx.payload.scope === r.grantScope && tx.payload.scopeHash === (await consentScopeHash(r.grantScope, items)) &&
    covers && expires >= 0 && (expires === 0 || expires > Date.now());
  if (!ok) {
    throw new UnconsentedReaderError(r.userId, `Refusing to wrap the record key for ${who}: no active patient-signed consent on the ledger covers record ${recordId}.`);
  }
}

/**
 * Opens a served version with the reader key pair its wrap names (our own, or a hospital emergency key):
 * checks the author's key on the ledger and the signature, decrypts here and wipes the data key.
 */
export async function openSealed(sealed: SealedRecordWire, reader: { privateKey: Uint8Array; publicKey: Uint8Array }): Promise<DecryptedRecord> {
  const author = await authorSigningKey(sealed);
  const { plaintext, dataKey } = await openEnvelope(toEnvelope(sealed), author, reader);
  dataKey.fill(0);
  return {
    recordId: sealed.recordId,
    version: sealed.version,
    patientId: sealed.patientId,
    authorId: sealed.authorId,
    category: sealed.category,
    contentType: sealed.contentType,
    createdAt: new Date(sealed.createdAtMs),
    content: plaintext,
    ledgerTransactionId: sealed.ledgerTransactionId,
    ledgerLatestVersion: Math.max(sealed.version, newestSeenVersion.get(sealed.recordId) ?? 0),
  };
}

/**
 * Unwraps a version's data key here and wraps it for one more reader (sharing, emergency designation);
 * the data key is wiped before returning.
 */
export async function rewrapFor(sealed: SealedRecordWire, readerEncryptionPublicKey: Uint8Array): Promise<KeyWrap> {
  const s = requireSession();
  const envelope = toEnvelope(sealed);
  const dataKey = await unwrapDataKey(envelope, await authorSigningKey(sealed), s.keys.encryption);
  try {
    return await addReader(envelope, dataKey, readerEncryptionPublicKey);
  } finally {
    dataKey.fill(0);
  }
}

export interface WriteRecordArgs {
  patientId: string;
  category: string;
  contentType: string;
  content: Uint8Array;
  /** Writes a new version of this record (the latest version + 1) instead of a new record. */
  recordId?: string;
  /** Writes version 1 at this planned id instead of a random one (the FHIR import plans ids before uploading). */
  newRecordId?: string;
  /** 0..1: sealing takes the first 10 %, the upload the rest. */
  onProgress?: (fraction: number) => void;
  /** Cancels the upload (e.g. the user leaves the form); a version whose upload did not complete is not stored. */
  signal?: AbortSignal;
  /** A doctor writing in a visit: the records.write names the appointment (as RecordsClient.cs WriteVersionAsync). */
  appointmentId?: string;
  /** A pharmacist's dispense record: the records.write names the fill (only its pharmacist, once; docs/prescriptions.md). */
  fill?: { prescriptionId: string; fillNumber: number };
}

/**
 * Seals a record version for every reader the server names (each key checked against its ledger
 * registration first), signs the records.write anchor, uploads, and verifies the returned receipt.
 */
export async function writeRecord(args: WriteRecordArgs): Promise<{ recordId: string; version: number; transactionId: string; ciphertextHash: string; headerHash: string }> {
  const s = requireSession();
  if (args.content.length > MAX_RECORD_BYTES) throw new Error(`Records are limited to ${MAX_RECORD_BYTES / (1024 * 1024)} MiB.`);
  if (args.contentType === FHIR_CONTENT_TYPE) {
    const type = fhirCategory(new TextDecoder('utf-8', { fatal: true }).decode(args.content));
    if (type !== args.category) throw new Error(`This FHIR resource is a ${type}, not a ${args.category}.`);
  }
  args.onProgress?.(0);
  let recordId = args.recordId;
  let version = 1;
  if (recordId) {
    const current = await fetchSealed(recordId);
    if (current.authorId !== s.tokens.user.id) {
      throw new NotRecordAuthorError(`Record ${recordId} was written by ${current.authorId}; only its author writes the next version. File an amendment request instead.`);
    }
    if (current.category !== args.category) throw new Error(`A new version must stay a ${current.category} (got ${args.category}).`);
    version = current.version + 1;
  } else {
    recordId = args.newRecordId ?? crypto.randomUUID();
  }

  const q = new URLSearchParams({ patientId: args.patientId, recordId, category: args.category });
  const readers = await api.get<ReaderWire[]>(`/api/records/readers?${q.toString()}`);
  // Every key we encrypt for must be the one its owner registered on the ledger (the server could otherwise add its own),
  // and every reader other than the patient and us must hold a patient-signed grant covering this record, proven on the ledger.
  for (const r of readers) {
    if (r.userId === s.tokens.user.id) continue;
    if (r.userId !== args.patientId) await checkReaderGrant(r, args.patientId, recordId, args.category);
    await ensureKeysOnLedger(r.userId, r.signingPublicKey, r.encryptionPublicKey);
  }
  const readerKeys = readers.map((r) => fromBase64(r.encryptionPublicKey));
  // Header v2: the category is signed, so no one downstream has to trust the server's label for it.
  const header: RecordHeader = {
    recordId, version, patientId: args.patientId, authorId: s.tokens.user.id, contentType: args.contentType, category: args.category, createdAt: Date.now(),
  };
  const { envelope, dataKey } = await sealRecord(header, args.content, s.keys.signing.privateKey, readerKeys);
  dataKey.fill(0);
  const readerByKeyId = new Map<string, string>();
  for (const r of readers) readerByKeyId.set(await encryptionKeyId(fromBase64(r.encryptionPublicKey)), r.userId);

  const hash = toHex(await ciphertextHash(envelope));
  const headerHash = toHex(await sha256(recordHeaderBytes(header)));
  const transaction: SignedTransactionWire = await signTransaction('records.write', {
    recordId,
    version: String(version),
    patientId: args.patientId,
    ciphertextHash: hash,
    headerHash,
    authorId: s.tokens.user.id,
    ...(args.appointmentId ? { appointmentId: args.appointmentId } : {}),
    ...(args.fill ? { prescriptionId: args.fill.prescriptionId, fillNumber: String(args.fill.fillNumber) } : {}),
  });
  args.onProgress?.(0.1);
  const upload = {
    version,
    patientId: args.patientId,
    category: args.category,
    contentType: args.contentType,
    createdAtMs: header.createdAt,
    nonce: toBase64(envelope.nonce),
    keyCommitment: toBase64(envelope.keyCommitment),
    signature: toBase64(envelope.signature),
    ciphertext: toBase64(envelope.ciphertext),
    wraps: envelope.wraps.map((w) => ({ readerId: readerByKeyId.get(w.readerKeyId)!, readerKeyId: w.readerKeyId, enc: toBase64(w.enc), wrappedKey: toBase64(w.wrappedKey) })),
    transaction,
    headerVersion: recordHeaderVersion(header),
  };
  const info = await api.post<RecordVersionInfo>(`/api/records/${recordId}/versions`, upload, {
    onUploadProgress: (f) => args.onProgress?.(0.1 + 0.9 * f),
    signal: args.signal,
    headers: viewSizeHeaders(),
  });
  // The anchor we signed must be the one the ledger committed, with a proof that verifies here.
  const ourTxId = toHex(await sha256(fromBase64(transaction.transaction)));
  if (!info.receipt || info.receipt.transactionId !== ourTxId) {
    throw new VerificationError('The server did not return a receipt for our records.write transaction.');
  }
  await checkReceipt(info.receipt, info.proofs);
  rememberVersion(recordId, version);
  args.onProgress?.(1);
  return { recordId, version, transactionId: info.ledgerTransactionId, ciphertextHash: hash, headerHash };
}
