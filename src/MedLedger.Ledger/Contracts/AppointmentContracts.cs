using System.Globalization;

namespace MedLedger.Ledger.Contracts;

/// <summary>
/// State keys of the appointment contracts. Overlap is refused by create-once keys: an appointment holds one key per
/// <see cref="AppointmentKeys.GranuleMs"/> it covers, for its doctor and for its patient, so two appointments of any
/// lengths (15-minute slots of one doctor, 20-minute slots of another) collide on the first granule they share.
/// </summary>
public static class AppointmentKeys
{
    /// <summary>Five minutes: every slot length a schedule allows is a multiple, and every time-zone offset in use is too.</summary>
    public const long GranuleMs = 5 * 60 * 1000;

    /// <summary>An appointment covers at most this long (eight hours: 96 granules per party).</summary>
    public const long MaxDurationMs = 8 * 60 * 60 * 1000;

    /// <summary>A patient cancels at least this long before the start; the practice (a peer event) until the start.</summary>
    public const long PatientCancelCutoffMs = 60 * 60 * 1000;

    /// <summary>
    /// How long after its end an appointment-scoped consent.grant may run: two hours, so a visit that overruns and the
    /// doctor's write-up and close after it are covered, yet the grant never becomes a standing one. A fixed span rather
    /// than "end of that day" because the contract knows no time zone and must decide the same on every peer.
    /// Mirrored in web/src/crypto/protocol.ts (APPOINTMENT_GRANT_GRACE_MS).
    /// </summary>
    public const long ScopedGrantGraceMs = 2 * 60 * 60 * 1000;

    public static string Status(string appointmentId) => $"appt/{appointmentId}";
    public static string Patient(string appointmentId) => $"appt/{appointmentId}/patient";
    public static string Doctor(string appointmentId) => $"appt/{appointmentId}/doctor";
    public static string Start(string appointmentId) => $"appt/{appointmentId}/start";
    public static string End(string appointmentId) => $"appt/{appointmentId}/end";
    /// <summary>The appointments.close transaction that fulfilled the appointment with its outcome records.</summary>
    public static string Closed(string appointmentId) => $"appt/{appointmentId}/closed";
    /// <summary>The appointment a record was written in (records.write naming appointmentId).</summary>
    public static string RecordAppointment(string recordId) => $"record/{recordId}/appointment";
    public static string DoctorGranule(string doctorId, long granule) => $"appt-doctor/{doctorId}/{granule.ToString(CultureInfo.InvariantCulture)}";
    public static string PatientGranule(string patientId, long granule) => $"appt-patient/{patientId}/{granule.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The granule indexes [start, end) covers.</summary>
    public static IEnumerable<long> Granules(long startMs, long endMs)
    {
        for (var g = startMs / GranuleMs; g < endMs / GranuleMs; g++)
        {
            yield return g;
        }
    }
}

/// <summary>Appointment statuses as the ledger records them (FHIR Appointment.status names).</summary>
public static class AppointmentStates
{
    public const string Booked = "booked";
    public const string Arrived = "arrived";
    public const string InProgress = "in-progress";
    public const string Fulfilled = "fulfilled";
    public const string Cancelled = "cancelled";
    public const string NoShow = "noshow";
}

