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

public enum ApplicationStatus
{
    Submitted,
    /// <summary>Its insurance.policy issue is on its way to the ledger (a refusal or a crash puts it back to submitted).</summary>
    Accepting,
    Accepted,
    Declined,
}

/// <summary>
/// A patient's application for a plan and a period (docs/insurance.md "Applications"): ids and dates only, no medical content.
/// One per patient, plan and period start: applying again returns this one.
/// </summary>
public sealed class InsuranceApplication
{
    public Guid Id { get; set; }
    public Guid PatientId { get; set; }
    public Guid PlanId { get; set; }
    public Guid InsurerOrganizationId { get; set; }
    /// <summary>The first day of cover asked for (UTC); the period is one year from it.</summary>
    public DateOnly PeriodStart { get; set; }
    public required string IdempotencyKey { get; set; }
    public ApplicationStatus Status { get; set; }
    /// <summary>A decline reason code (<see cref="PolicyRules.DeclineReasons"/>), never free text.</summary>
    public string? DeclineReason { get; set; }
    /// <summary>The policy its acceptance issued.</summary>
    public Guid? PolicyId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
}

public enum PolicyStatus
{
    Pending,
    Active,
    Suspended,
    Expired,
    Renewed,
}

/// <summary>
/// A policy as the ledger's insurance.policy issued it (rows written through the roll-forward). The plan terms it pins are
/// stored in their canonical form (<see cref="Terms"/>, SHA-256 = the ledger's termsHash); the policy card (the key to its
/// benefit tags) is stored only sealed, for the patient and for the accepting insurer staff member.
/// </summary>
public sealed class InsurancePolicy
{
    public Guid Id { get; set; }
    public Guid? ApplicationId { get; set; }
    public Guid PatientId { get; set; }
    public Guid InsurerOrganizationId { get; set; }
    public Guid PlanId { get; set; }
    public int PlanRevision { get; set; }
    /// <summary>The plan's canonical terms at <see cref="PlanRevision"/> (MedLedger.Crypto PlanTerms).</summary>
    public required byte[] Terms { get; set; }
    public required string TermsHash { get; set; }
    public DateTimeOffset PeriodStart { get; set; }
    public DateTimeOffset PeriodEnd { get; set; }
    public DateTimeOffset? CoverStart { get; set; }
    public required string Currency { get; set; }
    public long PremiumMinor { get; set; }
    public long AnnualLimitMinor { get; set; }
    public PolicyStatus Status { get; set; }
    public required byte[] SealedCardForPatient { get; set; }
    public required byte[] SealedCardForInsurer { get; set; }
    public required string IssueTransactionId { get; set; }
    public Guid? PreviousPolicyId { get; set; }
    public string? SuspendReason { get; set; }
    public Guid IssuedBy { get; set; }
    public DateTimeOffset IssuedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class InsuranceApplicationConfiguration : IEntityTypeConfiguration<InsuranceApplication>
{
    public void Configure(EntityTypeBuilder<InsuranceApplication> b)
    {
        b.ToTable("insurance_applications");
        b.HasKey(x => x.Id);
        b.Property(x => x.IdempotencyKey).HasMaxLength(128);
        b.Property(x => x.DeclineReason).HasMaxLength(32);
        // One application per patient, plan and period: of concurrent applies one inserts and the others return it.
        b.HasIndex(x => new { x.PatientId, x.PlanId, x.PeriodStart }).IsUnique();
        b.HasIndex(x => new { x.PatientId, x.IdempotencyKey }).IsUnique();
        b.HasIndex(x => new { x.InsurerOrganizationId, x.Status });
        b.HasOne<InsurancePlan>().WithMany().HasForeignKey(x => x.PlanId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class InsurancePolicyConfiguration : IEntityTypeConfiguration<InsurancePolicy>
{
    public void Configure(EntityTypeBuilder<InsurancePolicy> b)
    {
        b.ToTable("insurance_policies", t => t.HasCheckConstraint("ck_insurance_policies_premium", "\"PremiumMinor\" > 0"));
        b.HasKey(x => x.Id);
        b.Property(x => x.TermsHash).HasMaxLength(64);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.Property(x => x.IssueTransactionId).HasMaxLength(64);
        b.Property(x => x.SuspendReason).HasMaxLength(32);
        b.HasIndex(x => new { x.PatientId, x.PlanId, x.PeriodStart }).IsUnique();
        b.HasIndex(x => x.IssueTransactionId).IsUnique();
        b.HasIndex(x => new { x.InsurerOrganizationId, x.Status });
        b.HasIndex(x => x.ApplicationId);
        b.HasOne<InsurancePlan>().WithMany().HasForeignKey(x => x.PlanId).OnDelete(DeleteBehavior.Restrict);
    }
}

/// <summary>
/// A patient's policy card shared with one hospital or pharmacy professional (eligibility, item 3): the card sealed on the
/// patient's device for that professional's ledger-registered key. The professional may then ask whether a benefit tag is
/// covered on a date; without a share the policy is "not found" to them.
/// </summary>
public sealed class InsurancePolicyShare
{
    public Guid Id { get; set; }
    public Guid PolicyId { get; set; }
    public Guid PatientId { get; set; }
    public Guid GranteeId { get; set; }
    public required byte[] SealedCard { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class InsurancePolicyShareConfiguration : IEntityTypeConfiguration<InsurancePolicyShare>
{
    public void Configure(EntityTypeBuilder<InsurancePolicyShare> b)
    {
        b.ToTable("insurance_policy_shares");
        b.HasKey(x => x.Id);
        // One share per policy and professional: sharing again replaces the sealed card.
        b.HasIndex(x => new { x.PolicyId, x.GranteeId }).IsUnique();
        b.HasIndex(x => x.GranteeId);
        b.HasOne<InsurancePolicy>().WithMany().HasForeignKey(x => x.PolicyId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>
/// A record the patient attached to their insurance application (docs/insurance.md "Application documents"): ids only. With a
/// consent grant covering the record (purpose insurance-application, made on the patient's device) it lets the application's
/// insurer's staff pass the read rule — while the application awaits a decision, or after it when the patient kept it.
/// </summary>
public sealed class ApplicationRecordLink
{
    public Guid Id { get; set; }
    public Guid ApplicationId { get; set; }
    public Guid RecordId { get; set; }
    public Guid PatientId { get; set; }
    public Guid InsurerOrganizationId { get; set; }
    /// <summary>The patient keeps the link open after the application is decided (otherwise it stops opening the record then).</summary>
    public bool KeptAfterDecision { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class ApplicationRecordLinkConfiguration : IEntityTypeConfiguration<ApplicationRecordLink>
{
    public void Configure(EntityTypeBuilder<ApplicationRecordLink> b)
    {
        b.ToTable("application_record_links");
        b.HasKey(x => x.Id);
        b.HasIndex(x => new { x.ApplicationId, x.RecordId }).IsUnique();
        b.HasIndex(x => new { x.InsurerOrganizationId, x.RecordId });
        b.HasOne<InsuranceApplication>().WithMany().HasForeignKey(x => x.ApplicationId).OnDelete(DeleteBehavior.Cascade);
    }
}
