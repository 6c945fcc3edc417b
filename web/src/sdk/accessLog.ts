// The readable access log (src/MedLedger.Client/AccessLogClient.cs): the caller's ledger entries with a reader's
// repeated reads folded into one entry. Every folded transaction stays listed so each keeps its inclusion proof.
import { myLedgerEntries, verifyLedgerEntry, type LedgerEntry } from './ledger';

/** Reads by one reader at most this far apart are one visit (AccessLog.DefaultWindow). */
export const VISIT_WINDOW_MS = 30 * 60 * 1000;

export interface AccessLogEntry {
  /** The transaction type of every transaction in the entry. */
  type: string;
  /** Who did it: the reader for reads and refusals, otherwise the signer. */
  who: string;
  firstMs: number;
  lastMs: number;
  /** How many transactions (reads) the entry stands for, and how many distinct records they touched. */
  count: number;
  recordCount: number;
  /** Oldest first. */
  transactions: LedgerEntry[];
}

function whoOf(e: LedgerEntry): string {
  return e.payload.readerId ?? e.actorId;
}

/**
 * AccessLog.Group: valid records.read entries by the same reader, each within `windowMs` of that reader's previous
 * read, become one entry (others' events in between do not split a visit); everything else stays one entry per
 * transaction. Newest first, by each entry's last transaction.
 */
export function groupAccessLog(entries: readonly LedgerEntry[], windowMs = VISIT_WINDOW_MS): AccessLogEntry[] {
  const groups: LedgerEntry[][] = [];
  const openVisit = new Map<string, LedgerEntry[]>();
  for (const tx of [...entries].sort((a, b) => a.logIndex - b.logIndex)) {
    const reader = tx.payload.readerId;
    if (tx.type !== 'records.read' || !tx.valid || !reader) {
      groups.push([tx]);
      continue;
    }
    const visit = openVisit.get(reader);
    if (visit && tx.timestampMs - visit[visit.length - 1]!.timestampMs <= windowMs) {
      visit.push(tx);
      continue;
    }
    const fresh = [tx];
    openVisit.set(reader, fresh);
    groups.push(fresh);
  }
  return groups
    .map((g) => {
      const first = g[0]!;
      const last = g[g.length - 1]!;
      const records = new Set(g.map((t) => t.payload.recordId).filter((r): r is string => !!r));
      return { type: first.type, who: whoOf(first), firstMs: first.timestampMs, lastMs: last.timestampMs, count: g.length, recordCount: records.size, transactions: g };
    })
    .sort((a, b) => b.transactions[b.transactions.length - 1]!.logIndex - a.transactions[a.transactions.length - 1]!.logIndex);
}

/** The caller's newest `limit` ledger entries, grouped. */
export async function myAccessLog(limit = 200, signal?: AbortSignal): Promise<AccessLogEntry[]> {
  return groupAccessLog(await myLedgerEntries(limit, undefined, signal));
}

/** True only when every transaction of the entry has a receipt that verifies here and shows exactly what the entry shows. */
export async function verifyAccessLogEntry(entry: AccessLogEntry, signal: AbortSignal): Promise<boolean> {
  const results = await Promise.all(entry.transactions.map((t) => verifyLedgerEntry(t, signal)));
  return results.every(Boolean);
}
