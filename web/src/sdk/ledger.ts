// Ledger plumbing every feature shares (src/MedLedger.Client/LedgerClient.cs): the pinned consortium, user-signed
// transactions in their wire form, receipt checks, key transparency (public keys must match their ledger
// registration), and the caller's own ledger entries.
import { fromBase64, toBase64 } from '../crypto';
import { createTransaction, receiptTransaction, verifyReceipt, type LedgerReceipt } from '../ledger';
import { api, type Role } from '../app/http';
import { requireSession } from '../app/session';
import { VerificationError } from './verificationError';
import { acceptHead, consortiumAt, type ConsistencyProofJson } from './ledgerView';

export interface PeerInfo {
  peerId: string;
  publicKey: string;
}

/** A signed transaction as the API carries it (`SignedTransaction`: signing bytes + signature, base64). */
export interface SignedTransactionWire {
  transaction: string;
  signature: string;
}

export { VerificationError } from './verificationError';
export { ConsortiumChangedError, LedgerForkError, PeerKeyChangedError, verifyCurrentHead, pinnedConsortium, consortiumHistory, viewSizeHeaders } from './ledgerView';

/** The consortium view in effect at a receipt's block (following a change made since the page loaded, once). */
function viewFor(receipt: LedgerReceipt) {
  return consortiumAt(receipt?.head?.height ?? 1, async (v) => (await verifyReceipt(receipt, v)) === null);
}

/**
 * Checks a receipt against the consortium view at its block (docs/ledger.md "Client view"), then its head against this browser's view of the ledger (a head that
 * contradicts one verified before is a fork, ledgerView.ts); throws unless both hold and the ledger accepted the
 * transaction.
 */
export async function checkReceipt(receipt: LedgerReceipt, proofs?: ConsistencyProofJson[] | null): Promise<void> {
  const error = await verifyReceipt(receipt, await viewFor(receipt));
  if (error) throw new VerificationError(`The ledger receipt does not verify: ${error}`);
  await acceptHead(receipt.head, true, proofs);
  if (!receipt.valid) throw new VerificationError(`The ledger recorded the transaction as invalid: ${receipt.reason ?? 'no reason given'}`);
}

/** Whether a receipt verifies, its head included (for "verified" marks); never throws. */
export async function receiptVerifies(receipt: LedgerReceipt): Promise<boolean> {
  try {
    if ((await verifyReceipt(receipt, await viewFor(receipt))) !== null) return false;
    await acceptHead(receipt.head, true);
    return true;
  } catch {
    return false;
  }
}

/** Signs a ledger transaction with the signed-in user's signing key, on this device. */
export async function signTransaction(type: string, payload: Record<string, string>): Promise<SignedTransactionWire> {
  const s = requireSession();
  const tx = await createTransaction(type, s.tokens.user.id, payload, s.keys.signing);
  return { transaction: toBase64(tx.signingBytes), signature: toBase64(tx.signature) };
}

export interface PublicKeys {
  userId: string;
  role: Role;
  signingPublicKey: string;
  encryptionPublicKey: string;
}

export interface VerifiedKeys {
  userId: string;
  role: string;
  signingPublicKey: Uint8Array;
  encryptionPublicKey: Uint8Array;
}

interface RegisteredKeys {
  userId: string;
  signingPublicKey: string;
  encryptionPublicKey: string;
  receipt: LedgerReceipt;
}

const verifiedKeys = new Map<string, Promise<VerifiedKeys>>();

/**
 * Refuses keys that differ from the user's key registration on the ledger, so the server cannot
 * substitute its own key for someone we encrypt to or verify (cached per page load once checked).
 * `token` is for sign-in, before the session exists.
 */
