import { constantTimeEqual, fromBase64, sha256, toBase64, toHex, type Bytes } from '../crypto/bytes';
import { CanonicalWriter } from '../crypto/canonical';
import { verifyBlockHeader, type BlockHeader } from './blockHeader';
import { isName } from './transaction';

/** A consortium member: a peer id and its 65-byte SEC1 P-256 ledger key. */
export interface ConsortiumMember {
  peerId: string;
  publicKey: Bytes;
}

/** GET /api/ledger/consortium (and VITE_LEDGER_CONSORTIUM): what a server or a build claims; the view is rebuilt from it. */
export interface ConsortiumJson {
  threshold: number;
  fingerprint?: string;
  members: { peerId: string; publicKey: string }[];
}

export const CONSORTIUM_DOMAIN = 'medledger.ledger.consortium.v1';

function byOrdinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The peers a client trusts to certify blocks and how many must agree (src/MedLedger.Ledger/ConsortiumView.cs, the
 * same rules and reason texts): a header is certified when at least `threshold` distinct members signed its signing
 * bytes; a non-member's signature, a member's second one, one over other bytes or one filed under another member's id
 * counts for nothing. A header without a certificate is judged by its one signature. The threshold must be a majority.
 */
export class ConsortiumView {
  private constructor(readonly members: readonly ConsortiumMember[], readonly threshold: number, readonly fingerprint: string) {}

  /** The smallest majority: 1 → 1, 3 → 2, 4 → 3. */
  static majorityOf(n: number): number {
    return Math.floor(n / 2) + 1;
  }

  /** Throws an Error unless ids and keys are unique and valid and the threshold is a majority (n/2 < k ≤ n). */
  static async create(members: readonly ConsortiumMember[], threshold?: number | null): Promise<ConsortiumView> {
    if (!Array.isArray(members) || members.length === 0) throw new Error('A consortium needs at least one member.');
    const list = [...members].sort((a, b) => byOrdinal(a?.peerId ?? '', b?.peerId ?? ''));
    const ids = new Set<string>();
    const keys = new Set<string>();
    for (const m of list) {
      if (!m || typeof m.peerId !== 'string' || !isName(m.peerId) || m.peerId.length > 64) {
        throw new Error('Every member needs a short peer id of [A-Za-z0-9._:@-].');
      }
      if (!(m.publicKey instanceof Uint8Array) || m.publicKey.length !== 65 || m.publicKey[0] !== 4) {
        throw new Error(`Member '${m.peerId}' has no 65-byte SEC1 P-256 public key.`);
      }
      if (ids.has(m.peerId)) throw new Error(`Member '${m.peerId}' is listed twice.`);
      ids.add(m.peerId);
      const k64 = toBase64(m.publicKey);
      if (keys.has(k64)) throw new Error(`Member '${m.peerId}' shares its key with another member.`);
      keys.add(k64);
    }
    const k = threshold ?? ConsortiumView.majorityOf(list.length);
    if (!Number.isSafeInteger(k) || k < 1 || k > list.length || k <= Math.floor(list.length / 2)) {
      throw new Error(`The threshold must be a majority of the ${list.length} members (${ConsortiumView.majorityOf(list.length)}..${list.length}).`);
    }
    const frozen = list.map((m) => ({ peerId: m.peerId, publicKey: m.publicKey.slice() }));
    const fingerprint = toHex(await sha256(canonicalBytes(k, frozen))).slice(0, 32);
    return new ConsortiumView(frozen, k, fingerprint);
  }

  /** The embedded deployment: one peer, threshold 1. */
  static single(peerId: string, publicKey: Bytes): Promise<ConsortiumView> {
    return ConsortiumView.create([{ peerId, publicKey }], 1);
  }

  /** From the endpoint's JSON; the fingerprint in it is ignored (recomputed). Throws an Error for an invalid one. */
  static fromJson(json: ConsortiumJson): Promise<ConsortiumView> {
    if (typeof json !== 'object' || json === null || !Array.isArray(json.members)) throw new Error('A consortium needs at least one member.');
    const members = json.members.map((m) => ({ peerId: m?.peerId, publicKey: fromBase64(m?.publicKey ?? '') }));
    return ConsortiumView.create(members, json.threshold);
  }

  toJson(): ConsortiumJson {
    return { threshold: this.threshold, fingerprint: this.fingerprint, members: this.members.map((m) => ({ peerId: m.peerId, publicKey: toBase64(m.publicKey) })) };
  }

  keyOf(peerId: string): Bytes | undefined {
    return this.members.find((m) => m.peerId === peerId)?.publicKey;
  }

  canonicalBytes(): Bytes {
    return canonicalBytes(this.threshold, this.members);
  }

  /** Distinct members whose certificate signature verifies over the header's bytes (or, without one, the first member whose key verifies its signature). Never throws. */
  async signers(h: BlockHeader): Promise<string[]> {
    const signers: string[] = [];
    const version = h.version ?? 1;
    if (version !== 1 && version !== 2) return signers;
    if (h.certificate && h.certificate.length > 0) {
      for (const s of h.certificate) {
        if (!s || typeof s.peerId !== 'string' || signers.includes(s.peerId)) continue;
        const key = this.keyOf(s.peerId);
        if (key && s.signature instanceof Uint8Array && (await verifyBlockHeader(h, key, s.signature))) signers.push(s.peerId);
      }
      return signers;
    }
    for (const m of this.members) {
      if (await verifyBlockHeader(h, m.publicKey)) {
        signers.push(m.peerId);
        break;
      }
    }
    return signers;
  }

  /** Null when the header is certified (≥ threshold distinct members signed it), otherwise the reason (the C# texts). */
  async verifyCertificate(h: BlockHeader): Promise<string | null> {
    const version = h.version ?? 1;
    if (version !== 1 && version !== 2) return `unknown block header version ${version}`;
    const n = (await this.signers(h)).length;
    if (n >= this.threshold) return null;
    return this.members.length === 1
      ? 'head signature does not verify with the peer key'
      : `the head carries valid signatures of ${n} distinct consortium members; ${this.threshold} of ${this.members.length} are needed`;
  }

  /** Same members, keys and threshold. */
  equals(other: ConsortiumView): boolean {
    return this.fingerprint === other.fingerprint && this.members.length === other.members.length
      && this.members.every((m, i) => m.peerId === other.members[i].peerId && constantTimeEqual(m.publicKey, other.members[i].publicKey));
  }
}

function canonicalBytes(threshold: number, members: readonly ConsortiumMember[]): Bytes {
  const w = new CanonicalWriter(CONSORTIUM_DOMAIN).int64(threshold).int64(members.length);
  for (const m of members) w.string(m.peerId).bytes(m.publicKey);
  return w.toBytes();
}
