import { constantTimeEqual, fromBase64, type Bytes } from '../crypto/bytes';
import { blockHeaderHash, firstIndex, verifyBlockHeader, type BlockHeader, type PeerSignature } from './blockHeader';
import type { ConsortiumView } from './consortium';
import { verifyInclusion } from './rfc6962';
import { parseTransaction, transactionLeafHash, verifyTransactionSignature, type LedgerTransaction } from './transaction';

/**
 * A ledger receipt exactly as the server sends it (System.Text.Json web defaults: camelCase, byte[] as
 * base64). Proves a transaction, its verdict and its position under the peer's signed head.
 */
export interface BlockHeaderJson {
  height: number;
  previousHash: string;
  transactionCount: number;
  treeSize: number;
  rootHash: string;
  stateRoot: string;
  timeMs: number;
  peerId: string;
  signature: string;
  /** Absent = 1. */
  version?: number;
  orderingRevision?: number;
  certificate?: { peerId: string; signature: string }[] | null;
}

export interface LedgerReceipt {
  transactionId: string;
  valid: boolean;
  reason: string | null;
  blockHeight: number;
  logIndex: number;
  leafHash: string;
  head: BlockHeaderJson;
  inclusionProof: string[];
  transactionBytes: string;
  transactionSignature: string;
  /** Computed by the server from head; when present it must match (a convenience copy, never trusted on its own). */
  headerHash?: string;
}

/** GET /api/ledger/peer. */
export interface PeerInfo {
  peerId: string;
  publicKey: string;
}

function isInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n);
}

/** Decodes the JSON shape; null when a member is missing or mistyped (the C# deserializer would have refused it). */
export function decodeBlockHeader(h: BlockHeaderJson): BlockHeader | null {
  if (typeof h !== 'object' || h === null) return null;
  if (!isInt(h.height) || !isInt(h.transactionCount) || !isInt(h.treeSize) || !isInt(h.timeMs) || typeof h.peerId !== 'string') return null;
  const version = h.version ?? 1;
  const orderingRevision = h.orderingRevision ?? 0;
  if (!isInt(version) || !isInt(orderingRevision) || (h.certificate != null && !Array.isArray(h.certificate))) return null;
  try {
    let certificate: PeerSignature[] | null = null;
    if (h.certificate) {
      certificate = h.certificate.map((s) => {
        if (typeof s !== 'object' || s === null || typeof s.peerId !== 'string') throw new Error('malformed certificate');
        return { peerId: s.peerId, signature: fromBase64(s.signature) };
      });
    }
    return {
      height: h.height, previousHash: fromBase64(h.previousHash), transactionCount: h.transactionCount, treeSize: h.treeSize,
      rootHash: fromBase64(h.rootHash), stateRoot: fromBase64(h.stateRoot), timeMs: h.timeMs, peerId: h.peerId, signature: fromBase64(h.signature),
      version, orderingRevision, certificate,
    };
  } catch {
    return null;
  }
}

interface DecodedReceipt {
  head: BlockHeader;
  leafHash: Bytes;
  inclusionProof: Bytes[];
  transactionBytes: Bytes;
  transactionSignature: Bytes;
  headerHash: Bytes | null;
}

function decodeReceipt(r: LedgerReceipt): DecodedReceipt | string {
  if (typeof r !== 'object' || r === null || r.head == null || r.inclusionProof == null || r.transactionBytes == null
    || r.transactionSignature == null || r.leafHash == null) {
    return 'receipt is incomplete';
  }
  const head = decodeBlockHeader(r.head);
  if (!head || typeof r.transactionId !== 'string' || typeof r.valid !== 'boolean' || !isInt(r.blockHeight) || !isInt(r.logIndex)
    || !Array.isArray(r.inclusionProof)) {
    return 'receipt is malformed';
  }
  try {
    return {
      head,
      leafHash: fromBase64(r.leafHash),
      inclusionProof: r.inclusionProof.map((p) => fromBase64(p)),
      transactionBytes: fromBase64(r.transactionBytes),
      transactionSignature: fromBase64(r.transactionSignature),
      headerHash: r.headerHash == null ? null : fromBase64(r.headerHash),
    };
  } catch {
    return 'receipt is malformed';
  }
}

/**
 * LedgerReceipt.Verify(consortium) — or Verify(peerPublicKey) given a bare key: null when the head is certified by the
 * consortium (k distinct member signatures; with a key, its one signature verifies), the transaction bytes
 * parse, hash to the id and carry a valid signature, the leaf hash matches bytes and verdict, the index lies
 * inside the committing block, and the inclusion proof holds against the signed root. Otherwise the reason.
 * Never throws. Check `valid` separately: a receipt can prove a recorded refusal.
 */
export async function verifyReceipt(receipt: LedgerReceipt, trusted: ConsortiumView | Uint8Array): Promise<string | null> {
  try {
    const d = decodeReceipt(receipt);
    if (typeof d === 'string') return d;
    if (trusted instanceof Uint8Array) {
      if (!(await verifyBlockHeader(d.head, trusted))) return 'head signature does not verify with the peer key';
    } else {
      const bad = await trusted.verifyCertificate(d.head);
      if (bad) return bad;
    }
    if (d.headerHash && !constantTimeEqual(d.headerHash, await blockHeaderHash(d.head))) return 'header hash does not match the signed head';
    let tx: LedgerTransaction;
    try {
      tx = await parseTransaction(d.transactionBytes, d.transactionSignature);
    } catch (e) {
      return 'transaction bytes do not parse: ' + (e instanceof Error ? e.message : String(e));
    }
    if (tx.id !== receipt.transactionId) return 'transaction id does not match its bytes';
    if (!(await verifyTransactionSignature(tx))) return 'transaction signature does not verify';
    if (!constantTimeEqual(await transactionLeafHash(tx, receipt.valid), d.leafHash)) return 'leaf hash does not match the transaction and verdict';
    if (receipt.logIndex < firstIndex(d.head) || receipt.logIndex >= d.head.treeSize || receipt.blockHeight !== d.head.height) {
      return 'log index is not inside the committing block';
    }
    return (await verifyInclusion(d.leafHash, receipt.logIndex, d.head.treeSize, d.inclusionProof, d.head.rootHash))
      ? null
      : 'inclusion proof does not verify against the signed root';
  } catch (e) {
    return 'receipt could not be checked: ' + (e instanceof Error ? e.message : String(e));
  }
}

/** The receipt's transaction, parsed (not verified: call verifyReceipt first). */
export function receiptTransaction(receipt: LedgerReceipt): Promise<LedgerTransaction> {
  return parseTransaction(fromBase64(receipt.transactionBytes), fromBase64(receipt.transactionSignature));
}
