using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Insurance;

/// <summary>Insurer staff publish a plan and edit its terms.</summary>
public sealed class PlanPublishingService(MedLedgerDbContext db, PlanFinder finder, TimeProvider clock)
{
    // The InsurerStaff policy admits only verified staff of a verified insurer (the session's verified claim covers both),
    // so the caller's organization is the insurer they act for.
    public async Task<PlanResponse> CreateAsync(Caller caller, PlanCreate r, CancellationToken ct)
    {
        var insurer = caller.Organization;
        Validate(r.Name, r.Description, r.Currency, r.PremiumMinor, r.PremiumPeriod, r.AnnualLimitMinor, PlanStatus.Open, r.Benefits);
        var now = clock.GetUtcNow();
        var plan = new InsurancePlan
        {
            Id = Guid.NewGuid(),
            InsurerOrganizationId = insurer,
            Name = r.Name.Trim(),
            Currency = r.Currency,
            Revision = 1,
            Status = PlanStatus.Open,
            CreatedBy = caller.Id,
            CreatedAt = now,
        };
        Apply(plan, caller, now, r.Name, r.Description, r.Currency, r.PremiumMinor, r.PremiumPeriod, r.AnnualLimitMinor, r.DependantsAllowed, PlanStatus.Open);
        db.Add(plan);
        db.AddRange(r.Benefits.Select(b => NewBenefit(plan.Id, b)));
        await SaveAsync(plan, ct);
        return await finder.DescribeAsync(plan, ct);
    }

    public async Task<PlanResponse> UpdateAsync(Caller caller, Guid planId, PlanUpdate r, CancellationToken ct)
    {
        var insurer = caller.Organization;
        var plan = await db.Set<InsurancePlan>().FirstOrDefaultAsync(p => p.Id == planId, ct);
        if (plan is null || (plan.InsurerOrganizationId != insurer && plan.Status != PlanStatus.Open))
        {
            throw ProblemException.NotFound($"Plan {planId}");
        }
        if (plan.InsurerOrganizationId != insurer)
        {
            throw ProblemException.Forbidden("You can only edit your own insurer's plans.");
        }
        Validate(r.Name, r.Description, r.Currency, r.PremiumMinor, r.PremiumPeriod, r.AnnualLimitMinor, r.Status, r.Benefits);
        if (r.Revision != plan.Revision)
        {
            throw StaleRevision(plan.Name, r.Revision);
        }
        // The revision is the concurrency token: the UPDATE matches only the revision read here, so of two
        // concurrent edits of one revision exactly one is saved and the other is a 409.
        plan.Revision++;
        Apply(plan, caller, clock.GetUtcNow(), r.Name, r.Description, r.Currency, r.PremiumMinor, r.PremiumPeriod, r.AnnualLimitMinor, r.DependantsAllowed, r.Status);

        // Benefits are changed in place per category (never delete-and-insert one category in one save: the unique index would see both rows).
        var existing = await db.Set<InsurancePlanBenefit>().Where(b => b.PlanId == planId).ToListAsync(ct);
        foreach (var gone in existing.Where(e => r.Benefits.All(b => b.Category != e.Category)))
        {
            db.Remove(gone);
        }
        foreach (var b in r.Benefits)
        {
            if (existing.FirstOrDefault(e => e.Category == b.Category) is { } row)
            {
                row.CoveragePercent = b.CoveragePercent;
                row.CopayMinor = b.CopayMinor;
                row.AnnualLimitMinor = b.AnnualLimitMinor;
                row.WaitingPeriodDays = b.WaitingPeriodDays;
            }
            else
            {
                db.Add(NewBenefit(planId, b));
            }
        }
        await SaveAsync(plan, ct);
        return await finder.DescribeAsync(plan, ct);
    }

