using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Care;

/// <summary>A registration's row as the request decided it (the registration time is the request's, not the commit's).</summary>
public sealed record RegistrationRows(Guid PatientId, Guid HospitalId, DateTimeOffset At);

/// <summary>Writes the row of a committed care.register, or deletes it for a committed care.withdraw (at once, or rolled forward after a crash).</summary>
public sealed class CareRegistrationLedgerRows(MedLedgerDbContext db) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [CareRegisterContract.TypeName, CareWithdrawContract.TypeName];

    public async Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<RegistrationRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty registration rows");
        var existing = await db.Set<CareRegistration>().FirstOrDefaultAsync(x => x.PatientId == r.PatientId && x.HospitalId == r.HospitalId, ct);
        if (tx.Type == CareWithdrawContract.TypeName)
        {
            if (existing is not null)
            {
                db.Set<CareRegistration>().Remove(existing);
            }
        }
        else if (existing is null)
        {
            db.Set<CareRegistration>().Add(new CareRegistration { PatientId = r.PatientId, HospitalId = r.HospitalId, RegisteredAt = r.At, TransactionId = tx.Id });
        }
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>`ledger verify`: the registration rows are exactly the registrations the ledger's care.register/withdraw sequence leaves.</summary>
public sealed class CareRegistrationLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [CareRegisterContract.TypeName, CareWithdrawContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var current = new Dictionary<(string Patient, string Hospital), string>();
        foreach (var tx in committed)
        {
            var key = (tx.Get("patientId") ?? "", tx.Get("hospitalId") ?? "");
            if (tx.Type == CareRegisterContract.TypeName)
            {
                current[key] = tx.Id;
            }
            else
            {
                current.Remove(key);
            }
        }
        var rows = await db.Set<CareRegistration>().AsNoTracking().ToListAsync(ct);
        foreach (var row in rows.OrderBy(r => r.PatientId).ThenBy(r => r.HospitalId))
        {
            var key = (row.PatientId.ToString(), row.HospitalId.ToString());
            if (!current.TryGetValue(key, out var txId))
            {
                findings.Add($"care registration of patient {row.PatientId} with hospital {row.HospitalId}: a row the ledger does not hold (ahead)");
            }
            else if (txId != row.TransactionId)
            {
                findings.Add($"care registration of patient {row.PatientId} with hospital {row.HospitalId}: the row names {row.TransactionId}, the ledger's registration is {txId}");
            }
        }
        var held = rows.Select(r => (r.PatientId.ToString(), r.HospitalId.ToString())).ToHashSet();
        foreach (var (key, txId) in current.Where(c => !held.Contains(c.Key)).OrderBy(c => c.Key))
        {
            findings.Add($"care registration of patient {key.Patient} with hospital {key.Hospital}: on the ledger ({txId}) but no row (missing)");
        }
    }
}
