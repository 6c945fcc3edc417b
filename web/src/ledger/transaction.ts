import { constantTimeEqual, randomBytes, sha256, toHex, type Bytes } from '../crypto/bytes';
import { CanonicalFormatError, CanonicalReader, CanonicalWriter } from '../crypto/canonical';
import { publicKeyFromPrivate, type KeyPair } from '../crypto/p256';
import { sign, verify } from '../crypto/signatures';
import { leafHash } from './rfc6962';

/**
 * Ledger transactions (docs/ledger.md "Transaction"; src/MedLedger.Ledger/LedgerTransaction.cs). The signing
 * bytes are canonical; the id is lowercase hex SHA-256 of them WITHOUT the signature, because ECDSA
 * signatures are randomised and one intended transaction must have one id.
 */
export interface LedgerTransaction {
  type: string;
  actorId: string;
  /** int64, unique per actor. */
  nonce: bigint;
  /** Unix ms chosen by the submitter. */
  timestampMs: number;
  signerPublicKey: Uint8Array;
  /** Keys in ordinal order (as signed). */
  payload: Record<string, string>;
  signingBytes: Uint8Array;
  signature: Uint8Array;
  id: string;
}

export const TX_DOMAIN = 'medledger.ledger.tx.v1';
export const ENTRY_DOMAIN = 'medledger.ledger.entry.v1';
export const SYSTEM_ACTOR_PREFIX = 'peer:';
export const MAX_PAYLOAD_ENTRIES = 64;
export const MAX_VALUE_LENGTH = 512;
export const MAX_NAME_LENGTH = 128;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const NAME = /^[A-Za-z0-9._:@-]*$/;
const VALUE = /^[A-Za-z0-9+/=._:@-]*$/;

/** type, actor ids and payload keys: 1-128 characters of [A-Za-z0-9._:@-]. */
export function isName(s: string): boolean {
  return s.length >= 1 && s.length <= MAX_NAME_LENGTH && NAME.test(s);
}

/** Payload values: at most 512 characters of [A-Za-z0-9+/=._:@-] (ids, hashes, counts; no free text). */
export function isValue(s: string): boolean {
  return s.length <= MAX_VALUE_LENGTH && VALUE.test(s);
}

/** Ordinal (UTF-16 code unit) order, as StringComparer.Ordinal; JavaScript's < compares code units too. */
function ordinalCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedEntries(payload: Record<string, string>): [string, string][] {
  const entries = Object.entries(payload);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') throw new Error(`Payload value of '${k}' is not a string.`);
  }
  return entries.sort(([a], [b]) => ordinalCompare(a, b));
}

/** The shape rules of LedgerTransaction.CheckWellFormed; null when well formed. */
export function checkWellFormed(tx: Pick<LedgerTransaction, 'type' | 'actorId' | 'signerPublicKey' | 'signature' | 'payload'>): string | null {
  if (!isName(tx.type) || !isName(tx.actorId)) return 'type and actor id must be 1-128 characters of [A-Za-z0-9._:@-]';
  if (tx.signerPublicKey.length !== 65 || tx.signature.length !== 64) return 'signer key must be 65 bytes and signature 64 bytes';
  const entries = Object.entries(tx.payload);
  if (entries.length > MAX_PAYLOAD_ENTRIES) return `payload has more than ${MAX_PAYLOAD_ENTRIES} entries`;
  for (const [k, v] of sortedEntries(tx.payload)) {
    if (!isName(k)) return `payload key '${k.length > 40 ? k.slice(0, 40) : k}' must be 1-128 characters of [A-Za-z0-9._:@-]`;
    if (!isValue(v)) {
      return `payload value of '${k}' must be at most ${MAX_VALUE_LENGTH} characters of [A-Za-z0-9+/=._:@-] (ids, hashes, counts; no free text)`;
    }
  }
  return null;
}

export function computeSigningBytes(
  type: string, actorId: string, nonce: bigint, timestampMs: number | bigint, signerPublicKey: Bytes, payload: Record<string, string>,
): Bytes {
  const entries = sortedEntries(payload);
  const w = new CanonicalWriter(TX_DOMAIN).string(type).string(actorId).int64(nonce).int64(timestampMs).bytes(signerPublicKey).int64(entries.length);
  for (const [k, v] of entries) w.string(k).string(v);
  return w.toBytes();
}

