using System.Globalization;

namespace MedLedger.Ledger.Contracts;

/// <summary>
/// records.write — payload recordId, version, patientId, ciphertextHash, headerHash (hex SHA-256), authorId, and
/// optionally appointmentId. Signed by the author: the patient, or a doctor currently assigned to the patient, or —
/// naming appointmentId — the appointment's doctor while it is arrived or in progress (version 1 records the link), or —
/// naming prescriptionId and fillNumber — the pharmacist who made that fill, for the prescription's patient: version 1 of
/// the fill's one dispense record (a MedicationDispense; the category is not on the ledger, the clients check it). Versions are
/// consecutive from 1 and a record never changes patient. The author of version 1 (named by authorId) is the
/// record's author and the only one who writes its later versions. Transactions from before authorId existed
/// carry none and set no author, so chains written then replay to the same state.
/// </summary>
public sealed class RecordWriteContract : UserSignedContract
{
    public const string TypeName = "records.write";
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (ContractChecks.RequireIds(tx, "recordId", "patientId") is { } r)
        {
            return r;
        }
        if (!ContractChecks.IsHash(tx.Get("ciphertextHash")) || !ContractChecks.IsHash(tx.Get("headerHash")))
        {
            return LedgerRejection.Malformed("ciphertextHash and headerHash must be lowercase hex SHA-256");
        }
        if (!long.TryParse(tx.Get("version"), NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            return LedgerRejection.Malformed("version must be a positive integer");
        }
        var recordId = tx.Get("recordId")!;
        var patientId = tx.Get("patientId")!;
        if (tx.Get("appointmentId") is { } appointmentId)
        {
            // Written in a consultation: the appointment's own doctor, for its patient, while the visit is under way.
            // The link is checked here so appointments.close (and the patient) can rely on it.
            if (AppointmentBookContract.Read(state, appointmentId) is not { } appt || appt.DoctorId != tx.ActorId || appt.PatientId != patientId
                || state.Get(AppointmentKeys.Status(appointmentId)) is not (AppointmentStates.Arrived or AppointmentStates.InProgress))
            {
                return LedgerRejection.Forbidden("records written in an appointment come from its doctor, for its patient, while it is arrived or in progress");
            }
        }
        else if (tx.Get("prescriptionId") is not null || tx.Get("fillNumber") is not null)
        {
            // Written for a fill: only its pharmacist, for the prescription's patient, once per fill, as a new record.
            if (ContractChecks.RequireIds(tx, "prescriptionId") is { } bad)
            {
                return bad;
            }
            if (!long.TryParse(tx.Get("fillNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out var fill) || fill < 1)
            {
                return LedgerRejection.Malformed("fillNumber must be a positive integer");
            }
            var prescriptionId = tx.Get("prescriptionId")!;
            if (state.Get(PrescriptionKeys.Fill(prescriptionId, fill)) != tx.ActorId || state.Get(PrescriptionKeys.Patient(prescriptionId)) != patientId)
            {
                return LedgerRejection.Forbidden("a dispense record comes from the pharmacist who made that fill, for the prescription's patient");
            }
            if (version != 1)
            {
                return LedgerRejection.Malformed("a dispense record is written once, as version 1 of a new record");
            }
            if (state.Get(PrescriptionKeys.FillRecord(prescriptionId, fill)) is not null)
            {
                return LedgerRejection.Conflict($"fill {fill} of prescription {prescriptionId} has its dispense record already");
            }
        }
        else if (tx.ActorId != patientId && state.Get(CareKeys.Assignment(patientId, tx.ActorId)) is null)
        {
            return LedgerRejection.Forbidden("only the patient or an assigned doctor writes the patient's records");
        }
        if (tx.Get("authorId") is { } named && named != tx.ActorId)
        {
            return LedgerRejection.Malformed("authorId must be the signer");
        }
        if (state.Get(CareKeys.RecordAuthor(recordId)) is { } author && author != tx.ActorId)
        {
            return LedgerRejection.Forbidden("only the record's author writes its next version");
        }
        var current = long.Parse(state.Get(CareKeys.RecordVersion(recordId)) ?? "0", CultureInfo.InvariantCulture);
        if (version != current + 1)
        {
            return LedgerRejection.Conflict($"record {recordId} is at version {current}; the next version is {current + 1}");
        }
        var owner = state.Get(CareKeys.RecordPatient(recordId));
        return owner is not null && owner != patientId ? LedgerRejection.Conflict("a record cannot change patient") : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Put(CareKeys.RecordVersion(tx.Get("recordId")!), tx.Get("version")!);
        state.Put(CareKeys.RecordPatient(tx.Get("recordId")!), tx.Get("patientId")!);
        if (tx.Get("version") == "1" && tx.Get("authorId") is { } author)
        {
            state.Put(CareKeys.RecordAuthor(tx.Get("recordId")!), author);
        }
        if (tx.Get("version") == "1" && tx.Get("appointmentId") is { } appointmentId)
        {
            state.Put(AppointmentKeys.RecordAppointment(tx.Get("recordId")!), appointmentId);
        }
        if (tx.Get("prescriptionId") is { } prescriptionId)
        {
            state.Put(PrescriptionKeys.FillRecord(prescriptionId, long.Parse(tx.Get("fillNumber")!, CultureInfo.InvariantCulture)), tx.Get("recordId")!);
        }
    }
}

/// <summary>
/// records.read — a peer-signed system event: readerId read recordId (version) of patientId; and
/// records.access-denied — readerId was refused recordId (reason code). Both change no state; they are the audit trail.
/// </summary>
public sealed class RecordReadContract : LedgerContract
{
    public const string TypeName = "records.read";
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        context is not null && context.IsSignedByPeer(tx) ? null : LedgerRejection.Forbidden("read events are recorded by a peer");

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(state);
        return ContractChecks.RequireIds(tx, "readerId", "recordId", "patientId")
            ?? (state.Get(CareKeys.RecordPatient(tx.Get("recordId")!)) == tx.Get("patientId") ? null : LedgerRejection.Conflict("unknown record for this patient"));
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
    }
}

public sealed class RecordAccessDeniedContract : LedgerContract
{
    public const string TypeName = "records.access-denied";
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        context is not null && context.IsSignedByPeer(tx) ? null : LedgerRejection.Forbidden("refusals are recorded by a peer");

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        ContractChecks.RequireIds(tx, "readerId") ?? (string.IsNullOrEmpty(tx.Get("reason")) ? LedgerRejection.Malformed("reason code is required") : null);

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
    }
}

/// <summary>
/// records.access-denied-summary — a peer-signed system event: the refusals of readerId in one window (the window
/// starting at windowStartMs, unix ms) beyond the first, which has its own records.access-denied entry. count is how
/// many, rateLimited how many of them were answered "too many requests". Ids and counts only; changes no state.
/// </summary>
public sealed class RecordAccessDeniedSummaryContract : LedgerContract
{
    public const string TypeName = "records.access-denied-summary";
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        context is not null && context.IsSignedByPeer(tx) ? null : LedgerRejection.Forbidden("refusals are recorded by a peer");

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (ContractChecks.RequireIds(tx, "readerId") is { } r)
        {
            return r;
        }
        if (tx.Payload.Count != 4)
        {
            return LedgerRejection.Malformed("a summary carries readerId, windowStartMs, count and rateLimited only");
        }
        var ok = long.TryParse(tx.Get("windowStartMs"), NumberStyles.None, CultureInfo.InvariantCulture, out _)
            & long.TryParse(tx.Get("count"), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            & long.TryParse(tx.Get("rateLimited"), NumberStyles.None, CultureInfo.InvariantCulture, out var limited);
        return ok && count >= 1 && limited <= count
            ? null
            : LedgerRejection.Malformed("windowStartMs, count (at least 1) and rateLimited (at most count) must be non-negative integers");
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
    }
}
