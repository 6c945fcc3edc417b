// The browser's own view of the ledger (src/MedLedger.Client/LedgerViewClient.cs is the C# SDK's; docs/ledger.md
// "Client view"): the consortium pinned for this site (or by the build), and the newest certified head this browser
// verified. Every other head
// must be proven consistent with it (RFC 6962) before it is accepted, so a server that shows this browser two
// histories is caught — and stays caught after a reload, because both live in IndexedDB.
import { constantTimeEqual, fromBase64, sha256, toHex, type Bytes } from '../crypto/bytes';
import { blockHeaderHash, ConsortiumHistory, ConsortiumView, decodeBlockHeader, replayChanges, verifyConsistency, type BlockHeader, type BlockHeaderJson, type ConsortiumChangeJson, type ConsortiumJson } from '../ledger';
import { api } from '../app/http';
import { VerificationError } from './verificationError';

/** The server showed a head that contradicts one this browser verified: both are signed by the peer, so it is a fork. */
export class LedgerForkError extends VerificationError {
  constructor(readonly remembered: BlockHeader, readonly presented: BlockHeader, readonly reason: string) {
    super(`LEDGER FORK: ${reason}. Remembered head: ${describeHead(remembered)}. Presented head: ${describeHead(presented)}. This server is no longer trusted.`);
    this.name = 'LedgerForkError';
  }
}

/** The server presents another peer key than the one this site pinned. */
export class PeerKeyChangedError extends VerificationError {
  constructor(readonly pinnedFingerprint: string, readonly presentedFingerprint: string) {
    super(`PEER KEY CHANGED: pinned ${pinnedFingerprint}, server presents ${presentedFingerprint}. Refusing this server; `
      + 'clear this site\'s data to re-pin only if the operator announced a new ledger.');
    this.name = 'PeerKeyChangedError';
  }
}

/**
 * The server presents another consortium (members, keys or threshold) than the one pinned, or than the one the pinned
 * genesis reaches by verified membership changes, or a change that does not verify (`reason`; ConsortiumChangedException).
 */
export class ConsortiumChangedError extends VerificationError {
  constructor(readonly pinnedFingerprint: string, readonly presentedFingerprint: string, readonly reason?: string) {
    super(reason
      ? `CONSORTIUM CHANGED: pinned ${pinnedFingerprint}, server presents ${presentedFingerprint}: ${reason}. Refusing this server.`
      : `CONSORTIUM CHANGED: pinned ${pinnedFingerprint}, server presents ${presentedFingerprint}. Refusing this server; `
        + 'clear this site\'s data to re-pin only if the consortium announced a change.');
    this.name = 'ConsortiumChangedError';
  }
}

/** Same text as LedgerForkException.Describe in the C# SDK, so both clients show a fork alike. */
export function describeHead(h: BlockHeader): string {
  return `size ${h.treeSize}, root ${toHex(h.rootHash)}, block ${h.height}`;
}

/** First 32 hex digits of SHA-256 over the peer's public key (MedLedgerClient.PeerFingerprint). */
export async function peerFingerprint(publicKey: Bytes): Promise<string> {
  return toHex(await sha256(publicKey)).slice(0, 32);
}

// ---------- storage: IndexedDB, with memory when the browser has none (private modes) ----------

interface StoredView {
  head: BlockHeaderJson;
  forkedHead?: BlockHeaderJson;
  forkReason?: string;
}

const DB_NAME = 'medledger-ledger';
const VIEWS = 'views';
const PINS = 'pins';
const PIN_KEY = 'peer';
const memory = new Map<string, unknown>();
let dbPromise: Promise<IDBDatabase | null> | null = null;

function db(): Promise<IDBDatabase | null> {
  dbPromise ??= new Promise((resolve) => {
    if (typeof indexedDB === 'undefined') return resolve(null);
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore(VIEWS);
      open.result.createObjectStore(PINS);
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => resolve(null);
  });
  return dbPromise;
}

async function read<T>(store: string, key: string): Promise<T | undefined> {
  const d = await db();
  if (!d) return memory.get(`${store}/${key}`) as T | undefined;
  return new Promise((resolve, reject) => {
    const req = d.transaction(store, 'readonly').objectStore(store).get(key);
    req.onsuccess = () => resolve(req.result as T | undefined);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB read failed'));
  });
}

/**
 * Writes `next` only if the stored value still equals `expected` (compared as JSON), in one IndexedDB transaction:
 * another tab may have moved the view meanwhile, and then the caller must check again against the newer head.
 */
