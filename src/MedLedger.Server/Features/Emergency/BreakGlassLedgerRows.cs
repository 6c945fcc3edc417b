using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Emergency;

/// <summary>
/// A break-glass event as the request checked it. The reason code and its salt are not on the ledger (only their
/// commitment is), so they live only here until the event row is written.
/// </summary>
public sealed record BreakGlassRows(Guid EventId, Guid DoctorId, Guid PatientId, Guid HospitalId, string Reason, byte[] ReasonSalt, DateTimeOffset At);

/// <summary>Writes the event row (the admin's review queue, the patient's and doctor's lists) of a committed emergency.break-glass.</summary>
public sealed class BreakGlassLedgerRows(MedLedgerDbContext db) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [BreakGlassContract.TypeName];

    public async Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<BreakGlassRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty break-glass rows");
        db.Set<BreakGlassEvent>().Add(new BreakGlassEvent
        {
            Id = r.EventId, DoctorId = r.DoctorId, PatientId = r.PatientId, HospitalId = r.HospitalId,
            Reason = r.Reason, ReasonSalt = r.ReasonSalt, At = r.At, TransactionId = tx.Id,
        });
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>`ledger verify`: one event row per committed break-glass, naming its doctor, patient and hospital, whose reason and salt open the ledger's commitment.</summary>
public sealed class BreakGlassLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [BreakGlassContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var byId = committed.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var rows = await db.Set<BreakGlassEvent>().AsNoTracking().ToListAsync(ct);
        foreach (var row in rows.OrderBy(r => r.Id))
        {
            if (!byId.TryGetValue(row.TransactionId, out var tx))
            {
                findings.Add($"break-glass event {row.Id}: names {row.TransactionId}, which the ledger never committed (ahead)");
            }
            else if (tx.Get("doctorId") != row.DoctorId.ToString() || tx.Get("patientId") != row.PatientId.ToString() || tx.Get("hospitalId") != row.HospitalId.ToString())
            {
                findings.Add($"break-glass event {row.Id}: the row's doctor, patient or hospital differs from the ledger's ({tx.Id}) (different)");
            }
            else if (BreakGlassReasonCommitment.Compute(row.Reason, row.ReasonSalt) != tx.Get("reasonCommitment"))
            {
                findings.Add($"break-glass event {row.Id}: the row's reason does not open the ledger's commitment ({tx.Id}) (different hash)");
            }
        }
        var held = rows.Select(r => r.TransactionId).ToHashSet(StringComparer.Ordinal);
        foreach (var tx in committed.Where(t => !held.Contains(t.Id)))
        {
            findings.Add($"break-glass {tx.Id} by doctor {tx.Get("doctorId")} for patient {tx.Get("patientId")}: on the ledger but no event row (missing)");
        }
    }
}
