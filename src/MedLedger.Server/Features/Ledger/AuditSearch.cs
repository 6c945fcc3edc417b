using System.Globalization;
using System.Text.RegularExpressions;
using MedLedger.Ledger;
using MedLedger.Ledger.Store;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.Http;

namespace MedLedger.Server.Features.Ledger;

/// <summary>What an admin searches the ledger for; every part optional. Times are ISO 8601, from inclusive, to exclusive.</summary>
public sealed record AuditQuery(Guid? Actor, Guid? Subject, string? Type, DateTimeOffset? From, DateTimeOffset? To, bool? Valid);

/// <summary>
/// The admin's audit search over the ledger (issue 19 item 3): by actor, subject, transaction type, validity and time, newest
/// first, in pages or as a CSV export. What it shows is what the ledger holds — ids, hashes, counts, amounts — never content.
/// </summary>
public sealed partial class AuditSearch(LedgerGateway gateway)
{
    /// <summary>The most rows one CSV export carries; narrow the filters for more.</summary>
    public const int MaxExportRows = 10_000;

    [GeneratedRegex("^[a-z][a-z0-9.-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();

    public async Task<IReadOnlyList<TransactionSummary>> SearchAsync(AuditQuery q, long? before, int? limit, CancellationToken ct)
    {
        var take = limit ?? 50;
        var filter = Filter(q, v => v.Require(take is >= 1 and <= 500, "limit", "limit must be between 1 and 500."));
        var rows = await gateway.Peer.Queries.SearchTransactionsAsync(filter, before, take, ct);
        return rows.Select(Summary).ToList();
    }

    /// <summary>The newest <see cref="MaxExportRows"/> matches as CSV: log index, block, signed time (UTC), type, actor, validity, reason, id and payload.</summary>
    public async Task<byte[]> CsvAsync(AuditQuery q, CancellationToken ct)
    {
        var filter = Filter(q, _ => { });
        var rows = await gateway.Peer.Queries.SearchTransactionsAsync(filter, null, MaxExportRows, ct);
        var csv = new CsvTable("log_index", "block", "time_utc", "type", "actor", "valid", "reason", "transaction_id", "payload");
        foreach (var s in rows.Select(Summary))
        {
            csv.Row(s.LogIndex.ToString(CultureInfo.InvariantCulture), s.BlockHeight.ToString(CultureInfo.InvariantCulture),
                DateTimeOffset.FromUnixTimeMilliseconds(s.TimestampMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                CsvTable.Text(s.Type), CsvTable.Text(s.ActorId), s.Valid ? "true" : "false", CsvTable.Text(s.Reason ?? ""), s.Id,
                CsvTable.Text(string.Join("; ", s.Payload.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))));
        }
        return csv.ToUtf8();
    }

    private static TransactionFilter Filter(AuditQuery q, Action<Validator> more)
    {
        var v = new Validator();
        v.Require(q.Type is null || TypeName().IsMatch(q.Type), "type", "type is a transaction type such as records.write.");
        v.Require(q.From is null || q.To is null || q.To > q.From, "to", "to must be after from.");
        more(v);
        v.ThrowIfInvalid();
        return new TransactionFilter(q.Actor?.ToString(), q.Subject?.ToString(), q.Type, q.From?.ToUnixTimeMilliseconds(), q.To?.ToUnixTimeMilliseconds(), q.Valid);
    }

    internal static TransactionSummary Summary(StoredTransaction r) => new(r.Id, r.Transaction.Type, r.Transaction.ActorId, r.Transaction.TimestampMs, r.Valid, r.Reason,
        r.LogIndex, r.BlockHeight, r.Transaction.Payload);
}
