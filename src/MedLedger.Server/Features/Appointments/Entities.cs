using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Appointments;

public enum VisitKind
{
    InPerson,
    Remote,
}

/// <summary>
/// A doctor's schedule at one hospital (FHIR Schedule): wall-clock working hours per weekday, breaks and leave days in the
/// schedule's own IANA time zone, turned into UTC slots by <see cref="ScheduleSlots"/>. The hours, breaks and leave are
/// stored as JSON (<see cref="ScheduleDefinition"/>): they are read whole, never queried.
/// </summary>
public sealed class DoctorSchedule
{
    public Guid Id { get; set; }
    public Guid DoctorId { get; set; }
    public Guid HospitalId { get; set; }
    public required string TimeZone { get; set; }
    public int SlotMinutes { get; set; }
    public VisitKind VisitKind { get; set; }
    public required string Definition { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid UpdatedBy { get; set; }
}

public enum AppointmentStatus
{
    Booked,
    Arrived,
    InProgress,
    Fulfilled,
    Cancelled,
    NoShow,
}

/// <summary>
/// A booked appointment (FHIR Appointment). The ledger's appointments.* transactions are the truth; this row follows
/// them (<see cref="AppointmentLedgerRows"/>). The reason is sealed on the patient's device, once for the doctor and
/// once for the patient; the server keeps only the ciphertexts.
/// </summary>
public sealed class Appointment
{
    public Guid Id { get; set; }
    public Guid ScheduleId { get; set; }
    public Guid DoctorId { get; set; }
    public Guid HospitalId { get; set; }
    public Guid PatientId { get; set; }
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }
    public VisitKind VisitKind { get; set; }
    public AppointmentStatus Status { get; set; }
    public byte[] ReasonForDoctor { get; set; } = [];
    public byte[] ReasonForPatient { get; set; } = [];
    public required string ReasonHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid? CancelledBy { get; set; }
    public required string BookTransactionId { get; set; }
    public string? LastTransactionId { get; set; }
    /// <summary>The consultation's outcome (appointments.close): the doctor's Encounter and CarePlan records, sealed in the patient's record set.</summary>
    public Guid? EncounterRecordId { get; set; }
    public Guid? CarePlanRecordId { get; set; }
    public string? CloseTransactionId { get; set; }
}

internal sealed class DoctorScheduleConfiguration : IEntityTypeConfiguration<DoctorSchedule>
{
    public void Configure(EntityTypeBuilder<DoctorSchedule> b)
    {
        b.ToTable("appointment_schedules");
        b.HasKey(s => s.Id);
        b.HasIndex(s => new { s.DoctorId, s.HospitalId }).IsUnique();
        b.HasIndex(s => s.HospitalId);
        b.Property(s => s.TimeZone).HasMaxLength(64);
        b.Property(s => s.VisitKind).HasConversion<string>().HasMaxLength(16);
        b.Property(s => s.Definition).HasMaxLength(16_000);
    }
}

internal sealed class AppointmentConfiguration : IEntityTypeConfiguration<Appointment>
{
    public void Configure(EntityTypeBuilder<Appointment> b)
    {
        b.ToTable("appointments");
        b.HasKey(a => a.Id);
        b.HasIndex(a => new { a.DoctorId, a.StartsAt });
        b.HasIndex(a => new { a.PatientId, a.StartsAt });
        b.HasIndex(a => new { a.HospitalId, a.StartsAt });
        b.Property(a => a.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(a => a.VisitKind).HasConversion<string>().HasMaxLength(16);
        b.Property(a => a.ReasonHash).HasMaxLength(64);
        b.Property(a => a.BookTransactionId).HasMaxLength(64);
        b.Property(a => a.LastTransactionId).HasMaxLength(64);
        b.Property(a => a.CloseTransactionId).HasMaxLength(64);
    }
}
