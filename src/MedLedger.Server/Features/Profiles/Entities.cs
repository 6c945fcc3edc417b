using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Profiles;

/// <summary>A patient's current sealed profile (docs/crypto-format.md section 14): ciphertext and the patient's signature, never plaintext.</summary>
public sealed class SealedPatientProfile
{
    public Guid PatientId { get; set; }
    public long Version { get; set; }
    public required byte[] Nonce { get; set; }
    public required byte[] Ciphertext { get; set; }
    public required byte[] Signature { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>The current version's profile key sealed for one reader; a new version replaces every wrap.</summary>
public sealed class ProfileWrap
{
    public Guid PatientId { get; set; }
    public Guid ReaderId { get; set; }
    public long Version { get; set; }
    public required string RecipientKeyId { get; set; }
    public required byte[] Enc { get; set; }
    public required byte[] WrappedKey { get; set; }
}

internal sealed class SealedPatientProfileConfiguration : IEntityTypeConfiguration<SealedPatientProfile>
{
    public void Configure(EntityTypeBuilder<SealedPatientProfile> b)
    {
        b.ToTable("patient_profiles");
        b.HasKey(x => x.PatientId);
    }
}

internal sealed class ProfileWrapConfiguration : IEntityTypeConfiguration<ProfileWrap>
{
    public void Configure(EntityTypeBuilder<ProfileWrap> b)
    {
        b.ToTable("profile_wraps");
        b.HasKey(x => new { x.PatientId, x.ReaderId });
        b.HasIndex(x => x.ReaderId);
        b.Property(x => x.RecipientKeyId).HasMaxLength(64);
    }
}
