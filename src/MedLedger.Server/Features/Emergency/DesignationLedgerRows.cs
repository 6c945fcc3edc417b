using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Emergency;

/// <summary>
/// A designation's row as the request checked it. The wrap (enc, wrapped key, reader key id) and the version are not
/// ledger material, so they live only here until the row is written. A withdrawal carries only the pair.
/// </summary>
public sealed record DesignationRows(Guid PatientId, Guid HospitalId, Guid? RecordId = null, int Version = 0, string? ReaderKeyId = null, byte[]? Enc = null, byte[]? WrappedKey = null);

/// <summary>Writes (replaces) the designation of a committed emergency.designate, or deletes it for a committed emergency.withdraw.</summary>
public sealed class DesignationLedgerRows(MedLedgerDbContext db) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [EmergencyDesignateContract.TypeName, EmergencyWithdrawContract.TypeName];

    public async Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<DesignationRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty designation rows");
        await db.Set<EmergencyDesignation>().Where(d => d.PatientId == r.PatientId && d.HospitalId == r.HospitalId).ExecuteDeleteAsync(ct);
        if (tx.Type == EmergencyDesignateContract.TypeName)
        {
            db.Set<EmergencyDesignation>().Add(new EmergencyDesignation
            {
                PatientId = r.PatientId, HospitalId = r.HospitalId, RecordId = r.RecordId ?? throw new InvalidOperationException("designation rows without a record"),
                Version = r.Version, ReaderKeyId = r.ReaderKeyId ?? "", Enc = r.Enc ?? [], WrappedKey = r.WrappedKey ?? [], TransactionId = tx.Id,
            });
            await db.SaveChangesAsync(ct);
        }
    }
}

/// <summary>`ledger verify`: the designation rows are exactly what the ledger's designate/withdraw sequence leaves, each naming its latest designate and record.</summary>
public sealed class DesignationLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [EmergencyDesignateContract.TypeName, EmergencyWithdrawContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var current = new Dictionary<(string Patient, string Hospital), LedgerTransaction>();
        foreach (var tx in committed)
        {
            var key = (tx.Get("patientId") ?? "", tx.Get("hospitalId") ?? "");
            if (tx.Type == EmergencyDesignateContract.TypeName)
            {
                current[key] = tx;
            }
            else
            {
                current.Remove(key);
            }
        }
        var rows = await db.Set<EmergencyDesignation>().AsNoTracking().ToListAsync(ct);
        foreach (var row in rows.OrderBy(r => r.PatientId).ThenBy(r => r.HospitalId))
        {
            var key = (row.PatientId.ToString(), row.HospitalId.ToString());
            if (!current.TryGetValue(key, out var tx))
            {
                findings.Add($"emergency designation of patient {row.PatientId} for hospital {row.HospitalId}: a row the ledger does not hold (ahead)");
            }
            else if (tx.Id != row.TransactionId || tx.Get("recordId") != row.RecordId.ToString())
            {
                findings.Add($"emergency designation of patient {row.PatientId} for hospital {row.HospitalId}: the row names {row.TransactionId} and record {row.RecordId}, the ledger's designation is {tx.Id} for record {tx.Get("recordId")}");
            }
        }
        var held = rows.Select(r => (r.PatientId.ToString(), r.HospitalId.ToString())).ToHashSet();
        foreach (var (key, tx) in current.Where(c => !held.Contains(c.Key)).OrderBy(c => c.Key))
        {
            findings.Add($"emergency designation of patient {key.Patient} for hospital {key.Hospital}: on the ledger ({tx.Id}) but no row (missing)");
        }
    }
}