async function writeIf<T>(store: string, key: string, expected: T | undefined, next: T): Promise<boolean> {
  const d = await db();
  const same = (a: unknown) => JSON.stringify(a) === JSON.stringify(expected);
  if (!d) {
    if (!same(memory.get(`${store}/${key}`))) return false;
    memory.set(`${store}/${key}`, next);
    return true;
  }
  return new Promise((resolve, reject) => {
    const tx = d.transaction(store, 'readwrite');
    const os = tx.objectStore(store);
    let written = false;
    const req = os.get(key);
    req.onsuccess = () => {
      if (same(req.result)) {
        os.put(next, key);
        written = true;
      }
    };
    tx.oncomplete = () => resolve(written);
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
  });
}

// ---------- the pinned consortium ----------

const CONSORTIUM_KEY = 'consortium';

/** VITE_LEDGER_CONSORTIUM: a consortium pinned by the build (JSON shaped like GET /api/ledger/consortium), or none. */
const BUILD_CONSORTIUM: string | undefined = import.meta.env.VITE_LEDGER_CONSORTIUM;

/** GET /api/ledger/consortium: the current view, the ledger's genesis (absent without one) and the changes since. */
interface ConsortiumAnswer extends ConsortiumJson {
  genesis?: ConsortiumJson | null;
  changes?: ConsortiumChangeJson[] | null;
}

/** Where the membership changes accepted since a pinned genesis are kept, next to the pin (keyed by its fingerprint). */
const changesKey = (genesisFingerprint: string) => `changes/${genesisFingerprint}`;

let pinned: Promise<{ genesis: ConsortiumView; history: ConsortiumHistory }> | null = null;

function invalid(e: unknown): VerificationError {
  return new VerificationError(`The server presents an invalid consortium: ${e instanceof Error ? e.message : String(e)}`);
}

/**
 * The consortium pinned for this site and the views reached from it: the build's pin, else the genesis pinned at first
 * contact (trust on first use, like the CLI's consortia.json: the ledger's genesis, or the current view on a ledger
 * without one), compared once per page load with the genesis /api/ledger/consortium presents; another one is refused
 * naming both fingerprints. A site pinned by an older version holds only the peer key: a consortium of one with that
 * key is the same trust (the pin moves over); anything else is a changed peer key. Then the membership changes the
 * server presents are followed (docs/ledger.md "Client view"): the ones accepted before (IndexedDB, re-verified) must
 * come first unchanged, each new one must verify (k distinct members' certified approvals), and the server's current
 * view must be the one they reach; otherwise a ConsortiumChangedError names both fingerprints and what failed.
 */
function pinnedHistory(): Promise<{ genesis: ConsortiumView; history: ConsortiumHistory }> {
  pinned ??= (async () => {
    const answer = await api.get<ConsortiumAnswer>('/api/ledger/consortium', { auth: false });
    const current = await ConsortiumView.fromJson(answer).catch((e: unknown) => { throw invalid(e); });
    const presented = answer.genesis ? await ConsortiumView.fromJson(answer.genesis).catch((e: unknown) => { throw invalid(e); }) : current;
    const genesis = await pinGenesis(presented);
    return { genesis, history: await followChanges(genesis, current, answer.changes ?? []) };
  })();
  pinned.catch((e: unknown) => {
    // A changed consortium stays refused for this page; a network failure may be retried.
    if (!(e instanceof VerificationError)) pinned = null;
  });
  return pinned;
}

/** The pinned genesis view (what the remembered head is kept under). */
export async function pinnedConsortium(): Promise<ConsortiumView> {
  return (await pinnedHistory()).genesis;
}

/** The consortium views this site accepts, from the pinned genesis on. */
export async function consortiumHistory(): Promise<ConsortiumHistory> {
  return (await pinnedHistory()).history;
}

/**
 * The view that judges a head at `height`. A head certified by none of the known views at or after the newest view's
 * first block may come after a change made since this page loaded: the server's consortium is read again once.
 */
export async function consortiumAt(height: number, certifies?: (view: ConsortiumView) => Promise<boolean>): Promise<ConsortiumView> {
  const history = await consortiumHistory();
  const view = history.viewAt(height);
  if (!certifies || height < history.views[history.views.length - 1].fromHeight || (await certifies(view))) return view;
  pinned = null;
  return (await consortiumHistory()).viewAt(height);
}

async function pinGenesis(presented: ConsortiumView): Promise<ConsortiumView> {
  if (BUILD_CONSORTIUM) {
    const built = await ConsortiumView.fromJson(JSON.parse(BUILD_CONSORTIUM) as ConsortiumJson);
    if (built.fingerprint !== presented.fingerprint) throw new ConsortiumChangedError(built.fingerprint, presented.fingerprint);
    return built;
  }
  for (;;) {
    const stored = await read<ConsortiumJson>(PINS, CONSORTIUM_KEY);
    if (stored !== undefined) {
      const view = await ConsortiumView.fromJson(stored);
      if (view.fingerprint !== presented.fingerprint) throw new ConsortiumChangedError(view.fingerprint, presented.fingerprint);
      return view;
    }
    const legacy = await read<string>(PINS, PIN_KEY);
    if (legacy !== undefined) {
      const key = fromBase64(legacy);
      const same = presented.members.length === 1 && constantTimeEqual(presented.members[0].publicKey, key);
      if (!same) throw new PeerKeyChangedError(await peerFingerprint(key), await peerFingerprint(presented.members[0].publicKey));
    }
    if (await writeIf<ConsortiumJson>(PINS, CONSORTIUM_KEY, undefined, presented.toJson())) return presented;
  }
}

