using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Amendments;

/// <summary>What a request or a decision stores once its transaction commits (times are the request's).</summary>
public sealed record AmendmentRows(Guid RequestId, Guid RecordId, Guid PatientId, Guid AuthorId, int Version, DateTimeOffset At,
    SealedNoteDto? Note, int? ResolvedVersion);

/// <summary>Writes the row of a committed records.amend-request, or the decision of a committed records.amend-decide (at once, or rolled forward after a crash).</summary>
public sealed class AmendmentLedgerRows(MedLedgerDbContext db) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [AmendRequestContract.TypeName, AmendDecideContract.TypeName];

    public async Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<AmendmentRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty amendment rows");
        var existing = await db.Set<AmendmentRequest>().FirstOrDefaultAsync(x => x.Id == r.RequestId, ct);
        if (tx.Type == AmendRequestContract.TypeName)
        {
            if (existing is null)
            {
                db.Add(new AmendmentRequest
                {
                    Id = r.RequestId, RecordId = r.RecordId, PatientId = r.PatientId, AuthorId = r.AuthorId, Version = r.Version,
                    Status = AmendmentKeys.Open, RequestForPatient = r.Note!.ForPatient, RequestForAuthor = r.Note.ForAuthor,
                    RequestTransactionId = tx.Id, FiledAt = r.At,
                });
            }
        }
        else if (existing is not null)
        {
            existing.Status = tx.Get("decision")!;
            existing.ResolvedVersion = r.ResolvedVersion;
            existing.ReasonForPatient = r.Note?.ForPatient;
            existing.ReasonForAuthor = r.Note?.ForAuthor;
            existing.DecisionTransactionId = tx.Id;
            existing.DecidedAt = r.At;
        }
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>`ledger verify`: every request row stands for a committed records.amend-request and shows the ledger's decision.</summary>
public sealed class AmendmentLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [AmendRequestContract.TypeName, AmendDecideContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var onLedger = new Dictionary<string, (string RequestTx, string Status, string? DecisionTx)>(StringComparer.Ordinal);
        foreach (var tx in committed)
        {
            var id = tx.Get("requestId") ?? "";
            if (tx.Type == AmendRequestContract.TypeName)
            {
                onLedger[id] = (tx.Id, AmendmentKeys.Open, null);
            }
            else if (onLedger.TryGetValue(id, out var open))
            {
                onLedger[id] = (open.RequestTx, tx.Get("decision") ?? "", tx.Id);
            }
        }
        var rows = await db.Set<AmendmentRequest>().AsNoTracking().ToListAsync(ct);
        foreach (var row in rows.OrderBy(r => r.Id))
        {
            if (!onLedger.TryGetValue(row.Id.ToString(), out var l))
            {
                findings.Add($"amendment request {row.Id}: a row the ledger does not hold (ahead)");
            }
            else if (l.RequestTx != row.RequestTransactionId || l.Status != row.Status || l.DecisionTx != row.DecisionTransactionId)
            {
                findings.Add($"amendment request {row.Id}: the row says {row.Status} ({row.RequestTransactionId}, {row.DecisionTransactionId ?? "undecided"}), the ledger {l.Status} ({l.RequestTx}, {l.DecisionTx ?? "undecided"})");
            }
        }
        var held = rows.Select(r => r.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, l) in onLedger.Where(x => !held.Contains(x.Key)).OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            findings.Add($"amendment request {id}: on the ledger ({l.RequestTx}) but no row (missing)");
        }
    }
}