/// <summary>
/// appointments.book — payload appointmentId, patientId, doctorId, hospitalId, startMs, endMs (UTC unix ms, on
/// granule boundaries), reasonHash (SHA-256 of the reason sealed for the doctor: the ledger never holds the words).
/// Signed by the patient. Refused when the start is not after the transaction's time, the doctor is not a verified
/// doctor, or any granule is already held by the doctor or the patient — so of many racing bookings exactly one wins.
/// </summary>
public sealed class AppointmentBookContract : LedgerContract
{
    public const string TypeName = "appointments.book";
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        ContractChecks.RequireActorIs(tx, state, "patientId", "only the patient books their own appointment");

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (ContractChecks.RequireIds(tx, "appointmentId", "patientId", "doctorId", "hospitalId") is { } r)
        {
            return r;
        }
        if (!TryTimes(tx, out var start, out var end))
        {
            return LedgerRejection.Malformed($"startMs and endMs must be times on {AppointmentKeys.GranuleMs / 60000}-minute boundaries, end after start, at most 8 hours apart");
        }
        if (!ContractChecks.IsHash(tx.Get("reasonHash")) || tx.Get("reason") is not null)
        {
            return LedgerRejection.Malformed("the reason goes on the ledger only as reasonHash (a lower-case hex SHA-256 of the sealed reason)");
        }
        if (start <= tx.TimestampMs)
        {
            return LedgerRejection.Malformed("an appointment cannot start in the past");
        }
        var doctorId = tx.Get("doctorId")!;
        var patientId = tx.Get("patientId")!;
        if (!ContractChecks.IsVerified(state, doctorId, IdentityRoles.Doctor))
        {
            return LedgerRejection.Forbidden("appointments are booked with a verified doctor");
        }
        if (state.Get(AppointmentKeys.Status(tx.Get("appointmentId")!)) is not null)
        {
            return LedgerRejection.Conflict("this appointment id is already used");
        }
        foreach (var g in AppointmentKeys.Granules(start, end))
        {
            if (state.Get(AppointmentKeys.DoctorGranule(doctorId, g)) is not null)
            {
                return LedgerRejection.Conflict("the doctor already has an appointment at this time");
            }
            if (state.Get(AppointmentKeys.PatientGranule(patientId, g)) is not null)
            {
                return LedgerRejection.Conflict("the patient already has an appointment at this time");
            }
        }
        return null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        TryTimes(tx, out var start, out var end);
        var id = tx.Get("appointmentId")!;
        var doctorId = tx.Get("doctorId")!;
        var patientId = tx.Get("patientId")!;
        state.Put(AppointmentKeys.Status(id), AppointmentStates.Booked);
        state.Put(AppointmentKeys.Patient(id), patientId);
        state.Put(AppointmentKeys.Doctor(id), doctorId);
        state.Put(AppointmentKeys.Start(id), tx.Get("startMs")!);
        state.Put(AppointmentKeys.End(id), tx.Get("endMs")!);
        foreach (var g in AppointmentKeys.Granules(start, end))
        {
            state.Put(AppointmentKeys.DoctorGranule(doctorId, g), id);
            state.Put(AppointmentKeys.PatientGranule(patientId, g), id);
        }
    }

    internal static bool TryTimes(LedgerTransaction tx, out long start, out long end)
    {
        end = 0;
        return long.TryParse(tx.Get("startMs"), NumberStyles.None, CultureInfo.InvariantCulture, out start)
            && long.TryParse(tx.Get("endMs"), NumberStyles.None, CultureInfo.InvariantCulture, out end)
            && start % AppointmentKeys.GranuleMs == 0 && end % AppointmentKeys.GranuleMs == 0
            && end > start && end - start <= AppointmentKeys.MaxDurationMs;
    }

    /// <summary>The stored start and end of a booked appointment (null when it was never booked).</summary>
    internal static (string PatientId, string DoctorId, long Start, long End)? Read(IStateReader state, string id) =>
        state.Get(AppointmentKeys.Patient(id)) is { } patient && state.Get(AppointmentKeys.Doctor(id)) is { } doctor
            ? (patient, doctor, long.Parse(state.Get(AppointmentKeys.Start(id))!, CultureInfo.InvariantCulture), long.Parse(state.Get(AppointmentKeys.End(id))!, CultureInfo.InvariantCulture))
            : null;
}

/// <summary>
/// appointments.cancel — payload appointmentId. Signed by the appointment's patient (at least
/// <see cref="AppointmentKeys.PatientCancelCutoffMs"/> before the start), or a peer event the server records after
/// checking the doctor or their hospital's staff (until the start). Only a booked appointment is cancelled, so its
/// granules are freed exactly once.
/// </summary>
public sealed class AppointmentCancelContract : LedgerContract
{
    public const string TypeName = "appointments.cancel";
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (tx.IsSystemEvent)
        {
            return LedgerAuthorization.RequireActorKeyOrPeer(tx, state, context);
        }
        return state.Get(AppointmentKeys.Patient(tx.Get("appointmentId") ?? "")) == tx.ActorId
            ? LedgerAuthorization.RequireActorKey(tx, state)
            : LedgerRejection.Forbidden("only the appointment's patient (or the practice, through a peer) cancels it");
    }

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (ContractChecks.RequireIds(tx, "appointmentId") is { } r)
        {
            return r;
        }
        var id = tx.Get("appointmentId")!;
        if (AppointmentBookContract.Read(state, id) is not { } appt)
        {
            return LedgerRejection.Conflict("this appointment was never booked");
        }
        var status = state.Get(AppointmentKeys.Status(id));
        if (status != AppointmentStates.Booked)
        {
            return LedgerRejection.Conflict($"the appointment is {status}, not booked");
        }
        var cutoff = tx.IsSystemEvent ? appt.Start : appt.Start - AppointmentKeys.PatientCancelCutoffMs;
        return tx.TimestampMs < cutoff ? null : LedgerRejection.Conflict("it is too late to cancel this appointment");
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var id = tx.Get("appointmentId")!;
        var appt = AppointmentBookContract.Read(state, id)!.Value;
        state.Put(AppointmentKeys.Status(id), AppointmentStates.Cancelled);
        foreach (var g in AppointmentKeys.Granules(appt.Start, appt.End))
        {
            state.Delete(AppointmentKeys.DoctorGranule(appt.DoctorId, g));
            state.Delete(AppointmentKeys.PatientGranule(appt.PatientId, g));
        }
    }
}

