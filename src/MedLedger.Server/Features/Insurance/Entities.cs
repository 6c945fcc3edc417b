using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Insurance;

/// <summary>What a benefit covers (FHIR InsurancePlan.coverage.type, coarse on purpose: claims name a category, never a diagnosis).</summary>
public enum BenefitCategory
{
    Outpatient,
    Inpatient,
    Pharmacy,
    Maternity,
    Emergency,
    Dental,
    Vision,
}

/// <summary>How often the premium falls due.</summary>
public enum PremiumPeriod
{
    Monthly,
    Quarterly,
    Yearly,
}

/// <summary>Open plans take applications; withdrawn ones stay listed to their insurer only (policies issued under them keep their terms).</summary>
public enum PlanStatus
{
    Open,
    Withdrawn,
}

/// <summary>
/// An insurer's plan (FHIR InsurancePlan): public product terms, no patient data. Limits apply per policy year.
/// Amounts are in the currency's minor unit, never floats.
/// </summary>
public sealed class InsurancePlan
{
    public Guid Id { get; set; }
    public Guid InsurerOrganizationId { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public required string Currency { get; set; }
    public long PremiumMinor { get; set; }
    public PremiumPeriod PremiumPeriod { get; set; }
    /// <summary>The most the plan pays per policy year across all categories.</summary>
    public long AnnualLimitMinor { get; set; }
    public bool DependantsAllowed { get; set; }
    public PlanStatus Status { get; set; }
    /// <summary>Raised by every edit; an edit names the revision it was made against, so two concurrent edits cannot both win.</summary>
    public int Revision { get; set; }
    public Guid CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// One category a plan covers. Exactly one of <see cref="CoveragePercent"/> (the plan pays that share) or
/// <see cref="CopayMinor"/> (the patient pays that fixed amount per claim line, the plan the rest) is set.
/// </summary>
public sealed class InsurancePlanBenefit
{
    public Guid Id { get; set; }
    public Guid PlanId { get; set; }
    public BenefitCategory Category { get; set; }
    public int? CoveragePercent { get; set; }
    public long? CopayMinor { get; set; }
    /// <summary>The most this category pays per policy year (also bounded by the plan's overall limit).</summary>
    public long AnnualLimitMinor { get; set; }
    /// <summary>Days from the policy's start before this category pays.</summary>
    public int WaitingPeriodDays { get; set; }
}

internal sealed class InsurancePlanConfiguration : IEntityTypeConfiguration<InsurancePlan>
{
    public void Configure(EntityTypeBuilder<InsurancePlan> b)
    {
        b.ToTable("insurance_plans");
        b.HasKey(x => x.Id);
        b.HasIndex(x => x.InsurerOrganizationId);
        // One plan name per insurer, so patients never see two different products under one name.
        b.HasIndex(x => new { x.InsurerOrganizationId, x.Name }).IsUnique();
        b.Property(x => x.Name).HasMaxLength(InsuranceLimits.PlanName);
        b.Property(x => x.Description).HasMaxLength(InsuranceLimits.Description);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.Property(x => x.Revision).IsConcurrencyToken();
    }
}

internal sealed class InsurancePlanBenefitConfiguration : IEntityTypeConfiguration<InsurancePlanBenefit>
{
    public void Configure(EntityTypeBuilder<InsurancePlanBenefit> b)
    {
        b.ToTable("insurance_plan_benefits");
        b.HasKey(x => x.Id);
        b.HasIndex(x => new { x.PlanId, x.Category }).IsUnique();
        b.HasOne<InsurancePlan>().WithMany().HasForeignKey(x => x.PlanId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal static class InsuranceLimits
{
    public const int PlanName = 120;
    public const int Description = 1000;
    public const int MaxBenefits = 16;
    /// <summary>One hundred million in major units: far above any real annual limit, well inside long.</summary>
    public const long MaxAmountMinor = 10_000_000_000;
    public const int MaxWaitingPeriodDays = 730;
}
