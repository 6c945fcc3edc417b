using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Emergency;

/// <summary>
/// A key publication's rows as the request checked them. The doctors' sealed shares of the private key are not ledger
/// material, so they live only here until the rows are written; a removal also names the doctor who leaves.
/// </summary>
public sealed record HospitalKeyRows(Guid HospitalId, byte[] PublicKey, IReadOnlyList<KeyShareDto> Shares, Guid StaffId, DateTimeOffset At, Guid? RemovedDoctorId = null);

/// <summary>Stores the key and shares of a committed emergency.hospital-key or hospital.remove-doctor (and detaches the removed doctor).</summary>
public sealed class HospitalKeyLedgerRows(HospitalEmergencyKeyService keys) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [HospitalEmergencyKeyContract.TypeName, HospitalRemoveDoctorContract.TypeName];

    public Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<HospitalKeyRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty hospital key rows");
        return keys.StoreAsync(r, ct);
    }
}

/// <summary>
/// `ledger verify`: each hospital's emergency key row holds the key its newest publication or removal anchored, and no
/// doctor the ledger removed from a hospital still holds a share of its key.
/// </summary>
public sealed class HospitalKeyLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [HospitalEmergencyKeyContract.TypeName, HospitalRemoveDoctorContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var current = new Dictionary<string, LedgerTransaction>(StringComparer.Ordinal);
        var removed = new Dictionary<(string Hospital, string Doctor), string>();
        foreach (var tx in committed)
        {
            current[tx.Get("hospitalId") ?? ""] = tx;
            if (tx.Type == HospitalRemoveDoctorContract.TypeName)
            {
                removed[(tx.Get("hospitalId") ?? "", tx.Get("doctorId") ?? "")] = tx.Id;
            }
        }
        var rows = await db.Set<HospitalEmergencyKey>().AsNoTracking().Select(r => new { r.HospitalId, r.PublicKey }).ToListAsync(ct);
        AnchoredKeyRows.Compare("emergency key of hospital", current, rows.Select(r => (r.HospitalId, r.PublicKey)), findings);
        var shares = await db.Set<EmergencyKeyShare>().AsNoTracking().Select(s => new { s.HospitalId, s.DoctorId }).ToListAsync(ct);
        foreach (var s in shares.OrderBy(s => s.HospitalId).ThenBy(s => s.DoctorId))
        {
            if (removed.TryGetValue((s.HospitalId.ToString(), s.DoctorId.ToString()), out var txId))
            {
                findings.Add($"emergency key share of doctor {s.DoctorId} at hospital {s.HospitalId}: the ledger removed the doctor ({txId}) (ahead)");
            }
        }
    }
}
