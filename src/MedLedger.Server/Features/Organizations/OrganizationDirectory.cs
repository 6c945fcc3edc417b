using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Organizations;

/// <summary>The Organizations feature's read side for other features (they never read the organizations table themselves).</summary>
public sealed class OrganizationDirectory(MedLedgerDbContext db)
{
    public async Task<OrganizationResponse?> FindAsync(Guid id, CancellationToken ct)
    {
        var o = await db.Organizations.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        return o is null ? null : OrganizationService.ToResponse(o);
    }

    /// <summary>
    /// The organization if the caller may see it: verified organizations are public directory entries; others only
    /// to their own members and platform admins (anyone else gets null, the same as for an unknown id).
    /// </summary>
    public async Task<OrganizationResponse?> VisibleAsync(Guid id, OrganizationKind? kind, Guid? callerOrg, Role? callerRole, CancellationToken ct)
    {
        var o = await FindAsync(id, ct);
        return o is null || (kind is { } k && o.Kind != k)
            || (o.Verification != VerificationStatus.Approved && callerOrg != id && callerRole != Role.PlatformAdmin)
            ? null
            : o;
    }

    public Task<OrganizationKind?> KindOfAsync(Guid id, CancellationToken ct) =>
        db.Organizations.AsNoTracking().Where(o => o.Id == id).Select(o => (OrganizationKind?)o.Kind).FirstOrDefaultAsync(ct);

    public Task<OrganizationVerification?> VerificationAsync(Guid id, CancellationToken ct) =>
        db.Organizations.AsNoTracking().Where(o => o.Id == id).Select(o => new OrganizationVerification(o.Verification, o.VerificationReason)).FirstOrDefaultAsync(ct);

    public async Task<string> NameOfAsync(Guid id, CancellationToken ct) =>
        await db.Organizations.AsNoTracking().Where(o => o.Id == id).Select(o => o.Name).FirstOrDefaultAsync(ct) ?? "";

    public Task<Dictionary<Guid, string>> NamesAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct) =>
        db.Organizations.AsNoTracking().Where(o => ids.Contains(o.Id)).Select(o => new { o.Id, o.Name }).ToDictionaryAsync(o => o.Id, o => o.Name, ct);

    /// <summary>
    /// Organizations that are offered (search, pickers) as a composable query, filtered and joined in SQL by the caller (e.g. by
    /// a bounding box). A suspended organization is not offered.
    /// </summary>
    public IQueryable<OrganizationPlace> Places() =>
        db.Organizations.AsNoTracking().Where(o => !o.Suspended).Select(o => new OrganizationPlace
        {
            Id = o.Id, Kind = o.Kind, Verification = o.Verification, Name = o.Name, Address = o.Address, RegistrationNumber = o.RegistrationNumber, Latitude = o.Latitude, Longitude = o.Longitude,
            Suspended = o.Suspended,
        });

    /// <summary>
    /// Refuses new work (a booking, an order, an application, a claim) with a suspended organization: 409. What exists stays
    /// readable through the usual checks; only new work stops.
    /// </summary>
    public async Task RequireNotSuspendedAsync(Guid id, string newWork, CancellationToken ct)
    {
        if (await db.Organizations.AsNoTracking().AnyAsync(o => o.Id == id && o.Suspended, ct))
        {
            throw ProblemException.Conflict($"This organization is suspended by the platform admin and takes no new {newWork}; what it already holds stays readable.");
        }
    }
}
