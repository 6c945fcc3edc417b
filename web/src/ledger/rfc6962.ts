import { concatBytes, constantTimeEqual, sha256, type Bytes } from '../crypto/bytes';

/**
 * RFC 6962 / RFC 9162 Merkle proofs (src/MedLedger.Ledger/Rfc6962.cs): leaf = SHA-256(0x00 || data),
 * node = SHA-256(0x01 || left || right). Verifiers return false, never throw, for anything malformed:
 * their input comes from the network. Indices and sizes are bigint internally so every int64 is exact.
 */
const HASH_SIZE = 32;

export function leafHash(leafData: Bytes): Promise<Bytes> {
  return sha256(concatBytes(Uint8Array.of(0x00), leafData));
}

export function nodeHash(left: Bytes, right: Bytes): Promise<Bytes> {
  return sha256(concatBytes(Uint8Array.of(0x01), left, right));
}

/** MTH({}) = SHA-256 of the empty string. */
export function emptyRoot(): Promise<Bytes> {
  return sha256(new Uint8Array(0));
}

function isHash(h: unknown): h is Bytes {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

const INT64_MAX = (1n << 63n) - 1n;

/** A long as the C# API takes it; anything else (fraction, NaN, out of range) is malformed. */
function toInt64(n: unknown): bigint | null {
  if (typeof n === 'bigint') return n >= -(1n << 63n) && n <= INT64_MAX ? n : null;
  if (typeof n === 'number' && Number.isSafeInteger(n)) return BigInt(n);
  return null;
}

/** RFC 9162 section 2.1.3.2. */
export async function verifyInclusion(
  leaf: Bytes, index: number | bigint, treeSize: number | bigint, proof: readonly Bytes[], root: Bytes,
): Promise<boolean> {
  try {
    const idx = toInt64(index);
    const size = toInt64(treeSize);
    if (!isHash(leaf) || !isHash(root) || !Array.isArray(proof) || idx === null || size === null || idx < 0n || idx >= size) return false;
    let fn = idx;
    let sn = size - 1n;
    let r: Bytes = leaf;
    for (const p of proof) {
      if (!isHash(p) || sn === 0n) return false;
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    return sn === 0n && constantTimeEqual(r, root);
  } catch {
    return false;
  }
}

function isPow2(n: bigint): boolean {
  return n > 0n && (n & (n - 1n)) === 0n;
}

/**
 * RFC 9162 section 2.1.4.2 plus the C2SP rule for size 0 (docs/ledger.md): the empty tree is consistent with
 * every tree, but only with an empty proof and only when the old root really is MTH({}).
 */
export async function verifyConsistency(
  oldSize: number | bigint, newSize: number | bigint, oldRoot: Bytes, newRoot: Bytes, proof: readonly Bytes[],
): Promise<boolean> {
  try {
    const m = toInt64(oldSize);
    const n = toInt64(newSize);
    if (!isHash(oldRoot) || !isHash(newRoot) || !Array.isArray(proof) || m === null || n === null || m < 0n || n < m) return false;
    if (!proof.every(isHash)) return false;
    if (m === 0n) {
      const empty = await emptyRoot();
      return proof.length === 0 && constantTimeEqual(oldRoot, empty) && (n !== 0n || constantTimeEqual(newRoot, empty));
    }
    if (m === n) return proof.length === 0 && constantTimeEqual(oldRoot, newRoot);
    if (proof.length === 0) return false;
    const path: Bytes[] = isPow2(m) ? [oldRoot, ...proof] : [...proof];
    let fn = m - 1n;
    let sn = n - 1n;
    while ((fn & 1n) === 1n) {
      fn >>= 1n;
      sn >>= 1n;
    }
    let fr = path[0]!;
    let sr = path[0]!;
    for (let i = 1; i < path.length; i++) {
      const c = path[i]!;
      if (sn === 0n) return false;
      if ((fn & 1n) === 1n || fn === sn) {
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    return sn === 0n && constantTimeEqual(fr, oldRoot) && constantTimeEqual(sr, newRoot);
  } catch {
    return false;
  }
}

/** MTH over a list of leaf hashes (RFC 6962 section 2.1), for clients that hold a small tree. */
export async function rootHash(leafHashes: readonly Bytes[]): Promise<Bytes> {
  if (leafHashes.length === 0) return emptyRoot();
  if (leafHashes.length === 1) return leafHashes[0]!;
  let k = 1;
  while (k * 2 < leafHashes.length) k *= 2;
  return nodeHash(await rootHash(leafHashes.slice(0, k)), await rootHash(leafHashes.slice(k)));
}
