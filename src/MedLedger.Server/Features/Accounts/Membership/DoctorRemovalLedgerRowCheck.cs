using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Accounts;

/// <summary>
/// `ledger verify`: a doctor the ledger removed from a hospital no longer belongs to it in the account rows (the key
/// and shares of the same transaction are the Emergency feature's check). A removed doctor has no way back in.
/// </summary>
public sealed class DoctorRemovalLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [HospitalRemoveDoctorContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var removed = committed.Select(t => (Hospital: t.Get("hospitalId") ?? "", Doctor: t.Get("doctorId") ?? "", t.Id)).ToList();
        var doctorIds = removed.Select(r => Guid.TryParse(r.Doctor, out var d) ? d : Guid.Empty).Distinct().ToList();
        var members = (await db.Users.AsNoTracking().Where(u => doctorIds.Contains(u.Id) && u.OrganizationId != null)
            .Select(u => new { u.Id, u.OrganizationId }).ToListAsync(ct)).ToDictionary(u => u.Id.ToString(), u => u.OrganizationId.ToString(), StringComparer.Ordinal);
        foreach (var (hospital, doctor, txId) in removed)
        {
            if (members.TryGetValue(doctor, out var org) && org == hospital)
            {
                findings.Add($"doctor {doctor}: still a member of hospital {hospital}, which removed them on the ledger ({txId}) (behind)");
            }
        }
    }
}
