import { sha256, type Bytes } from '../crypto/bytes';
import { CanonicalWriter } from '../crypto/canonical';
import { verify } from '../crypto/signatures';

/** One consortium member's P-256 P1363 signature over a header's signing bytes (PeerSignature in C#). */
export interface PeerSignature {
  peerId: string;
  signature: Bytes;
}

/**
 * A signed block header, the log's signed tree head (docs/ledger.md "Block header" and "Block header v2 and commit
 * certificates"; src/MedLedger.Ledger/BlockHeader.cs). v2 adds the orderer's revision and names the proposer in
 * `peerId`; `certificate` holds member signatures (not hashed), `signature` the serving peer's own.
 */
export interface BlockHeader {
  height: number;
  previousHash: Bytes;
  transactionCount: number;
  treeSize: number;
  rootHash: Bytes;
  stateRoot: Bytes;
  timeMs: number;
  peerId: string;
  signature: Bytes;
  /** 1 or 2 (absent in JSON = 1). */
  version?: number;
  /** v2: the shared orderer's revision (0 for the embedded orderer); always 0 in v1. */
  orderingRevision?: number;
  certificate?: PeerSignature[] | null;
}

export const BLOCK_DOMAIN = 'medledger.ledger.block.v1';
export const BLOCK_DOMAIN_V2 = 'medledger.ledger.block.v2';

/** The header's bytes for its version; throws for an unknown version or a v1 header with an ordering revision. */
export function blockHeaderSigningBytes(h: BlockHeader): Bytes {
  const version = h.version ?? 1;
  const revision = h.orderingRevision ?? 0;
  if (version !== 1 && version !== 2) throw new Error(`unknown block header version ${version}`);
  if (version === 1 && revision !== 0) throw new Error('a v1 header has no ordering revision');
  const w = new CanonicalWriter(version === 1 ? BLOCK_DOMAIN : BLOCK_DOMAIN_V2)
    .int64(h.height).bytes(h.previousHash).int64(h.transactionCount).int64(h.treeSize).bytes(h.rootHash)
    .bytes(h.stateRoot).int64(h.timeMs).string(h.peerId);
  if (version === 2) w.int64(revision);
  return w.toBytes();
}

/** SHA-256 of the signing bytes: what the next block links to. */
export function blockHeaderHash(h: BlockHeader): Promise<Bytes> {
  return sha256(blockHeaderSigningBytes(h));
}

/** Index of the block's first transaction in the log. */
export function firstIndex(h: BlockHeader): number {
  return h.treeSize - h.transactionCount;
}

/**
 * Whether `signature` (default: the header's own) is the key's over the header bytes; false (never throws) for
 * anything malformed and for an unknown version (BlockHeader.VerifySignature).
 */
export async function verifyBlockHeader(h: BlockHeader, peerPublicKey: Bytes, signature: Bytes = h.signature): Promise<boolean> {
  try {
    return await verify(peerPublicKey, blockHeaderSigningBytes(h), signature);
  } catch {
    return false;
  }
}