/** The rules of FollowAsync in the C# SDK (MedLedgerClient.CheckConsortiumAsync), with its texts. */
async function followChanges(genesis: ConsortiumView, current: ConsortiumView, presented: ConsortiumChangeJson[]): Promise<ConsortiumHistory> {
  for (;;) {
    const accepted = (await read<ConsortiumChangeJson[]>(PINS, changesKey(genesis.fingerprint))) ?? [];
    const known = await replayChanges(genesis, accepted);
    if (known.reason !== null) {
      throw new VerificationError(`A remembered consortium change (to ${accepted[known.failed]?.fingerprint}) no longer verifies: ${known.reason}; this site's stored data was altered.`);
    }
    let history = known.history;
    if (Array.isArray(presented) && presented.length > accepted.length) {
      accepted.forEach((c, i) => {
        if (!presented[i] || presented[i].fingerprint !== c.fingerprint || presented[i].fromHeight !== c.fromHeight) {
          throw new ConsortiumChangedError(history.current.fingerprint, current.fingerprint,
            `the server's membership change ${i + 1} is not the one this client accepted (to ${c.fingerprint} from block ${c.fromHeight})`);
        }
      });
      const next = [...accepted, ...presented.slice(accepted.length)];
      const replayed = await replayChanges(genesis, next);
      if (replayed.reason !== null) {
        const refused = next[replayed.failed];
        throw new ConsortiumChangedError(replayed.history.views[replayed.failed].view.fingerprint, refused?.fingerprint ?? '(none)',
          `its membership change to ${refused?.fingerprint} from block ${refused?.fromHeight} does not verify: ${replayed.reason}`);
      }
      // Another tab may have accepted changes meanwhile: then check again against what it stored.
      if (!(await writeIf<ConsortiumChangeJson[] | undefined>(PINS, changesKey(genesis.fingerprint), accepted.length ? accepted : undefined, next))) continue;
      history = replayed.history;
    }
    if (current.fingerprint !== history.current.fingerprint) {
      throw new ConsortiumChangedError(history.current.fingerprint, current.fingerprint,
        `the presented consortium is not reachable from the pinned one by the ${history.views.length - 1} verified membership change(s)`);
    }
    return history;
  }
}

// ---------- the remembered head ----------

let fork: LedgerForkError | null = null;
let queue: Promise<unknown> = Promise.resolve();
// Heads (size:root) already proven to be prefixes of the view: the view only grows, so they stay proven.
const proven = new Set<string>();
// Tree size of the remembered head (0 before the first), sent as Ledger-View-Size so record answers can carry the
// consistency proofs this page would otherwise fetch one by one (docs/ledger.md "Client view").
let viewSize = 0;

/** The Ledger-View-Size header for a request whose answer holds receipts (none before a head is remembered). */
export function viewSizeHeaders(): Record<string, string> | undefined {
  return viewSize > 0 ? { 'Ledger-View-Size': String(viewSize) } : undefined;
}

/**
 * Accepts a head whose certificate is checked here against the consortium view at its height: the same size must have the same root,
 * a larger one must be proven to extend the remembered head and becomes the view, a smaller one must be proven to be
 * its prefix. Checks run one at a time per page. `signatureChecked`: the caller already verified the head's certificate
 * against the pinned consortium (a receipt's head), so it is not verified twice on every receipt.
 */
export function acceptHead(head: BlockHeaderJson, signatureChecked = false, proofs?: ConsistencyProofJson[] | null): Promise<void> {
  const run = queue.then(() => accept(head, signatureChecked, proofs ?? undefined));
  queue = run.catch(() => undefined);
  return run;
}

/** GET /api/ledger/head, checked like any receipt's head (sign-in does this, so a fork is seen before anything else). */
export async function verifyCurrentHead(token?: string): Promise<void> {
  await acceptHead(await api.get<BlockHeaderJson>('/api/ledger/head', token ? { token } : undefined));
}

async function decodeSigned(json: BlockHeaderJson, what: string): Promise<BlockHeader> {
  const h = decodeBlockHeader(json);
  const error = h ? await (await consortiumAt(h.height, async (v) => (await v.verifyCertificate(h)) === null)).verifyCertificate(h) : 'it is malformed';
  if (!h || error) throw new VerificationError(`The ${what} is not certified by the pinned consortium: ${error}`);
  return h;
}