export function ensureKeysOnLedger(userId: string, signingPublicKey: string, encryptionPublicKey: string, token?: string): Promise<void> {
  // Writes name the same readers again and again: check each exact (user, keys) registration once per page load.
  const key = `${userId}|${signingPublicKey}|${encryptionPublicKey}`;
  let check = checkedRegistrations.get(key);
  if (!check) {
    check = checkRegistration(userId, signingPublicKey, encryptionPublicKey, token);
    checkedRegistrations.set(key, check);
    check.catch(() => checkedRegistrations.delete(key));
  }
  return check;
}

const checkedRegistrations = new Map<string, Promise<void>>();

async function checkRegistration(userId: string, signingPublicKey: string, encryptionPublicKey: string, token?: string): Promise<void> {
  const registered = await api.get<RegisteredKeys>(`/api/ledger/keys/${userId}`, token ? { token } : undefined);
  await checkReceipt(registered.receipt);
  const tx = await receiptTransaction(registered.receipt);
  const ok =
    (tx.type === 'identity.register-keys' || tx.type === 'identity.rotate-keys') &&
    tx.payload.userId === userId &&
    tx.payload.signingKey === signingPublicKey &&
    tx.payload.encryptionKey === encryptionPublicKey;
  if (!ok) throw new VerificationError(`The keys served for user ${userId} are not the keys registered on the ledger.`);
}

async function loadVerified(keys: PublicKeys): Promise<VerifiedKeys> {
  await ensureKeysOnLedger(keys.userId, keys.signingPublicKey, keys.encryptionPublicKey);
  return { userId: keys.userId, role: keys.role, signingPublicKey: fromBase64(keys.signingPublicKey), encryptionPublicKey: fromBase64(keys.encryptionPublicKey) };
}

/** Public keys of a user as the directory serves them, NOT checked against the ledger: for labels (a role) only. */
export function publicKeys(userId: string): Promise<PublicKeys> {
  return api.get<PublicKeys>(`/api/users/${userId}/keys`);
}

/** Public keys of a user, checked against the ledger before first use. */
export function verifiedPublicKeys(userId: string): Promise<VerifiedKeys> {
  let p = verifiedKeys.get(userId);
  if (!p) {
    p = publicKeys(userId).then(loadVerified);
    verifiedKeys.set(userId, p);
    p.catch(() => verifiedKeys.delete(userId));
  }
  return p;
}

/** GET /api/ledger/mine: every ledger transaction that names the caller. */
export interface LedgerEntry {
  id: string;
  type: string;
  actorId: string;
  timestampMs: number;
  valid: boolean;
  reason: string | null;
  logIndex: number;
  blockHeight: number;
  payload: Record<string, string>;
}

/** The caller's ledger entries, newest first; `before` (a log index) pages back. */
export function myLedgerEntries(limit: number, before?: number, signal?: AbortSignal): Promise<LedgerEntry[]> {
  return api.get<LedgerEntry[]>(`/api/ledger/mine?limit=${limit}${before === undefined ? '' : `&before=${before}`}`, { signal });
}

/** A transaction's receipt as the server serves it; check it (checkReceipt, receiptVerifies) before relying on it. */
export function ledgerReceipt(transactionId: string, signal?: AbortSignal): Promise<LedgerReceipt> {
  return api.get<LedgerReceipt>(`/api/ledger/receipts/${transactionId}`, { signal });
}

/**
 * Fetches the entry's receipt and verifies, in this browser, the peer's signature over the block head,
 * the transaction's hash as the leaf, and the inclusion proof, and that the receipt is about this entry.
 */
export async function verifyLedgerEntry(entry: LedgerEntry, signal: AbortSignal): Promise<boolean> {
  try {
    const receipt = await ledgerReceipt(entry.id, signal);
    if (receipt.transactionId !== entry.id || !(await receiptVerifies(receipt))) return false;
    const tx = await receiptTransaction(receipt);
    // What we display (type and payload) must be what the proven transaction says.
    return tx.id === entry.id && tx.type === entry.type && Object.entries(entry.payload).every(([k, v]) => tx.payload[k] === v);
  } catch {
    return false;
  }
}
