using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Insurance;

/// <summary>Who a policy belongs to, as other features (claims) need it: ids and currency only.</summary>
public sealed record PolicyParties(Guid PolicyId, Guid PatientId, Guid InsurerOrganizationId, string Currency);

/// <summary>The read side other features use for policies: the parties of one, and whether its patient shared its card with someone.</summary>
public sealed class InsuredPolicies(MedLedgerDbContext db)
{
    public Task<PolicyParties?> FindAsync(Guid policyId, CancellationToken ct) =>
        db.Set<InsurancePolicy>().AsNoTracking().Where(p => p.Id == policyId)
            .Select(p => new PolicyParties(p.Id, p.PatientId, p.InsurerOrganizationId, p.Currency)).FirstOrDefaultAsync(ct);

    /// <summary>Did the policy's patient share its card with this professional (the eligibility share)?</summary>
    public Task<bool> IsSharedWithAsync(Guid policyId, Guid granteeId, CancellationToken ct) =>
        db.Set<InsurancePolicyShare>().AnyAsync(s => s.PolicyId == policyId && s.GranteeId == granteeId, ct);
}