function provenKey(h: BlockHeader): string {
  return `${h.treeSize}:${toHex(h.rootHash)}`;
}

async function accept(json: BlockHeaderJson, signatureChecked: boolean, proofs: ConsistencyProofJson[] | undefined): Promise<void> {
  if (fork) throw fork;
  const consortium = await pinnedConsortium();
  const decoded = signatureChecked ? decodeBlockHeader(json) : null;
  const head = decoded ?? (await decodeSigned(json, 'ledger head'));
  if (proven.has(provenKey(head))) return;
  // Views are kept per consortium; a consortium of one also finds a view stored by an older version under the peer key.
  const fp = consortium.fingerprint;
  if (consortium.members.length === 1 && (await read<StoredView>(VIEWS, fp)) === undefined) {
    const legacy = await read<StoredView>(VIEWS, await peerFingerprint(consortium.members[0].publicKey));
    if (legacy) await writeIf<StoredView>(VIEWS, fp, undefined, legacy);
  }
  for (;;) {
    const view = await read<StoredView>(VIEWS, fp);
    if (!view) {
      if (await writeIf<StoredView>(VIEWS, fp, undefined, { head: json })) {
        viewSize = head.treeSize;
        return;
      }
      continue;
    }
    const remembered = await decodeSigned(view.head, 'remembered ledger head (this site\'s stored data was altered)');
    viewSize = Math.max(viewSize, remembered.treeSize);
    if (view.forkedHead) {
      const forked = decodeBlockHeader(view.forkedHead) ?? remembered;
      throw (fork = new LedgerForkError(remembered, forked, view.forkReason ?? 'a fork was recorded earlier'));
    }
    const reason = await forkReason(remembered, head, proofs);
    if (reason) {
      fork = new LedgerForkError(remembered, head, reason);
      await writeIf<StoredView>(VIEWS, fp, view, { ...view, forkedHead: json, forkReason: reason }).catch(() => false);
      throw fork;
    }
    if (head.treeSize <= remembered.treeSize) {
      proven.add(provenKey(head));
      return;
    }
    if (await writeIf<StoredView>(VIEWS, fp, view, { head: json })) {
      viewSize = Math.max(viewSize, head.treeSize);
      proven.add(provenKey(remembered));
      proven.add(provenKey(head));
      return;
    }
  }
}

export interface ConsistencyProofJson {
  oldSize?: number;
  newSize?: number;
  proof: string[] | null;
}

/** Null when both heads can be true of one log (the rules of ForkReasonAsync in the C# SDK). */
async function forkReason(remembered: BlockHeader, head: BlockHeader, proofs?: ConsistencyProofJson[]): Promise<string | null> {
  if (head.height === remembered.height && !constantTimeEqual(await blockHeaderHash(head), await blockHeaderHash(remembered))) {
    return `two different signed headers at block ${head.height}`;
  }
  // The chain moves from v1 to v2 headers once, never back (docs/ledger.md).
  const [lower, higher] = head.height < remembered.height ? [head, remembered] : [remembered, head];
  if ((lower.version ?? 1) > (higher.version ?? 1)) {
    return `a v${higher.version ?? 1} header at block ${higher.height} after a v${lower.version ?? 1} header at block ${lower.height}`;
  }
  if (head.treeSize === remembered.treeSize) {
    return constantTimeEqual(head.rootHash, remembered.rootHash) ? null : `two different roots at size ${head.treeSize}`;
  }
  const [older, newer] = head.treeSize < remembered.treeSize ? [head, remembered] : [remembered, head];
  if (older.height >= newer.height) return 'a larger tree at a block height that is not higher';
  let proof: Bytes[];
  // A proof sent with the answer is used only if it connects exactly these two sizes; it is checked like a fetched one.
  const sent = proofs?.find((p) => p.oldSize === older.treeSize && p.newSize === newer.treeSize && p.proof);
  if (sent) {
    proof = sent.proof!.map(fromBase64);
  } else try {
    const r = await api.get<ConsistencyProofJson>(`/api/ledger/consistency?from=${older.treeSize}&to=${newer.treeSize}`, { auth: false });
    proof = (r.proof ?? []).map(fromBase64);
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return `the server would not prove size ${older.treeSize} consistent with size ${newer.treeSize} (${(e as Error).message})`;
    }
    throw e;
  }
  // The proof's own roots are only the server's claim; the signed heads' roots are what it must connect.
  return (await verifyConsistency(older.treeSize, newer.treeSize, older.rootHash, newer.rootHash, proof))
    ? null
    : `the consistency proof from size ${older.treeSize} to size ${newer.treeSize} does not verify`;
}
