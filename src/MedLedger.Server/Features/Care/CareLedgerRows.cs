using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Care;

/// <summary>An assignment's row as the request decided it, so the row does not depend on which ids the payload names in clear.</summary>
public sealed record AssignmentRows(Guid PatientId, Guid DoctorId, Guid HospitalId, Guid StaffId, DateTimeOffset At);

/// <summary>Writes the row of a committed care.assign, or deletes it for a committed care.unassign (at once, or rolled forward after a crash).</summary>
public sealed class CareLedgerRows(MedLedgerDbContext db) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [CareAssignContract.TypeName, CareUnassignContract.TypeName];

    public async Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<AssignmentRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty assignment rows");
        var existing = await db.Set<CareAssignment>().FirstOrDefaultAsync(a => a.PatientId == r.PatientId && a.DoctorId == r.DoctorId, ct);
        if (tx.Type == CareUnassignContract.TypeName)
        {
            if (existing is not null)
            {
                db.Set<CareAssignment>().Remove(existing);
            }
        }
        else if (existing is null)
        {
            db.Set<CareAssignment>().Add(new CareAssignment { PatientId = r.PatientId, DoctorId = r.DoctorId, HospitalId = r.HospitalId, AssignedBy = r.StaffId, AssignedAt = r.At, TransactionId = tx.Id });
        }
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>`ledger verify`: the assignment rows are exactly the assignments the ledger's care.assign/unassign sequence leaves.</summary>
public sealed class CareLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [CareAssignContract.TypeName, CareUnassignContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var current = new Dictionary<(string Patient, string Doctor), string>();
        foreach (var tx in committed)
        {
            var key = (tx.Get("patientId") ?? "", tx.Get("doctorId") ?? "");
            if (tx.Type == CareAssignContract.TypeName)
            {
                current[key] = tx.Id;
            }
            else
            {
                current.Remove(key);
            }
        }
        var rows = await db.Set<CareAssignment>().AsNoTracking().ToListAsync(ct);
        foreach (var row in rows.OrderBy(r => r.PatientId).ThenBy(r => r.DoctorId))
        {
            var key = (row.PatientId.ToString(), row.DoctorId.ToString());
            if (!current.TryGetValue(key, out var txId))
            {
                findings.Add($"care assignment of doctor {row.DoctorId} to patient {row.PatientId}: a row the ledger does not hold (ahead)");
            }
            else if (txId != row.TransactionId)
            {
                findings.Add($"care assignment of doctor {row.DoctorId} to patient {row.PatientId}: the row names {row.TransactionId}, the ledger's assignment is {txId}");
            }
        }
        var held = rows.Select(r => (r.PatientId.ToString(), r.DoctorId.ToString())).ToHashSet();
        foreach (var (key, txId) in current.Where(c => !held.Contains(c.Key)).OrderBy(c => c.Key))
        {
            findings.Add($"care assignment of doctor {key.Doctor} to patient {key.Patient}: on the ledger ({txId}) but no row (missing)");
        }
    }
}
