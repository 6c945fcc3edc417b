using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Amendments;

/// <summary>
/// A patient's amendment request on a record someone else wrote, and the author's decision. Mirror of the ledger's
/// records.amend-request / records.amend-decide (the ledger decides); the notes are ciphertext only.
/// </summary>
public sealed class AmendmentRequest
{
    public Guid Id { get; set; }
    public Guid RecordId { get; set; }
    public Guid PatientId { get; set; }
    public Guid AuthorId { get; set; }
    /// <summary>The version of the record the request concerns.</summary>
    public int Version { get; set; }
    /// <summary>"open", "accepted" or "declined", as on the ledger.</summary>
    public required string Status { get; set; }
    /// <summary>The request text as two SealedSecret JSON documents (for the patient, for the author).</summary>
    public required byte[] RequestForPatient { get; set; }
    public required byte[] RequestForAuthor { get; set; }
    public required string RequestTransactionId { get; set; }
    public DateTimeOffset FiledAt { get; set; }
    /// <summary>Accepted: the version that resolves the request.</summary>
    public int? ResolvedVersion { get; set; }
    /// <summary>Declined: the sealed reason, as the request text.</summary>
    public byte[]? ReasonForPatient { get; set; }
    public byte[]? ReasonForAuthor { get; set; }
    public string? DecisionTransactionId { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
}

internal sealed class AmendmentRequestConfiguration : IEntityTypeConfiguration<AmendmentRequest>
{
    public void Configure(EntityTypeBuilder<AmendmentRequest> b)
    {
        b.ToTable("amendment_requests");
        b.HasKey(x => x.Id);
        b.HasIndex(x => x.PatientId);
        b.HasIndex(x => x.AuthorId);
        b.HasIndex(x => x.RecordId);
        b.Property(x => x.Status).HasMaxLength(16);
        b.Property(x => x.RequestTransactionId).HasMaxLength(64);
        b.Property(x => x.DecisionTransactionId).HasMaxLength(64);
    }
}
