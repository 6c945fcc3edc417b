import { sha256, type Bytes } from '../crypto/bytes';
import { CanonicalWriter } from '../crypto/canonical';
import { verify } from '../crypto/signatures';

/** A signed block header, the log's signed tree head (docs/ledger.md "Block header"; src/MedLedger.Ledger/BlockHeader.cs). */
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
}

export const BLOCK_DOMAIN = 'medledger.ledger.block.v1';

export function blockHeaderSigningBytes(h: BlockHeader): Bytes {
  return new CanonicalWriter(BLOCK_DOMAIN)
    .int64(h.height).bytes(h.previousHash).int64(h.transactionCount).int64(h.treeSize).bytes(h.rootHash)
    .bytes(h.stateRoot).int64(h.timeMs).string(h.peerId)
    .toBytes();
}

/** SHA-256 of the signing bytes: what the next block links to. */
export function blockHeaderHash(h: BlockHeader): Promise<Bytes> {
  return sha256(blockHeaderSigningBytes(h));
}

/** Index of the block's first transaction in the log. */
export function firstIndex(h: BlockHeader): number {
  return h.treeSize - h.transactionCount;
}

/** The peer's signature over the header bytes; false (never throws) for anything malformed. */
export async function verifyBlockHeader(h: BlockHeader, peerPublicKey: Bytes): Promise<boolean> {
  try {
    return await verify(peerPublicKey, blockHeaderSigningBytes(h), h.signature);
  } catch {
    return false;
  }
}
