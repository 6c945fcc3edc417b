namespace MedLedger.Client;

// Wire shapes of the insurance API (docs/insurance.md). Names differ from the server's on purpose
// so code that sees both assemblies (tests) never meets an ambiguous type.

public enum CoverCategory { Outpatient, Inpatient, Pharmacy, Maternity, Emergency, Dental, Vision }

public enum PremiumInterval { Monthly, Quarterly, Yearly }

public enum InsurancePlanStatus { Open, Withdrawn }

/// <summary>One category a plan covers: exactly one of <c>CoveragePercent</c> (the plan's share) or <c>CopayMinor</c> (the patient's fixed part).</summary>
public sealed record PlanBenefit(CoverCategory Category, int? CoveragePercent, long? CopayMinor, long AnnualLimitMinor, int WaitingPeriodDays);

public sealed record NewInsurancePlan(string Name, string? Description, string Currency, long PremiumMinor, PremiumInterval PremiumPeriod, long AnnualLimitMinor,
    bool DependantsAllowed, IReadOnlyList<PlanBenefit> Benefits);

/// <summary>A plan's new terms, made against the revision the editor read.</summary>
public sealed record InsurancePlanEdit(int Revision, string Name, string? Description, string Currency, long PremiumMinor, PremiumInterval PremiumPeriod, long AnnualLimitMinor,
    bool DependantsAllowed, InsurancePlanStatus Status, IReadOnlyList<PlanBenefit> Benefits);

public sealed record InsurancePlanView(Guid Id, Guid InsurerOrganizationId, string InsurerName, string Name, string? Description, string Currency, long PremiumMinor,
    PremiumInterval PremiumPeriod, long AnnualLimitMinor, bool DependantsAllowed, InsurancePlanStatus Status, int Revision, DateTimeOffset UpdatedAt,
    IReadOnlyList<PlanBenefit> Benefits);

public sealed partial class MedLedgerClient
{
    // ---- anyone signed in ------------------------------------------------------------------

    /// <summary>Open plans of verified insurers (insurer staff also get their own insurer's withdrawn plans), optionally of one insurer.</summary>
    public Task<IReadOnlyList<InsurancePlanView>> InsurancePlansAsync(Guid? insurerId = null, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<InsurancePlanView>>(HttpMethod.Get, "/api/insurance/plans" + (insurerId is { } i ? $"?insurerId={i}" : ""), null, authorize: true, ct);

    public Task<InsurancePlanView> InsurancePlanAsync(Guid planId, CancellationToken ct = default) =>
        SendAsync<InsurancePlanView>(HttpMethod.Get, $"/api/insurance/plans/{planId}", null, authorize: true, ct);

    // ---- a verified insurer's staff --------------------------------------------------------

    public Task<InsurancePlanView> CreateInsurancePlanAsync(NewInsurancePlan plan, CancellationToken ct = default) =>
        SendAsync<InsurancePlanView>(HttpMethod.Post, "/api/insurance/plans", plan, authorize: true, ct);

    /// <summary>Replaces a plan's terms; a 409 <c>stale-plan-revision</c> means someone else changed it since <c>edit.Revision</c>.</summary>
    public Task<InsurancePlanView> UpdateInsurancePlanAsync(Guid planId, InsurancePlanEdit edit, CancellationToken ct = default) =>
        SendAsync<InsurancePlanView>(HttpMethod.Put, $"/api/insurance/plans/{planId}", edit, authorize: true, ct);
}
