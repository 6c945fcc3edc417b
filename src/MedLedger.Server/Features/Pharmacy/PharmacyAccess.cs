using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Errors;

namespace MedLedger.Server.Features.Pharmacy;

/// <summary>
/// Who may see or manage a pharmacy: a verified pharmacy is a public directory entry (unverified ones only to their
/// members, others get 404); only its own verified pharmacists (the policy checks verification) manage its stock.
/// </summary>
public sealed class PharmacyAccess(OrganizationDirectory organizations)
{
    public async Task<OrganizationResponse> RequireVisibleAsync(Guid pharmacyId, Caller caller, CancellationToken ct) =>
        await organizations.VisibleAsync(pharmacyId, OrganizationKind.Pharmacy, caller.OrganizationId, caller.Role, ct)
            ?? throw ProblemException.NotFound($"Pharmacy {pharmacyId}");

    /// <summary>A suspended pharmacy takes no new orders (409).</summary>
    public Task RequireNotSuspendedAsync(Guid pharmacyId, CancellationToken ct) => organizations.RequireNotSuspendedAsync(pharmacyId, "orders", ct);

    /// <summary>The caller's own pharmacy, or 403 before anything about another pharmacy is read.</summary>
    public async Task<OrganizationResponse> RequireOwnAsync(Guid pharmacyId, Caller caller, CancellationToken ct)
    {
        if (caller.OrganizationId != pharmacyId)
        {
            throw ProblemException.Forbidden("You can only manage your own pharmacy's catalogue and stock.");
        }
        return await RequireVisibleAsync(pharmacyId, caller, ct);
    }
}
