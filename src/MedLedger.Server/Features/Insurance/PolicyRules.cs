using MedLedger.Crypto;

namespace MedLedger.Server.Features.Insurance;

/// <summary>The shared rules of applications and policies (docs/insurance.md "Applications and policies").</summary>
internal static class PolicyRules
{
    /// <summary>The payable reference kind of a policy's premium (the ledger's mark-paid takes the same reference).</summary>
    public const string PayableKind = MedLedger.Ledger.Contracts.InsurancePolicyContract.PremiumReferenceKind;

    /// <summary>Why an insurer declines an application: codes only, never free text (free text could carry a diagnosis).</summary>
    public static readonly IReadOnlySet<string> DeclineReasons = new HashSet<string>(StringComparer.Ordinal) { "not-eligible", "incomplete", "duplicate", "other" };

    /// <summary>How far ahead a patient may ask cover to start.</summary>
    public const int MaxDaysAhead = 365;

    public const int MaxSealedCard = 8 * 1024;

    /// <summary>A period starts at midnight UTC of its first day and lasts one year.</summary>
    public static DateTimeOffset PeriodStart(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public static DateTimeOffset PeriodEnd(DateOnly day) => PeriodStart(day.AddYears(1));

    public static string Name(ApplicationStatus s) => s.ToString().ToLowerInvariant();

    public static string Name(PolicyStatus s) => s.ToString().ToLowerInvariant();

    public static PolicyStatus Parse(string status) => Enum.Parse<PolicyStatus>(status, ignoreCase: true);

    /// <summary>A plan's terms now, in the canonical form a policy pins.</summary>
    public static PlanTerms TermsOf(InsurancePlan plan, IEnumerable<InsurancePlanBenefit> benefits) =>
        new(plan.Id, plan.Revision, plan.Currency, plan.PremiumMinor, plan.PremiumPeriod.ToString(), plan.AnnualLimitMinor, plan.DependantsAllowed,
            benefits.Select(b => new PlanTermsBenefit(b.Category.ToString(), b.CoveragePercent, b.CopayMinor, b.AnnualLimitMinor, b.WaitingPeriodDays)).ToList());
}
