import { fromBase64, sha256, toBase64, toHex, type Bytes } from '../crypto/bytes';
import { CanonicalWriter } from '../crypto/canonical';
import type { BlockHeader } from './blockHeader';
import { ConsortiumView } from './consortium';
import { receiptTransaction, verifyReceipt, type LedgerReceipt } from './receipt';
import { SYSTEM_ACTOR_PREFIX, type LedgerTransaction } from './transaction';

// The browser's port of src/MedLedger.Ledger/ConsortiumHistory.cs and the consortium.add-peer proposal check
// (Contracts/ConsortiumContracts.cs): the same rules and the same reason texts, held together by
// testdata/ledger-consortium-vectors.json ("changes").

export const ADD_PEER_TYPE = 'consortium.add-peer';
export const ADD_PEER_PROPOSAL_DOMAIN = 'medledger.ledger.consortium-add-peer.v1';
const MAX_MEMBERS = 31;

/** GET /api/ledger/consortium's `changes[i]`: the new view's first block and fingerprint (labels only) and the approval receipts. */
export interface ConsortiumChangeJson {
  fromHeight: number;
  fingerprint: string;
  approvals: LedgerReceipt[];
}

/** C#'s int.TryParse(s, NumberStyles.None): ASCII digits only, within int32. */
function parseInt32(s: string | undefined): number | null {
  if (typeof s !== 'string' || !/^[0-9]+$/.test(s)) return null;
  const n = Number(s);
  return n <= 2147483647 ? n : null;
}

/** Base64 that round-trips exactly (ConsortiumGenesisContract.TryBase64). */
function tryBase64(s: string): Bytes | null {
  try {
    const raw = fromBase64(s);
    return toBase64(raw) === s ? raw : null;
  } catch {
    return null;
  }
}

/** ConsortiumState.RequireMember: null when the transaction is a member's act, signed with that member's key in the view. */
export function requireMember(tx: LedgerTransaction, view: ConsortiumView): string | null {
  if (!tx.actorId.startsWith(SYSTEM_ACTOR_PREFIX)) return 'consortium transactions are signed by a member peer (actor peer:<id>)';
  const peerId = tx.actorId.slice(SYSTEM_ACTOR_PREFIX.length);
  const key = view.keyOf(peerId);
  if (!key) return `peer ${peerId} is not a member of the consortium`;
  return key.length === tx.signerPublicKey.length && key.every((b, i) => b === tx.signerPublicKey[i]) ? null : `not signed with member ${peerId}'s key`;
}

/** ConsortiumView.WithMember's ArgumentException message as .NET prints it (with its parameter name). */
function dotnetArgumentMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return `${message} (Parameter '${message.startsWith('The threshold') ? 'threshold' : 'members'}')`;
}

/**
 * ConsortiumAddPeerContract.Proposal: the view an approval proposes and the proposal's digest (what approvals are
 * counted under), checked against `current`; or the reason it is refused.
 */
export async function addPeerProposal(tx: LedgerTransaction, current: ConsortiumView): Promise<{ next: ConsortiumView; digest: string } | { rejection: string }> {
  const { peerId, publicKey: key, view: fingerprint } = tx.payload;
  const k = parseInt32(tx.payload.threshold);
  const raw = typeof key === 'string' ? tryBase64(key) : null;
  if (typeof peerId !== 'string' || typeof key !== 'string' || typeof fingerprint !== 'string' || Object.keys(tx.payload).length !== 4 || k === null || raw === null) {
    return { rejection: 'payload must be peerId, publicKey (base64), threshold and view' };
  }
  if (fingerprint !== current.fingerprint) return { rejection: `the proposal amends consortium ${fingerprint}; the current one is ${current.fingerprint}` };
  if (current.keyOf(peerId)) return { rejection: `peer ${peerId} is already a member` };
  if (current.members.length >= MAX_MEMBERS) return { rejection: `the consortium already has ${MAX_MEMBERS} members` };
  let next: ConsortiumView;
  try {
    next = await ConsortiumView.create([...current.members, { peerId, publicKey: raw }], k);
  } catch (e) {
    return { rejection: dotnetArgumentMessage(e) };
  }
  const bytes = new CanonicalWriter(ADD_PEER_PROPOSAL_DOMAIN).string(current.fingerprint).string(peerId).bytes(raw).int64(k).toBytes();
  return { next, digest: toHex(await sha256(bytes)).slice(0, 32) };
}

