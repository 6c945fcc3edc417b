using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Care;

/// <summary>Mirror of the ledger's care state for listing; the ledger state is what authorizes.</summary>
public sealed class CareAssignment
{
    public Guid PatientId { get; set; }
    public Guid DoctorId { get; set; }
    public Guid HospitalId { get; set; }
    public Guid AssignedBy { get; set; }
    public DateTimeOffset AssignedAt { get; set; }
    public required string TransactionId { get; set; }
}

/// <summary>Mirror of an active care.register (the patient registered with a hospital); a withdrawal deletes the row.</summary>
public sealed class CareRegistration
{
    public Guid PatientId { get; set; }
    public Guid HospitalId { get; set; }
    public DateTimeOffset RegisteredAt { get; set; }
    public required string TransactionId { get; set; }
}

internal sealed class CareAssignmentConfiguration : IEntityTypeConfiguration<CareAssignment>
{
    public void Configure(EntityTypeBuilder<CareAssignment> b)
    {
        b.ToTable("care_assignments");
        b.HasKey(x => new { x.PatientId, x.DoctorId });
        b.HasIndex(x => x.DoctorId);
        b.HasIndex(x => x.HospitalId);
        b.Property(x => x.TransactionId).HasMaxLength(64);
    }
}

internal sealed class CareRegistrationConfiguration : IEntityTypeConfiguration<CareRegistration>
{
    public void Configure(EntityTypeBuilder<CareRegistration> b)
    {
        b.ToTable("care_registrations");
        b.HasKey(x => new { x.PatientId, x.HospitalId });
        b.HasIndex(x => x.HospitalId);
        b.Property(x => x.TransactionId).HasMaxLength(64);
    }
}
