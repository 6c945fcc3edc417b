using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Appointments (docs/consultations.md): the reason is sealed here for the doctor's ledger-registered key and for the
// patient; book and cancel are signed here. Wire shapes named apart from the server's (tests see both assemblies).

public enum VisitKind { InPerson, Remote }

public enum AppointmentStatus { Booked, Arrived, InProgress, Fulfilled, Cancelled, NoShow }

public sealed record WorkingHours(DayOfWeek Day, TimeOnly Start, TimeOnly End);

public sealed record ScheduleBreak(DayOfWeek? Day, TimeOnly Start, TimeOnly End);

public sealed record DoctorSchedule(Guid Id, Guid DoctorId, Guid HospitalId, string TimeZone, int SlotMinutes, VisitKind VisitKind,
    IReadOnlyList<WorkingHours> Hours, IReadOnlyList<ScheduleBreak> Breaks, IReadOnlyList<DateOnly> LeaveDays, DateTimeOffset UpdatedAt);

public sealed record FreeSlot(Guid ScheduleId, Guid DoctorId, Guid HospitalId, DateTimeOffset Start, DateTimeOffset End, string LocalStart, VisitKind VisitKind);

public sealed record DoctorListing(Guid DoctorId, string? DisplayName, string? Specialty, Guid HospitalId, string HospitalName, IReadOnlyList<FreeSlot> NextSlots);

public sealed record Appointment(Guid Id, Guid ScheduleId, Guid DoctorId, Guid HospitalId, Guid PatientId, DateTimeOffset Start, DateTimeOffset End, VisitKind VisitKind,
    AppointmentStatus Status, byte[]? SealedReason, string ReasonHash, Guid? CancelledBy, string BookTransactionId, string? LastTransactionId,
    Guid? EncounterRecordId = null, Guid? CarePlanRecordId = null, string? CloseTransactionId = null);

/// <summary>
/// A closed consultation's outcome as the patient checked it on their device: the doctor-signed appointments.close
/// (its verified receipt: when, by whom, which records with which hashes) and the two records opened and verified.
/// <see cref="Prescription"/>: the prescription the close names, if any, checked against its ledger receipts and its
/// MedicationRequest opened and checked (<see cref="PrescriptionRecord"/>).
/// </summary>
public sealed record ConsultationAdvice(Appointment Appointment, DecryptedRecord Encounter, DecryptedRecord CarePlan, DateTimeOffset ClosedAt, MedLedger.Ledger.LedgerReceipt CloseReceipt,
    VerifiedPrescription? Prescription = null, DecryptedRecord? PrescriptionRecord = null);

public sealed partial class MedLedgerClient
{
    /// <summary>Sets a doctor's schedule at their hospital (the doctor, or that hospital's staff).</summary>
    public Task<DoctorSchedule> SetScheduleAsync(Guid doctorId, string timeZone, int slotMinutes, VisitKind visitKind, IReadOnlyList<WorkingHours> hours,
        IReadOnlyList<ScheduleBreak>? breaks = null, IReadOnlyList<DateOnly>? leaveDays = null, CancellationToken ct = default) =>
        SendAsync<DoctorSchedule>(HttpMethod.Put, "/api/appointments/schedules",
            new { doctorId, timeZone, slotMinutes, visitKind, hours, breaks = breaks ?? [], leaveDays = leaveDays ?? [] }, authorize: true, ct);

    /// <summary>The doctor's own schedules, or the staff member's hospital's.</summary>
    public Task<IReadOnlyList<DoctorSchedule>> SchedulesAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<DoctorSchedule>>(HttpMethod.Get, "/api/appointments/schedules", null, authorize: true, ct);

    public Task<IReadOnlyList<DoctorListing>> FindDoctorsAsync(string? specialty = null, Guid? hospitalId = null, string? name = null, CancellationToken ct = default)
    {
        var q = new List<string>();
        if (!string.IsNullOrWhiteSpace(specialty))
        {
            q.Add("specialty=" + Uri.EscapeDataString(specialty));
        }
        if (hospitalId is { } h)
        {
            q.Add("hospitalId=" + h);
        }
        if (!string.IsNullOrWhiteSpace(name))
        {
            q.Add("name=" + Uri.EscapeDataString(name));
        }
        return SendAsync<IReadOnlyList<DoctorListing>>(HttpMethod.Get, "/api/appointments/doctors" + (q.Count > 0 ? "?" + string.Join('&', q) : ""), null, authorize: true, ct);
    }