    private async Task SaveAsync(InsurancePlan plan, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw StaleRevision(plan.Name, plan.Revision - 1);
        }
        catch (DbUpdateException)
        {
            throw new ProblemException(409, "duplicate-plan", "Plan name taken", $"Your insurer already has a plan named \"{plan.Name}\".");
        }
    }

    private static ProblemException StaleRevision(string name, int revision) =>
        new(409, "stale-plan-revision", "Plan changed meanwhile", $"Plan \"{name}\" changed since revision {revision}; read it again and reapply your edit.");

    private static void Apply(InsurancePlan plan, Caller caller, DateTimeOffset now, string name, string? description, string currency, long premium, PremiumPeriod period,
        long limit, bool dependants, PlanStatus status)
    {
        plan.Name = name.Trim();
        plan.Description = string.IsNullOrWhiteSpace(description) ? null : description.Trim();
        plan.Currency = currency;
        plan.PremiumMinor = premium;
        plan.PremiumPeriod = period;
        plan.AnnualLimitMinor = limit;
        plan.DependantsAllowed = dependants;
        plan.Status = status;
        plan.UpdatedBy = caller.Id;
        plan.UpdatedAt = now;
    }

    private static InsurancePlanBenefit NewBenefit(Guid planId, PlanBenefitDto b) => new()
    {
        Id = Guid.NewGuid(),
        PlanId = planId,
        Category = b.Category,
        CoveragePercent = b.CoveragePercent,
        CopayMinor = b.CopayMinor,
        AnnualLimitMinor = b.AnnualLimitMinor,
        WaitingPeriodDays = b.WaitingPeriodDays,
    };

    private static void Validate(string name, string? description, string currency, long premium, PremiumPeriod period, long limit, PlanStatus status,
        IReadOnlyList<PlanBenefitDto> benefits)
    {
        var v = new Validator();
        v.RequireText(name, "name", InsuranceLimits.PlanName);
        v.RequireText(description, "description", InsuranceLimits.Description, required: false);
        v.Require(currency is { Length: 3 } c && c.All(char.IsAsciiLetterUpper), "currency", "currency must be an ISO 4217 code such as EUR.");
        v.Require(premium is >= 0 and <= InsuranceLimits.MaxAmountMinor, "premiumMinor", $"premiumMinor must be between 0 and {InsuranceLimits.MaxAmountMinor} (minor units).");
        v.Require(Enum.IsDefined(period), "premiumPeriod", "premiumPeriod must be Monthly, Quarterly or Yearly.");
        v.Require(Enum.IsDefined(status), "status", "status must be Open or Withdrawn.");
        v.Require(limit is > 0 and <= InsuranceLimits.MaxAmountMinor, "annualLimitMinor", $"annualLimitMinor must be between 1 and {InsuranceLimits.MaxAmountMinor} (minor units).");
        v.Require(benefits.Count is > 0 and <= InsuranceLimits.MaxBenefits, "benefits", $"A plan covers between 1 and {InsuranceLimits.MaxBenefits} categories.");
        v.Require(benefits.Select(b => b.Category).Distinct().Count() == benefits.Count, "benefits", "Each category appears at most once.");
        for (var i = 0; i < benefits.Count; i++)
        {
            var b = benefits[i];
            var f = $"benefits[{i}]";
            v.Require(Enum.IsDefined(b.Category), f + ".category", "category is not a known benefit category.");
            v.Require(b.CoveragePercent is null != b.CopayMinor is null, f, "Give exactly one of coveragePercent or copayMinor.");
            v.Require(b.CoveragePercent is null or (> 0 and <= 100), f + ".coveragePercent", "coveragePercent must be between 1 and 100.");
            v.Require(b.CopayMinor is null or (>= 0 and <= InsuranceLimits.MaxAmountMinor), f + ".copayMinor", "copayMinor must not be negative.");
            // A category's limit above the overall limit could never be reached: almost certainly a typo.
            v.Require(b.AnnualLimitMinor > 0 && b.AnnualLimitMinor <= limit, f + ".annualLimitMinor", "A category's annual limit must be positive and at most the plan's overall annual limit.");
            v.Require(b.WaitingPeriodDays is >= 0 and <= InsuranceLimits.MaxWaitingPeriodDays, f + ".waitingPeriodDays", $"waitingPeriodDays must be between 0 and {InsuranceLimits.MaxWaitingPeriodDays}.");
        }
        v.ThrowIfInvalid();
    }
}