/**
 * The consortium views a client accepts, from the pinned genesis on: each later view only from valid consortium.add-peer
 * approvals of one proposal by k distinct members of the previous view, each certified by that view. The view that
 * certifies block h is the one in effect after block h − 1.
 */
export class ConsortiumHistory {
  private readonly list: { fromHeight: number; view: ConsortiumView }[];

  constructor(genesis: ConsortiumView) {
    this.list = [{ fromHeight: 1, view: genesis }];
  }

  /** Each view and the first height it certifies, oldest first. */
  get views(): readonly { fromHeight: number; view: ConsortiumView }[] {
    return this.list;
  }

  get genesis(): ConsortiumView {
    return this.list[0].view;
  }

  get current(): ConsortiumView {
    return this.list[this.list.length - 1].view;
  }

  /** The view that certifies block `height`. */
  viewAt(height: number): ConsortiumView {
    for (let i = this.list.length - 1; i > 0; i--) {
      if (height >= this.list[i].fromHeight) return this.list[i].view;
    }
    return this.list[0].view;
  }

  verifyCertificate(h: BlockHeader): Promise<string | null> {
    return this.viewAt(h.height).verifyCertificate(h);
  }

  /** ConsortiumHistory.Apply: null and the new view appended, or the reason (and the history unchanged). */
  async apply(approvals: readonly LedgerReceipt[]): Promise<string | null> {
    const current = this.current;
    const from = this.list[this.list.length - 1].fromHeight;
    let digest: string | null = null;
    let next: ConsortiumView | null = null;
    const approvers = new Set<string>();
    let completedAt = 0;
    const ordered = approvals.filter((a) => a != null).map((a, i) => ({ a, i }))
      .sort((x, y) => (x.a.logIndex - y.a.logIndex) || (x.i - y.i)).map((x) => x.a);
    for (const r of ordered) {
      if (r.blockHeight < from) return `approval ${r.transactionId} is in block ${r.blockHeight}, before the current view took effect at ${from}`;
      const bad = await verifyReceipt(r, current);
      if (bad) return `approval ${r.transactionId}: ${bad}`;
      if (!r.valid) return `approval ${r.transactionId} was recorded as invalid`;
      const tx = await receiptTransaction(r);
      if (tx.type !== ADD_PEER_TYPE) return `transaction ${r.transactionId} is a ${tx.type}, not an approval`;
      const signer = requireMember(tx, current);
      if (signer) return `approval ${r.transactionId}: ${signer}`;
      const proposal = await addPeerProposal(tx, current);
      if ('rejection' in proposal) return `approval ${r.transactionId}: ${proposal.rejection}`;
      if (digest !== null && proposal.digest !== digest) return 'the approvals name different proposals';
      digest = proposal.digest;
      next = proposal.next;
      const approver = tx.actorId.slice(SYSTEM_ACTOR_PREFIX.length);
      if (!approvers.has(approver)) {
        approvers.add(approver);
        if (approvers.size === current.threshold) completedAt = r.blockHeight;
      }
    }
    if (next === null || approvers.size < current.threshold) {
      return `the change carries approvals of ${approvers.size} distinct members; ${current.threshold} of ${current.members.length} are needed`;
    }
    this.list.push({ fromHeight: completedAt + 1, view: next });
    return null;
  }
}

/**
 * The history from `genesis` through `changes` (the SDK's MedLedgerClient.Replay): each applied only when its approvals
 * verify and make exactly the view and first block the change names; on the first that does not, its index and why.
 */
export async function replayChanges(genesis: ConsortiumView, changes: readonly ConsortiumChangeJson[]): Promise<{ history: ConsortiumHistory; failed: number; reason: string | null }> {
  const history = new ConsortiumHistory(genesis);
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i];
    let reason: string | null;
    try {
      reason = !change || !Array.isArray(change.approvals) ? 'the change carries no approvals' : await history.apply(change.approvals);
    } catch (e) {
      reason = 'an approval is malformed: ' + (e instanceof Error ? e.message : String(e));
    }
    if (reason === null) {
      const { fromHeight, view } = history.views[history.views.length - 1];
      reason = view.fingerprint !== change.fingerprint ? `the approvals make consortium ${view.fingerprint}, not ${change.fingerprint}`
        : fromHeight !== change.fromHeight ? `the new view certifies from block ${fromHeight}, not ${change.fromHeight}`
          : null;
    }
    if (reason !== null) return { history, failed: i, reason };
  }
  return { history, failed: -1, reason: null };
}
