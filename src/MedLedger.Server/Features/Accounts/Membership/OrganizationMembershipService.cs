using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Accounts;

/// <summary>Changes to which organization an account belongs to (the account rows are this feature's).</summary>
public sealed class OrganizationMembershipService(MedLedgerDbContext db)
{
    /// <summary>
    /// Detaches a doctor from their hospital. Roles and claims are read per request, so the doctor's sessions lose the
    /// hospital at once; the account itself stays. The removal itself is on the ledger (hospital.remove-doctor), and this
    /// runs once it committed (also when rolled forward), so a doctor already gone is not an error.
    /// </summary>
    public Task RemoveDoctorAsync(Guid hospitalId, Guid doctorId, CancellationToken ct) =>
        db.Users.Where(u => u.Id == doctorId && u.Role == Role.Doctor && u.OrganizationId == hospitalId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.OrganizationId, (Guid?)null).SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid()), ct);
}
