using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Records;

/// <summary>
/// A patient's record (all versions). Category is the FHIR resource type or "File": coarse metadata
/// the server needs for listing and consent scopes; the content itself is only ciphertext.
/// </summary>
public sealed class MedicalRecord
{
    public Guid Id { get; set; }
    public Guid PatientId { get; set; }
    public required string Category { get; set; }
    public int LatestVersion { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();
}

/// <summary>One sealed version: the envelope's cleartext parts; the ciphertext lives in the blob store under its SHA-256.</summary>
public sealed class RecordVersion
{
    public Guid RecordId { get; set; }
    public int Version { get; set; }
    public Guid AuthorId { get; set; }
    public required string ContentType { get; set; }
    public long CreatedAtMs { get; set; }
    public required byte[] Nonce { get; set; }
    public required byte[] KeyCommitment { get; set; }
    public required byte[] Signature { get; set; }
    public required string CiphertextHash { get; set; }
    public long CiphertextLength { get; set; }
    public required string HeaderHash { get; set; }
    public required string LedgerTransactionId { get; set; }
    public DateTimeOffset StoredAt { get; set; }
}

/// <summary>The data key of one version wrapped for one reader. GrantId is set when the wrap exists because of a consent grant.</summary>
public sealed class RecordWrap
{
    public Guid RecordId { get; set; }
    public int Version { get; set; }
    public Guid ReaderId { get; set; }
    public required string ReaderKeyId { get; set; }
    public required byte[] Enc { get; set; }
    public required byte[] WrappedKey { get; set; }
    public Guid? GrantId { get; set; }
}

/// <summary>A record attached to an insurance claim against an insurer (written by the claims feature).</summary>
public sealed class ClaimRecordLink
{
    public Guid ClaimId { get; set; }
    public Guid RecordId { get; set; }
    public Guid InsurerOrganizationId { get; set; }
}

internal sealed class MedicalRecordConfiguration : IEntityTypeConfiguration<MedicalRecord>
{
    public void Configure(EntityTypeBuilder<MedicalRecord> b)
    {
        b.ToTable("records");
        b.HasKey(x => x.Id);
        b.Property(x => x.Category).HasMaxLength(64);
        b.HasIndex(x => new { x.PatientId, x.Category });
        b.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
    }
}

internal sealed class RecordVersionConfiguration : IEntityTypeConfiguration<RecordVersion>
{
    public void Configure(EntityTypeBuilder<RecordVersion> b)
    {
        b.ToTable("record_versions");
        b.HasKey(x => new { x.RecordId, x.Version });
        b.Property(x => x.ContentType).HasMaxLength(128);
        b.Property(x => x.CiphertextHash).HasMaxLength(64);
        b.Property(x => x.HeaderHash).HasMaxLength(64);
        b.Property(x => x.LedgerTransactionId).HasMaxLength(64);
        b.HasIndex(x => x.AuthorId);
    }
}

internal sealed class RecordWrapConfiguration : IEntityTypeConfiguration<RecordWrap>
{
    public void Configure(EntityTypeBuilder<RecordWrap> b)
    {
        b.ToTable("record_wraps");
        b.HasKey(x => new { x.RecordId, x.Version, x.ReaderId });
        b.Property(x => x.ReaderKeyId).HasMaxLength(64);
        b.HasIndex(x => x.ReaderId);
        b.HasIndex(x => x.GrantId);
    }
}

internal sealed class ClaimRecordLinkConfiguration : IEntityTypeConfiguration<ClaimRecordLink>
{
    public void Configure(EntityTypeBuilder<ClaimRecordLink> b)
    {
        b.ToTable("claim_record_links");
        b.HasKey(x => new { x.ClaimId, x.RecordId });
        b.HasIndex(x => new { x.RecordId, x.InsurerOrganizationId });
    }
}