    public Task<IReadOnlyList<FreeSlot>> FreeSlotsAsync(Guid doctorId, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken ct = default)
    {
        var url = $"/api/appointments/slots?doctorId={doctorId}";
        if (from is { } f)
        {
            url += "&from=" + Uri.EscapeDataString(f.ToString("O", CultureInfo.InvariantCulture));
        }
        if (to is { } t)
        {
            url += "&to=" + Uri.EscapeDataString(t.ToString("O", CultureInfo.InvariantCulture));
        }
        return SendAsync<IReadOnlyList<FreeSlot>>(HttpMethod.Get, url, null, authorize: true, ct);
    }

    /// <summary>
    /// Books [start, end) on the schedule of <paramref name="slot"/> (one slot, or several consecutive ones when
    /// <paramref name="end"/> is later). The reason is sealed here for the doctor's key after their identity card checks
    /// out (admin-verified, keys the ledger registered), and for the patient; the ledger sees only its hash.
    /// </summary>
    public async Task<Appointment> BookAppointmentAsync(FreeSlot slot, string reason, DateTimeOffset? end = null, string? expectedFingerprint = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentNullException.ThrowIfNull(reason);
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        var doctor = (await TrustedCardAsync(slot.DoctorId, expectedFingerprint, ct)).Card;
        if (doctor.Role != Role.Doctor || doctor.OrganizationId != slot.HospitalId)
        {
            throw new MedLedgerVerificationException($"Refused: {slot.DoctorId} is not a verified doctor of hospital {slot.HospitalId}.");
        }
        var id = Guid.NewGuid();
        var words = Encoding.UTF8.GetBytes(reason);
        var forDoctor = SealedSecret.Seal(doctor.EncryptionPublicKey, ProtocolTags.AppointmentReason, id.ToString(), words).ToJsonBytes();
        var forPatient = SealedSecret.Seal(keys.Encryption.PublicKey, ProtocolTags.AppointmentReason, id.ToString(), words).ToJsonBytes();
        var until = end ?? slot.End;
        var tx = NewTransaction(AppointmentBookContract.TypeName, new Dictionary<string, string>
        {
            ["appointmentId"] = id.ToString(),
            ["patientId"] = UserId.ToString(),
            ["doctorId"] = slot.DoctorId.ToString(),
            ["hospitalId"] = slot.HospitalId.ToString(),
            ["startMs"] = slot.Start.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            ["endMs"] = until.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            ["reasonHash"] = Convert.ToHexStringLower(SHA256.HashData(forDoctor)),
        });
        return await SendAsync<Appointment>(HttpMethod.Post, "/api/appointments",
            new { appointmentId = id, scheduleId = slot.ScheduleId, start = slot.Start, end = until, reasonForDoctor = forDoctor, reasonForPatient = forPatient, transaction = Sign(tx) },
            authorize: true, ct);
    }

    /// <summary>The caller's appointments (patient, doctor) or their hospital's (staff).</summary>
    public Task<IReadOnlyList<Appointment>> AppointmentsAsync(DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken ct = default)
    {
        var q = new List<string>();
        if (from is { } f)
        {
            q.Add("from=" + Uri.EscapeDataString(f.ToString("O", CultureInfo.InvariantCulture)));
        }
        if (to is { } t)
        {
            q.Add("to=" + Uri.EscapeDataString(t.ToString("O", CultureInfo.InvariantCulture)));
        }
        return SendAsync<IReadOnlyList<Appointment>>(HttpMethod.Get, "/api/appointments" + (q.Count > 0 ? "?" + string.Join('&', q) : ""), null, authorize: true, ct);
    }

    public Task<Appointment> AppointmentAsync(Guid id, CancellationToken ct = default) =>
        SendAsync<Appointment>(HttpMethod.Get, $"/api/appointments/{id}", null, authorize: true, ct);

    /// <summary>Cancels: a patient signs appointments.cancel here; the doctor's and staff's cancellations are recorded by the server's peer.</summary>
    public Task<Appointment> CancelAppointmentAsync(Guid id, bool asPatient, CancellationToken ct = default)
    {
        object body = asPatient
            ? new { transaction = Sign(NewTransaction(AppointmentCancelContract.TypeName, new Dictionary<string, string> { ["appointmentId"] = id.ToString() })) }
            : new { transaction = (object?)null };
        return SendAsync<Appointment>(HttpMethod.Post, $"/api/appointments/{id}/cancel", body, authorize: true, ct);
    }