/// <summary>
/// appointments.status — payload appointmentId, status: arrived | in-progress | fulfilled | noshow. A peer event the
/// server records for the doctor or their hospital's staff. Moves forward only: booked → arrived → in-progress →
/// fulfilled, or booked → noshow once the start has passed. The appointment keeps its granules (it happened, or was held).
/// </summary>
public sealed class AppointmentStatusContract : LedgerContract
{
    public const string TypeName = "appointments.status";
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(context);
        return tx.IsSystemEvent && context.IsSignedByPeer(tx) ? null : LedgerRejection.Forbidden("appointment status changes are recorded by a peer");
    }

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (ContractChecks.RequireIds(tx, "appointmentId") is { } r)
        {
            return r;
        }
        var id = tx.Get("appointmentId")!;
        if (AppointmentBookContract.Read(state, id) is not { } appt)
        {
            return LedgerRejection.Conflict("this appointment was never booked");
        }
        var current = state.Get(AppointmentKeys.Status(id));
        var target = tx.Get("status");
        var allowed = (current, target) switch
        {
            (AppointmentStates.Booked, AppointmentStates.Arrived) => true,
            (AppointmentStates.Booked or AppointmentStates.Arrived, AppointmentStates.InProgress) => true,
            (AppointmentStates.InProgress, AppointmentStates.Fulfilled) => true,
            (AppointmentStates.Booked, AppointmentStates.NoShow) => tx.TimestampMs >= appt.Start,
            _ => false,
        };
        return allowed ? null : LedgerRejection.Conflict($"an appointment that is {current} cannot become {target}");
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Put(AppointmentKeys.Status(tx.Get("appointmentId")!), tx.Get("status")!);
    }
}

/// <summary>
/// appointments.close — payload appointmentId, patientId, encounterRecordId, encounterHash, carePlanRecordId,
/// carePlanHash (hex SHA-256 of each record's version-1 ciphertext, as its records.write anchored it). Signed by the
/// appointment's doctor: their signed statement of what they advised in this consultation, which the patient can later
/// show with its receipt. Both records must be the doctor's own, for this patient, written in this appointment
/// (records.write naming it); the appointment must be arrived or in progress, and becomes fulfilled. Optionally
/// prescriptionId and prescriptionRecordId: a prescription the doctor issued (prescriptions.issue) for this patient on a
/// MedicationRequest record written in this appointment, so the close names the prescription the patient was given.
/// </summary>
public sealed class AppointmentCloseContract : UserSignedContract
{
    public const string TypeName = "appointments.close";
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (ContractChecks.RequireIds(tx, "appointmentId", "patientId", "encounterRecordId", "carePlanRecordId") is { } r)
        {
            return r;
        }
        if (!ContractChecks.IsHash(tx.Get("encounterHash")) || !ContractChecks.IsHash(tx.Get("carePlanHash")))
        {
            return LedgerRejection.Malformed("encounterHash and carePlanHash must be lowercase hex SHA-256");
        }
        var id = tx.Get("appointmentId")!;
        if (AppointmentBookContract.Read(state, id) is not { } appt)
        {
            return LedgerRejection.Conflict("this appointment was never booked");
        }
        if (appt.DoctorId != tx.ActorId || appt.PatientId != tx.Get("patientId"))
        {
            return LedgerRejection.Forbidden("only the appointment's doctor closes it, naming its patient");
        }
        var status = state.Get(AppointmentKeys.Status(id));
        if (status is not (AppointmentStates.Arrived or AppointmentStates.InProgress))
        {
            return LedgerRejection.Conflict($"an appointment that is {status} cannot be closed (arrived or in progress only)");
        }
        foreach (var record in new[] { tx.Get("encounterRecordId")!, tx.Get("carePlanRecordId")! })
        {
            if (state.Get(CareKeys.RecordPatient(record)) != appt.PatientId || state.Get(CareKeys.RecordAuthor(record)) != tx.ActorId
                || state.Get(AppointmentKeys.RecordAppointment(record)) != id)
            {
                return LedgerRejection.Conflict($"record {record} is not one the doctor wrote for this patient in this appointment");
            }
        }
        if (tx.Get("encounterRecordId") == tx.Get("carePlanRecordId"))
        {
            return LedgerRejection.Malformed("the encounter and the care plan are two records");
        }
        return tx.Get("prescriptionId") is null && tx.Get("prescriptionRecordId") is null ? null : ValidatePrescription(tx, state, id, appt.PatientId);
    }

    private static LedgerRejection? ValidatePrescription(LedgerTransaction tx, IStateReader state, string appointmentId, string patientId)
    {
        if (ContractChecks.RequireIds(tx, "prescriptionId", "prescriptionRecordId") is { } r)
        {
            return r;
        }
        var rx = tx.Get("prescriptionId")!;
        var record = tx.Get("prescriptionRecordId")!;
        if (state.Get(PrescriptionKeys.Status(rx)) is null || state.Get(PrescriptionKeys.Patient(rx)) != patientId || state.Get(PrescriptionKeys.Prescriber(rx)) != tx.ActorId
            || state.Get(PrescriptionKeys.OfRecord(record)) != rx || state.Get(AppointmentKeys.RecordAppointment(record)) != appointmentId)
        {
            return LedgerRejection.Conflict($"prescription {rx} is not one the doctor issued for this patient on a record written in this appointment");
        }
        return null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var id = tx.Get("appointmentId")!;
        state.Put(AppointmentKeys.Status(id), AppointmentStates.Fulfilled);
        state.Put(AppointmentKeys.Closed(id), tx.Id);
    }
}
