using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// The readable access log (web/src/sdk/accessLog.ts): the caller's ledger entries with repeated reads folded together.

/// <summary>
/// One line of the access log: a single transaction, or a reader's records.read transactions close together in time
/// (<see cref="Count"/> reads of <see cref="RecordCount"/> distinct records). Every transaction stays listed, so each
/// one's inclusion proof can still be checked (<see cref="MedLedgerClient.VerifyAccessLogEntryAsync"/>).
/// </summary>
public sealed record AccessLogEntry(string Type, string ActorId, long FirstMs, long LastMs, int Count, int RecordCount, IReadOnlyList<TransactionSummary> Transactions)
{
    /// <summary>Who the entry is about doing something: the reader for reads and refusals, otherwise the signer.</summary>
    public string Who => Transactions[0].Payload.GetValueOrDefault("readerId") ?? ActorId;
}

public static class AccessLog
{
    /// <summary>Reads by one reader at most this far apart are one visit (a doctor opening a patient's page reads every record).</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Folds valid records.read transactions by the same reader, each within <paramref name="window"/> of the reader's
    /// previous read, into one entry (others' events in between do not split a visit); everything else stays one entry
    /// per transaction. Newest first, by each entry's last transaction.
    /// </summary>
    public static IReadOnlyList<AccessLogEntry> Group(IEnumerable<TransactionSummary> entries, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var groups = new List<List<TransactionSummary>>();
        var openVisit = new Dictionary<string, List<TransactionSummary>>(StringComparer.Ordinal);
        foreach (var tx in entries.OrderBy(e => e.LogIndex))
        {
            if (tx.Type != RecordReadContract.TypeName || !tx.Valid || tx.Payload.GetValueOrDefault("readerId") is not { } reader)
            {
                groups.Add([tx]);
                continue;
            }
            if (openVisit.TryGetValue(reader, out var visit) && tx.TimestampMs - visit[^1].TimestampMs <= (long)window.TotalMilliseconds)
            {
                visit.Add(tx);
                continue;
            }
            visit = [tx];
            openVisit[reader] = visit;
            groups.Add(visit);
        }
        return groups
            .Select(g => new AccessLogEntry(g[0].Type, g[0].ActorId, g[0].TimestampMs, g[^1].TimestampMs, g.Count,
                g.Select(t => t.Payload.GetValueOrDefault("recordId")).Where(r => r is not null).Distinct(StringComparer.Ordinal).Count(), g))
            .OrderByDescending(e => e.Transactions[^1].LogIndex)
            .ToList();
    }
}

public sealed partial class MedLedgerClient
{
    /// <summary>The caller's access log, grouped (<see cref="AccessLog.Group"/>), from their newest <paramref name="limit"/> ledger entries.</summary>
    public async Task<IReadOnlyList<AccessLogEntry>> MyAccessLogAsync(int limit = 200, CancellationToken ct = default) =>
        AccessLog.Group(await MyLedgerEntriesAsync(limit, ct), AccessLog.DefaultWindow);

    /// <summary>
    /// Checks every transaction of an entry against the ledger: each receipt verifies against the pinned consortium and is
    /// exactly the transaction the entry shows (type, actor and payload), so the folded line proves what it says.
    /// </summary>
    public async Task VerifyAccessLogEntryAsync(AccessLogEntry entry, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        foreach (var shown in entry.Transactions)
        {
            var receipt = await ReceiptAsync(shown.Id, ct);
            if (await ReceiptErrorAsync(receipt, ct) is { } error)
            {
                throw new MedLedgerVerificationException($"The receipt of transaction {shown.Id} does not verify: {error}");
            }
            var tx = receipt.Transaction();
            if (tx.Id != shown.Id || tx.Type != shown.Type || tx.ActorId != shown.ActorId || shown.Payload.Any(p => tx.Get(p.Key) != p.Value) || tx.Payload.Count != shown.Payload.Count)
            {
                throw new MedLedgerVerificationException($"Transaction {shown.Id} on the ledger is not the one the access log shows.");
            }
        }
    }
}
