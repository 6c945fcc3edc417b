using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Claims;

/// <summary>A claim's lifecycle on the server: the contract's statuses plus "filing" and "paying" while the ledger decides.</summary>
public static class ClaimStatus
{
    public const string Filing = "filing";
    public const string Filed = "filed";
    public const string Approved = "approved";
    public const string PartlyApproved = "partly-approved";
    public const string Rejected = "rejected";
    public const string Reversed = "reversed";
    public const string Paying = "paying";
    public const string Paid = "paid";

    public static readonly IReadOnlySet<string> Listable = new HashSet<string>(StringComparer.Ordinal)
        { Filing, Filed, Approved, PartlyApproved, Rejected, Reversed, Paying, Paid };
}

/// <summary>An insurance claim (docs/insurance.md "Claims"): ids, amounts, codes and hashes only, as on the ledger.</summary>
public sealed class InsuranceClaim
{
    public Guid Id { get; set; }
    public Guid PolicyId { get; set; }
    public Guid PatientId { get; set; }
    public Guid InsurerOrganizationId { get; set; }
    /// <summary>The hospital or pharmacy that filed it; null when the patient filed it themself.</summary>
    public Guid? ProviderOrganizationId { get; set; }
    public Guid FiledBy { get; set; }
    /// <summary>"organization" or "patient".</summary>
    public required string PayeeKind { get; set; }
    public Guid PayeeId { get; set; }
    public required string Currency { get; set; }
    public string? DocumentsHash { get; set; }
    /// <summary>A pharmacy's claim for one of its dispenses: "prescriptionId/fillNumber", as the ledger's file names it (null otherwise).</summary>
    public string? Dispense { get; set; }
    /// <summary>For a dispense claim: the patient's co-pay payable (claimed − the eligible share), issued when the ledger committed the file; null when nothing is owed.</summary>
    public Guid? CopayPayableId { get; set; }
    public long CopayMinor { get; set; }
    public required string Status { get; set; }
    /// <summary>The insurer's decision (approved, partly-approved, rejected) once decided; kept while paying so a failed payout goes back to it.</summary>
    public string? Decision { get; set; }
    public long ClaimedMinor { get; set; }
    /// <summary>What the contract reserved against the policy's limits at filing (the eligible lines' shares).</summary>
    public long ReservedMinor { get; set; }
    public long ApprovedMinor { get; set; }
    public long PaidMinor { get; set; }
    /// <summary>"open:&lt;reason&gt;", "dismissed:&lt;reason&gt;" or "resolved:&lt;reason&gt;", as on the ledger.</summary>
    public string? Dispute { get; set; }
    public string? ReverseReason { get; set; }
    public required string IdempotencyKey { get; set; }
    public required string RequestHash { get; set; }
    public required string FileTransactionId { get; set; }
    public string? DecideTransactionId { get; set; }
    public string? PayoutTransactionId { get; set; }
    public DateTimeOffset FiledAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One claim line: the benefit tag (never the category), amount, service date, token, the contract's outcome and the decision.</summary>
public sealed class InsuranceClaimLine
{
    public Guid ClaimId { get; set; }
    public int Line { get; set; }
    public required string Tag { get; set; }
    public long AmountMinor { get; set; }
    public long ServiceDateMs { get; set; }
    public required string Token { get; set; }
    /// <summary>The contract's automatic outcome (null while filing).</summary>
    public string? Outcome { get; set; }
    public long PayableMinor { get; set; }
    public string? Decision { get; set; }
    public long ApprovedMinor { get; set; }
    public string? Reason { get; set; }
}

internal sealed class InsuranceClaimConfiguration : IEntityTypeConfiguration<InsuranceClaim>
{
    public void Configure(EntityTypeBuilder<InsuranceClaim> b)
    {
        b.ToTable("insurance_claims");
        b.HasKey(x => x.Id);
        b.Property(x => x.PayeeKind).HasMaxLength(16);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.Property(x => x.DocumentsHash).HasMaxLength(64);
        b.Property(x => x.Dispense).HasMaxLength(64);
        b.Property(x => x.Status).HasMaxLength(16);
        b.Property(x => x.Decision).HasMaxLength(16);
        b.Property(x => x.Dispute).HasMaxLength(48);
        b.Property(x => x.ReverseReason).HasMaxLength(32);
        b.Property(x => x.IdempotencyKey).HasMaxLength(128);
        b.Property(x => x.RequestHash).HasMaxLength(64);
        b.Property(x => x.FileTransactionId).HasMaxLength(64);
        b.Property(x => x.DecideTransactionId).HasMaxLength(64);
        b.Property(x => x.PayoutTransactionId).HasMaxLength(64);
        // A filer's Idempotency-Key makes one claim: of concurrent retries one inserts and the others answer with it.
        b.HasIndex(x => new { x.FiledBy, x.IdempotencyKey }).IsUnique();
        b.HasIndex(x => new { x.InsurerOrganizationId, x.Status });
        b.HasIndex(x => x.PatientId);
        b.HasIndex(x => x.ProviderOrganizationId);
        // One live claim per dispense: concurrent "pay with insurance" for one dispense insert once (a reversed claim frees it).
        b.HasIndex(x => x.Dispense).IsUnique().HasFilter("\"Status\" <> 'reversed'").HasDatabaseName("UX_insurance_claims_one_per_dispense");
    }
}

internal sealed class InsuranceClaimLineConfiguration : IEntityTypeConfiguration<InsuranceClaimLine>
{
    public void Configure(EntityTypeBuilder<InsuranceClaimLine> b)
    {
        b.ToTable("insurance_claim_lines");
        b.HasKey(x => new { x.ClaimId, x.Line });
        b.Property(x => x.Tag).HasMaxLength(64);
        b.Property(x => x.Token).HasMaxLength(64);
        b.Property(x => x.Outcome).HasMaxLength(16);
        b.Property(x => x.Decision).HasMaxLength(16);
        b.Property(x => x.Reason).HasMaxLength(32);
        b.HasOne<InsuranceClaim>().WithMany().HasForeignKey(x => x.ClaimId).OnDelete(DeleteBehavior.Cascade);
    }
}
