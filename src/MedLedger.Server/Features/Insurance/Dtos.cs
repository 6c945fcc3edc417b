namespace MedLedger.Server.Features.Insurance;

/// <summary>One benefit of a plan as the insurer writes it: exactly one of coveragePercent or copayMinor.</summary>
public sealed record PlanBenefitDto(BenefitCategory Category, int? CoveragePercent, long? CopayMinor, long AnnualLimitMinor, int WaitingPeriodDays);

/// <summary>A new plan's terms.</summary>
public sealed record PlanCreate(string Name, string? Description, string Currency, long PremiumMinor, PremiumPeriod PremiumPeriod, long AnnualLimitMinor,
    bool DependantsAllowed, IReadOnlyList<PlanBenefitDto> Benefits);

/// <summary>A plan's new terms, made against <c>Revision</c> (the revision the editor read; a stale one is a 409).</summary>
public sealed record PlanUpdate(int Revision, string Name, string? Description, string Currency, long PremiumMinor, PremiumPeriod PremiumPeriod, long AnnualLimitMinor,
    bool DependantsAllowed, PlanStatus Status, IReadOnlyList<PlanBenefitDto> Benefits);

public sealed record PlanResponse(Guid Id, Guid InsurerOrganizationId, string InsurerName, string Name, string? Description, string Currency, long PremiumMinor,
    PremiumPeriod PremiumPeriod, long AnnualLimitMinor, bool DependantsAllowed, PlanStatus Status, int Revision, DateTimeOffset UpdatedAt,
    IReadOnlyList<PlanBenefitDto> Benefits);