    public Task<Appointment> SetAppointmentStatusAsync(Guid id, AppointmentStatus status, CancellationToken ct = default) =>
        SendAsync<Appointment>(HttpMethod.Post, $"/api/appointments/{id}/status", new { status }, authorize: true, ct);

    /// <summary>
    /// The doctor closes a visit with its outcome: an Encounter note and the advice as a CarePlan (FHIR R4 JSON, validated
    /// here), each sealed as a record in the patient's record set whose records.write names this appointment, then the
    /// doctor's signed appointments.close naming both records and their ciphertext hashes. A booked visit is first
    /// marked in progress (records are written in a visit that is under way).
    /// </summary>
    public Task<Appointment> CloseConsultationAsync(Guid appointmentId, string encounterJson, string carePlanJson, CancellationToken ct = default) =>
        CloseConsultationAsync(appointmentId, encounterJson, carePlanJson, medicationRequestJson: null, ct);

    /// <summary>
    /// As above, and with <paramref name="medicationRequestJson"/> (a FHIR MedicationRequest) also a prescription: the
    /// MedicationRequest is written in the visit (its records.write names the appointment) and issued on the ledger
    /// (prescriptions.issue, as <see cref="WritePrescriptionAsync(string, Guid, CancellationToken)"/>), and the close names
    /// both, so the patient finds it with the advice. Sending it to a chosen pharmacy (pharmacy orders) is not built.
    /// </summary>
    public async Task<Appointment> CloseConsultationAsync(Guid appointmentId, string encounterJson, string carePlanJson, string? medicationRequestJson, CancellationToken ct = default)
    {
        if (ValidateFhir(encounterJson) != "Encounter")
        {
            throw new FhirValidationException("The visit note must be a FHIR Encounter.", new ArgumentException("not an Encounter", nameof(encounterJson)));
        }
        if (ValidateFhir(carePlanJson) != "CarePlan")
        {
            throw new FhirValidationException("The advice must be a FHIR CarePlan.", new ArgumentException("not a CarePlan", nameof(carePlanJson)));
        }
        var a = await AppointmentAsync(appointmentId, ct);
        if (a.DoctorId != UserId)
        {
            throw new InvalidOperationException("Only the appointment's doctor closes the consultation.");
        }
        if (a.Status == AppointmentStatus.Booked)
        {
            a = await SetAppointmentStatusAsync(appointmentId, AppointmentStatus.InProgress, ct);
        }
        var encounter = await WriteVersionAsync(Guid.NewGuid(), 1, a.PatientId, "Encounter", "application/fhir+json", Encoding.UTF8.GetBytes(encounterJson), appointmentId, ct);
        var carePlan = await WriteVersionAsync(Guid.NewGuid(), 1, a.PatientId, "CarePlan", "application/fhir+json", Encoding.UTF8.GetBytes(carePlanJson), appointmentId, ct);
        var prescription = medicationRequestJson is null ? null : await WritePrescriptionAsync(medicationRequestJson, a.PatientId, appointmentId, ct);
        var payload = new Dictionary<string, string>
        {
            ["appointmentId"] = appointmentId.ToString(),
            ["patientId"] = a.PatientId.ToString(),
            ["encounterRecordId"] = encounter.RecordId.ToString(),
            ["encounterHash"] = encounter.CiphertextHash,
            ["carePlanRecordId"] = carePlan.RecordId.ToString(),
            ["carePlanHash"] = carePlan.CiphertextHash,
        };
        if (prescription is not null)
        {
            payload["prescriptionId"] = prescription.Info.PrescriptionId.ToString();
            payload["prescriptionRecordId"] = prescription.Info.RecordId.ToString();
        }
        var tx = NewTransaction(AppointmentCloseContract.TypeName, payload);
        return await SendAsync<Appointment>(HttpMethod.Post, $"/api/appointments/{appointmentId}/close", new { transaction = Sign(tx) }, authorize: true, ct);
    }

