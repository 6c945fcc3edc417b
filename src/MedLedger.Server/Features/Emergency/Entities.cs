using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Emergency;

/// <summary>A hospital's emergency public key; its private key exists only sealed to each verified doctor.</summary>
public sealed class HospitalEmergencyKey
{
    public Guid HospitalId { get; set; }
    public required byte[] PublicKey { get; set; }
    public Guid UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class EmergencyKeyShare
{
    public Guid HospitalId { get; set; }
    public Guid DoctorId { get; set; }
    /// <summary>SealedSecret JSON (HPKE to the doctor's key), opaque to the server.</summary>
    public required byte[] Sealed { get; set; }
}

/// <summary>
/// The patient's emergency summary (a record version) wrapped for one hospital's emergency key. After a key rotation the
/// row stays with <see cref="ReaderKeyId"/> naming the old key until the patient's client re-wraps it.
/// </summary>
public sealed class EmergencyDesignation
{
    public Guid PatientId { get; set; }
    public Guid HospitalId { get; set; }
    public Guid RecordId { get; set; }
    public int Version { get; set; }
    public required string ReaderKeyId { get; set; }
    public required byte[] Enc { get; set; }
    public required byte[] WrappedKey { get; set; }
    public required string TransactionId { get; set; }
}

public sealed class BreakGlassEvent
{
    public Guid Id { get; set; }
    public Guid DoctorId { get; set; }
    public Guid PatientId { get; set; }
    public Guid HospitalId { get; set; }
    /// <summary>The reason code; the ledger holds only its salted commitment (BreakGlassReasonCommitment).</summary>
    public required string Reason { get; set; }
    /// <summary>The salt the doctor's client drew; the patient's and reviewer's clients recompute the commitment with it.</summary>
    public required byte[] ReasonSalt { get; set; }
    public DateTimeOffset At { get; set; }
    public required string TransactionId { get; set; }
    public DateTimeOffset? ReviewedAt { get; set; }
    public Guid? ReviewedBy { get; set; }
    public string? ReviewOutcome { get; set; }
}

internal sealed class EmergencyConfigurations :
    IEntityTypeConfiguration<HospitalEmergencyKey>, IEntityTypeConfiguration<EmergencyKeyShare>,
    IEntityTypeConfiguration<EmergencyDesignation>, IEntityTypeConfiguration<BreakGlassEvent>
{
    public void Configure(EntityTypeBuilder<HospitalEmergencyKey> b)
    {
        b.ToTable("hospital_emergency_keys");
        b.HasKey(x => x.HospitalId);
    }

    public void Configure(EntityTypeBuilder<EmergencyKeyShare> b)
    {
        b.ToTable("emergency_key_shares");
        b.HasKey(x => new { x.HospitalId, x.DoctorId });
        b.HasIndex(x => x.DoctorId);
    }

    public void Configure(EntityTypeBuilder<EmergencyDesignation> b)
    {
        b.ToTable("emergency_designations");
        b.HasKey(x => new { x.PatientId, x.HospitalId });
        b.Property(x => x.ReaderKeyId).HasMaxLength(64);
        b.Property(x => x.TransactionId).HasMaxLength(64);
    }

    public void Configure(EntityTypeBuilder<BreakGlassEvent> b)
    {
        b.ToTable("break_glass_events");
        b.HasKey(x => x.Id);
        b.Property(x => x.Reason).HasMaxLength(32);
        b.Property(x => x.TransactionId).HasMaxLength(64);
        b.Property(x => x.ReviewOutcome).HasMaxLength(32);
        b.HasIndex(x => x.PatientId);
        b.HasIndex(x => x.ReviewedAt);
    }
}
