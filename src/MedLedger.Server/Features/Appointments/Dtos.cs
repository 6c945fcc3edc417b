using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Features.Appointments;

/// <summary>Working hours on one weekday, local wall time of the schedule's zone (End after Start, same day).</summary>
public sealed record WorkingHours(DayOfWeek Day, TimeOnly Start, TimeOnly End);

/// <summary>A break in local wall time, every working day (Day null) or one weekday.</summary>
public sealed record ScheduleBreak(DayOfWeek? Day, TimeOnly Start, TimeOnly End);

/// <summary>What a doctor's schedule says: set whole by the doctor or their hospital's staff.</summary>
public sealed record ScheduleRequest(Guid DoctorId, string TimeZone, int SlotMinutes, VisitKind VisitKind,
    IReadOnlyList<WorkingHours> Hours, IReadOnlyList<ScheduleBreak>? Breaks, IReadOnlyList<DateOnly>? LeaveDays);

public sealed record ScheduleResponse(Guid Id, Guid DoctorId, Guid HospitalId, string TimeZone, int SlotMinutes, VisitKind VisitKind,
    IReadOnlyList<WorkingHours> Hours, IReadOnlyList<ScheduleBreak> Breaks, IReadOnlyList<DateOnly> LeaveDays, DateTimeOffset UpdatedAt);

/// <summary>One free slot (FHIR Slot), in UTC; LocalStart is the wall time in the schedule's zone, for display.</summary>
public sealed record FreeSlot(Guid ScheduleId, Guid DoctorId, Guid HospitalId, DateTimeOffset Start, DateTimeOffset End, string LocalStart, VisitKind VisitKind);

/// <summary>A doctor from the public professionals' directory, with their next free slots.</summary>
public sealed record DoctorListing(Guid DoctorId, string? DisplayName, string? Specialty, Guid HospitalId, string HospitalName, IReadOnlyList<FreeSlot> NextSlots);

/// <summary>
/// A booking: the reason sealed on the patient's device for the doctor's ledger-registered key and for the patient,
/// and the patient-signed appointments.book whose reasonHash is SHA-256 of <see cref="ReasonForDoctor"/>.
/// </summary>
public sealed record BookRequest(Guid AppointmentId, Guid ScheduleId, DateTimeOffset Start, DateTimeOffset End, byte[] ReasonForDoctor, byte[] ReasonForPatient, SignedTransactionDto Transaction);

/// <summary>A cancellation: patients send their signed appointments.cancel; the doctor and staff send none (the peer records it).</summary>
public sealed record CancelRequest(SignedTransactionDto? Transaction);

public sealed record StatusRequest(AppointmentStatus Status);

/// <summary>Closing a consultation: the doctor's signed appointments.close naming the Encounter and CarePlan records they wrote in it.</summary>
public sealed record CloseRequest(SignedTransactionDto Transaction);

public sealed record AppointmentResponse(Guid Id, Guid ScheduleId, Guid DoctorId, Guid HospitalId, Guid PatientId, DateTimeOffset Start, DateTimeOffset End, VisitKind VisitKind,
    AppointmentStatus Status, byte[]? SealedReason, string ReasonHash, Guid? CancelledBy, string BookTransactionId, string? LastTransactionId,
    Guid? EncounterRecordId = null, Guid? CarePlanRecordId = null, string? CloseTransactionId = null);
