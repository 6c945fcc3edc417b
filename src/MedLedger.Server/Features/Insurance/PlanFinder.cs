using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Insurance;

/// <summary>
/// Anyone signed in browses plans: open plans of verified insurers are public product terms. An insurer's own staff
/// also see its withdrawn plans (and all of them before the insurer is verified); nobody else does.
/// </summary>
public sealed class PlanFinder(MedLedgerDbContext db, OrganizationDirectory organizations)
{
    public async Task<IReadOnlyList<PlanResponse>> ListAsync(Caller caller, Guid? insurerId, CancellationToken ct)
    {
        var verifiedInsurers = organizations.Places().Where(o => o.Kind == OrganizationKind.Insurer && o.Verification == VerificationStatus.Approved).Select(o => o.Id);
        var own = caller.OrganizationId;
        var q = db.Set<InsurancePlan>().AsNoTracking()
            .Where(p => p.InsurerOrganizationId == own || (p.Status == PlanStatus.Open && verifiedInsurers.Contains(p.InsurerOrganizationId)));
        if (insurerId is { } i)
        {
            q = q.Where(p => p.InsurerOrganizationId == i);
        }
        var plans = await q.OrderBy(p => p.Name).ThenBy(p => p.Id).Take(500).ToListAsync(ct);
        return await ToResponsesAsync(plans, ct);
    }

    public async Task<PlanResponse> GetAsync(Caller caller, Guid planId, CancellationToken ct)
    {
        var plan = await db.Set<InsurancePlan>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == planId, ct);
        var visible = plan is not null && (plan.InsurerOrganizationId == caller.OrganizationId
            || (plan.Status == PlanStatus.Open && await organizations.VisibleAsync(plan.InsurerOrganizationId, OrganizationKind.Insurer, null, null, ct) is not null));
        return visible ? (await ToResponsesAsync([plan!], ct))[0] : throw ProblemException.NotFound($"Plan {planId}");
    }

    /// <summary>A plan the caller just wrote, as it now stands (no visibility check: its own insurer always sees it).</summary>
    internal async Task<PlanResponse> DescribeAsync(InsurancePlan plan, CancellationToken ct) => (await ToResponsesAsync([plan], ct))[0];

    /// <summary>A plan and its benefits as stored now (no visibility check: callers check who may act on it).</summary>
    internal async Task<(InsurancePlan Plan, IReadOnlyList<InsurancePlanBenefit> Benefits)?> RawAsync(Guid planId, CancellationToken ct)
    {
        var plan = await db.Set<InsurancePlan>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == planId, ct);
        return plan is null ? null : (plan, await db.Set<InsurancePlanBenefit>().AsNoTracking().Where(b => b.PlanId == planId).ToListAsync(ct));
    }

    private async Task<IReadOnlyList<PlanResponse>> ToResponsesAsync(IReadOnlyList<InsurancePlan> plans, CancellationToken ct)
    {
        var ids = plans.Select(p => p.Id).ToList();
        var benefits = (await db.Set<InsurancePlanBenefit>().AsNoTracking().Where(b => ids.Contains(b.PlanId)).ToListAsync(ct))
            .ToLookup(b => b.PlanId);
        var names = await organizations.NamesAsync(plans.Select(p => p.InsurerOrganizationId).Distinct().ToList(), ct);
        return plans.Select(p => new PlanResponse(p.Id, p.InsurerOrganizationId, names.GetValueOrDefault(p.InsurerOrganizationId, ""), p.Name, p.Description, p.Currency,
            p.PremiumMinor, p.PremiumPeriod, p.AnnualLimitMinor, p.DependantsAllowed, p.Status, p.Revision, p.UpdatedAt,
            benefits[p.Id].OrderBy(b => b.Category).Select(b => new PlanBenefitDto(b.Category, b.CoveragePercent, b.CopayMinor, b.AnnualLimitMinor, b.WaitingPeriodDays)).ToList()))
            .ToList();
    }
}
