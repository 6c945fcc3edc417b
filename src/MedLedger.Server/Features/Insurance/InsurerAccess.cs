using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Errors;

namespace MedLedger.Server.Features.Insurance;

/// <summary>Who acts for an insurer: the policy admits verified insurer staff; the insurer itself must be verified too.</summary>
public sealed class InsurerAccess(OrganizationDirectory organizations)
{
    /// <summary>The caller's own insurer, or 403 when it is not (yet) a verified insurer.</summary>
    public async Task<Guid> RequireVerifiedInsurerAsync(Caller caller, CancellationToken ct)
    {
        var org = caller.OrganizationId is { } id ? await organizations.FindAsync(id, ct) : null;
        if (org is not { Kind: OrganizationKind.Insurer, Verification: VerificationStatus.Approved })
        {
            throw ProblemException.Forbidden("Only staff of a verified insurer can manage insurance plans.");
        }
        return org.Id;
    }
}