    /// <summary>
    /// The patient opens a closed consultation's advice and proves it: the appointments.close receipt verifies against
    /// the peer's key and names this appointment, its doctor as signer and the two records; each record opens with its
    /// author's ledger-registered key, and its records.write (verified receipt) names the appointment and the hash the
    /// close named. Nothing here trusts the server's word.
    /// </summary>
    public async Task<ConsultationAdvice> OpenConsultationAdviceAsync(Guid appointmentId, CancellationToken ct = default)
    {
        var a = await AppointmentAsync(appointmentId, ct);
        if (a.CloseTransactionId is not { } closeId || a.EncounterRecordId is not { } encounterId || a.CarePlanRecordId is not { } carePlanId)
        {
            throw new InvalidOperationException("This consultation has not been closed with advice.");
        }
        var receipt = await ReceiptAsync(closeId, ct);
        await VerifyReceiptAsync(receipt, ct);
        var close = receipt.Transaction();
        if (close.Id != closeId || close.Type != AppointmentCloseContract.TypeName || close.ActorId != a.DoctorId.ToString() || close.Get("appointmentId") != appointmentId.ToString()
            || close.Get("patientId") != a.PatientId.ToString() || close.Get("encounterRecordId") != encounterId.ToString() || close.Get("carePlanRecordId") != carePlanId.ToString())
        {
            throw new MedLedgerVerificationException("The server's appointments.close does not match this appointment, its doctor or its records.");
        }
        var encounter = await OpenAdviceRecordAsync(encounterId, "Encounter", close.Get("encounterHash"), a, ct);
        var carePlan = await OpenAdviceRecordAsync(carePlanId, "CarePlan", close.Get("carePlanHash"), a, ct);
        VerifiedPrescription? prescription = null;
        DecryptedRecord? prescriptionRecord = null;
        if (close.Get("prescriptionId") is { } rxId)
        {
            // The close (doctor-signed, contract-checked) names the prescription and its record; its issue is checked here
            // against its receipt, and its MedicationRequest opened and checked against the issue.
            prescription = await PrescriptionAsync(Guid.Parse(rxId), ct);
            if (prescription.Info.RecordId.ToString() != close.Get("prescriptionRecordId") || prescription.Info.PatientId != a.PatientId || prescription.Info.PrescriberId != a.DoctorId)
            {
                throw new MedLedgerVerificationException("The prescription the server serves is not the one the doctor named when closing this consultation.");
            }
            prescriptionRecord = await CheckPrescriptionSourceAsync(prescription, ct);
        }
        return new ConsultationAdvice(a, encounter, carePlan, DateTimeOffset.FromUnixTimeMilliseconds(close.TimestampMs), receipt, prescription, prescriptionRecord);
    }

    private async Task<DecryptedRecord> OpenAdviceRecordAsync(Guid recordId, string category, string? closedHash, Appointment a, CancellationToken ct)
    {
        var record = await OpenRecordAsync(recordId, 1, ct);
        var anchor = await ReceiptAsync(record.LedgerTransactionId, ct);
        await VerifyReceiptAsync(anchor, ct);
        var write = anchor.Transaction();
        if (record.AuthorId != a.DoctorId || record.Category != category || write.Type != RecordWriteContract.TypeName || write.Id != record.LedgerTransactionId
            || write.Get("recordId") != recordId.ToString() || write.Get("appointmentId") != a.Id.ToString() || write.Get("ciphertextHash") != closedHash)
        {
            throw new MedLedgerVerificationException($"Record {recordId} is not the {category} the doctor named when closing this consultation.");
        }
        return record;
    }

    /// <summary>Opens the appointment's reason as sealed for the caller (the patient or the doctor), after checking it is the one the ledger hashed when it was sealed for the doctor.</summary>
    public string OpenAppointmentReason(Appointment appointment)
    {
        ArgumentNullException.ThrowIfNull(appointment);
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        if (appointment.SealedReason is not { } sealedReason)
        {
            throw new InvalidOperationException("No reason is sealed for you on this appointment.");
        }
        if (UserId == appointment.DoctorId && Convert.ToHexStringLower(SHA256.HashData(sealedReason)) != appointment.ReasonHash)
        {
            throw new MedLedgerVerificationException("The sealed reason is not the one the booking's reasonHash names.");
        }
        var words = SealedSecret.FromJson(sealedReason).Open(keys.Encryption, ProtocolTags.AppointmentReason, appointment.Id.ToString());
        return Encoding.UTF8.GetString(words);
    }
}
