// Ledger verification for the browser (docs/ledger.md), byte-compatible with src/MedLedger.Ledger.
export {
  type LedgerTransaction, createTransaction, parseTransaction, verifyTransactionSignature, checkWellFormed, computeSigningBytes,
  randomNonce, entryBytes, transactionLeafHash, isSystemEvent, isName, isValue, TX_DOMAIN, ENTRY_DOMAIN,
  MAX_PAYLOAD_ENTRIES, MAX_NAME_LENGTH, MAX_VALUE_LENGTH,
} from './transaction';
export { leafHash, nodeHash, emptyRoot, rootHash, verifyInclusion, verifyConsistency } from './rfc6962';
export { type BlockHeader, type PeerSignature, blockHeaderSigningBytes, blockHeaderHash, verifyBlockHeader, firstIndex, BLOCK_DOMAIN, BLOCK_DOMAIN_V2 } from './blockHeader';
export { ConsortiumView, type ConsortiumMember, type ConsortiumJson, CONSORTIUM_DOMAIN } from './consortium';
export { type LedgerReceipt, type BlockHeaderJson, type PeerInfo, verifyReceipt, receiptTransaction, decodeBlockHeader } from './receipt';
export { ConsortiumHistory, replayChanges, addPeerProposal, requireMember, type ConsortiumChangeJson, ADD_PEER_TYPE, ADD_PEER_PROPOSAL_DOMAIN } from './consortiumHistory';