/** A random non-negative 63-bit nonce; collisions are negligible (2^-63 per pair). */
export function randomNonce(): bigint {
  const b = randomBytes(8);
  return new DataView(b.buffer).getBigInt64(0, false) & INT64_MAX;
}

async function finish(fields: Omit<LedgerTransaction, 'id'>): Promise<LedgerTransaction> {
  return { ...fields, id: toHex(await sha256(fields.signingBytes)) };
}

/** Builds and signs a transaction; refuses payloads that break the ledger's rules (no free text on the ledger). */
export async function createTransaction(
  type: string, actorId: string, payload: Record<string, string>, signingKey: KeyPair, timestampMs: number = Date.now(), nonce: bigint = randomNonce(),
): Promise<LedgerTransaction> {
  if (nonce < INT64_MIN || nonce > INT64_MAX) throw new RangeError('The nonce must fit in an int64.');
  if (!Number.isSafeInteger(timestampMs)) throw new RangeError('timestampMs must be an integer.');
  const signerPublicKey = await publicKeyFromPrivate(signingKey.privateKey);
  if (!constantTimeEqual(signerPublicKey, signingKey.publicKey)) throw new Error('The signing key pair does not match.');
  const sorted = Object.fromEntries(sortedEntries(payload));
  const problem = checkWellFormed({ type, actorId, signerPublicKey, signature: new Uint8Array(64), payload: sorted });
  if (problem) throw new Error(problem);
  const signingBytes = computeSigningBytes(type, actorId, nonce, timestampMs, signerPublicKey, sorted);
  const signature = await sign(signingKey.privateKey, signingBytes);
  return finish({ type, actorId, nonce, timestampMs, signerPublicKey, payload: sorted, signingBytes, signature });
}

/**
 * Parses signing bytes back (LedgerTransaction.FromSigningBytes): the exact bytes are kept, so the id is over
 * what was signed. Throws CanonicalFormatError when malformed. Verifies nothing.
 */
export async function parseTransaction(signingBytes: Uint8Array, signature: Uint8Array): Promise<LedgerTransaction> {
  const r = new CanonicalReader(signingBytes);
  if (r.string() !== TX_DOMAIN) throw new CanonicalFormatError('not a MedLedger transaction');
  const type = r.string();
  const actorId = r.string();
  const nonce = r.int64();
  const timestamp = r.int64();
  const signerPublicKey = r.bytes();
  const count = r.int64();
  if (count < 0n || count > BigInt(MAX_PAYLOAD_ENTRIES)) throw new CanonicalFormatError('bad payload count');
  const entries: [string, string][] = [];
  let previous: string | null = null;
  for (let i = 0n; i < count; i++) {
    const k = r.string();
    if (previous !== null && ordinalCompare(previous, k) >= 0) throw new CanonicalFormatError('payload keys are not sorted and unique');
    entries.push([k, r.string()]);
    previous = k;
  }
  r.end();
  return finish({
    type, actorId, nonce,
    // Number is exact up to year 285,000; the signed bytes stay authoritative for the id.
    timestampMs: Number(timestamp),
    signerPublicKey,
    // fromEntries defines own properties, so a key such as "__proto__" stays an ordinary entry.
    payload: Object.fromEntries(entries),
    signingBytes: new Uint8Array(signingBytes),
    signature: new Uint8Array(signature),
  });
}

/** Signature against the transaction's own signer key (whether that key may act for the actor is the ledger's job). */
export function verifyTransactionSignature(tx: LedgerTransaction): Promise<boolean> {
  return verify(tx.signerPublicKey, tx.signingBytes, tx.signature);
}

export function isSystemEvent(tx: LedgerTransaction): boolean {
  return tx.actorId.startsWith(SYSTEM_ACTOR_PREFIX);
}

/** The Merkle leaf entry: the signed transaction plus the committer's verdict. */
export function entryBytes(tx: Pick<LedgerTransaction, 'signingBytes' | 'signature'>, valid: boolean): Bytes {
  return new CanonicalWriter(ENTRY_DOMAIN).bytes(tx.signingBytes).bytes(tx.signature).bool(valid).toBytes();
}

export function transactionLeafHash(tx: Pick<LedgerTransaction, 'signingBytes' | 'signature'>, valid: boolean): Promise<Bytes> {
  return leafHash(entryBytes(tx, valid));
}
