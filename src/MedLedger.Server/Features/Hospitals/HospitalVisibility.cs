using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Errors;

namespace MedLedger.Server.Features.Hospitals;

/// <summary>
/// Who may see a hospital: a verified hospital is public; an unverified one only its own members and admins
/// (everyone else gets 404, no oracle). Every hospital endpoint and the live beds hub ask here first.
/// </summary>
public sealed class HospitalVisibility(OrganizationDirectory organizations)
{
    public async Task<OrganizationResponse> RequireVisibleAsync(Guid id, Guid? callerOrg, Role? callerRole, CancellationToken ct) =>
        await organizations.VisibleAsync(id, OrganizationKind.Hospital, callerOrg, callerRole, ct) ?? throw ProblemException.NotFound($"Hospital {id}");

    /// <summary>A suspended hospital takes no new bookings (409).</summary>
    public Task RequireNotSuspendedAsync(Guid id, CancellationToken ct) => organizations.RequireNotSuspendedAsync(id, "bookings", ct);

    public static void RequireOwnHospital(Guid hospitalId, Guid? callerOrg)
    {
        if (callerOrg != hospitalId)
        {
            throw ProblemException.Forbidden("You can only manage your own hospital.");
        }
    }
}
