using System.Globalization;

namespace MedLedger.Ledger.Contracts;

/// <summary>State keys of the prescription and dispensing contracts: ids, counts and times only.</summary>
public static class PrescriptionKeys
{
    public const string Active = "active";
    public const string Cancelled = "cancelled";

    /// <summary>"active" or "cancelled".</summary>
    public static string Status(string prescriptionId) => $"rx/{prescriptionId}";
    public static string Patient(string prescriptionId) => $"rx/{prescriptionId}/patient";
    public static string Prescriber(string prescriptionId) => $"rx/{prescriptionId}/prescriber";
    public static string TotalUnits(string prescriptionId) => $"rx/{prescriptionId}/total";
    public static string MaxFills(string prescriptionId) => $"rx/{prescriptionId}/max-fills";
    public static string ValidUntil(string prescriptionId) => $"rx/{prescriptionId}/valid-until";
    public static string Dispensed(string prescriptionId) => $"rx/{prescriptionId}/dispensed";
    public static string Fills(string prescriptionId) => $"rx/{prescriptionId}/fills";
    /// <summary>Create-once: the pharmacist who made fill n. Two pharmacies racing for the same fill number, one wins.</summary>
    public static string Fill(string prescriptionId, long fillNumber) => $"rx/{prescriptionId}/fill/{fillNumber.ToString(CultureInfo.InvariantCulture)}";
    /// <summary>Create-once: the MedicationDispense record the fill's pharmacist wrote for fill n (records.write naming the fill).</summary>
    public static string FillRecord(string prescriptionId, long fillNumber) => Fill(prescriptionId, fillNumber) + "/record";
    /// <summary>The pharmacy fill n was dispensed at (the dispense payload's pharmacyId): a pharmacy claims only its own dispenses (insurance.claim).</summary>
    public static string FillPharmacy(string prescriptionId, long fillNumber) => Fill(prescriptionId, fillNumber) + "/pharmacy";
    /// <summary>The prescription issued for a record (one per record).</summary>
    public static string OfRecord(string recordId) => $"rx-record/{recordId}";
}

/// <summary>
/// prescriptions.issue — payload exactly prescriptionId, recordId, recordVersion, patientId, headerHash, totalUnits, maxFills,
/// validUntilMs. Signed by the doctor who wrote the MedicationRequest record (the ledger's record author) right after its
/// records.write: the record must be at recordVersion with that patient. headerHash is the sealed version's header hash
/// (the same one its records.write anchors), so a pharmacist's client can tie the limits to the envelope it opened.
/// totalUnits = quantity × (1 + repeats), maxFills = 1 + repeats. Schedule II drugs get no refills: the ledger carries no
/// drug, so the prescriber's client issues maxFills 1 and a pharmacist's client refuses a schedule-II MedicationRequest
/// whose ledger entry allows more (docs/prescriptions.md). One prescription per record.
/// </summary>
public sealed class PrescriptionIssueContract : UserSignedContract
{
    public const string TypeName = "prescriptions.issue";
    public const long MaxFillsLimit = 100;
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (tx.Payload.Count != 8 || ContractChecks.RequireIds(tx, "prescriptionId", "recordId", "patientId") is not null
            || !ContractChecks.IsHash(tx.Get("headerHash"))
            || !PositiveLong(tx.Get("recordVersion"), out var version) || !PositiveLong(tx.Get("totalUnits"), out var total)
            || !PositiveLong(tx.Get("maxFills"), out var maxFills) || !PositiveLong(tx.Get("validUntilMs"), out var validUntil))
        {
            return LedgerRejection.Malformed("a prescription carries exactly prescriptionId, recordId, patientId (UUIDs), headerHash (hex SHA-256), recordVersion, totalUnits, maxFills and validUntilMs (positive integers)");
        }
        if (maxFills > MaxFillsLimit || maxFills > total)
        {
            return LedgerRejection.Malformed($"maxFills must be at most {MaxFillsLimit} and at most totalUnits");
        }
        if (validUntil <= tx.TimestampMs)
        {
            return LedgerRejection.Malformed("validUntilMs must be after the prescription is issued");
        }
        if (!ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.Doctor))
        {
            return LedgerRejection.Forbidden("only a verified doctor issues a prescription");
        }
        var recordId = tx.Get("recordId")!;
        if (state.Get(CareKeys.RecordAuthor(recordId)) != tx.ActorId || state.Get(CareKeys.RecordPatient(recordId)) != tx.Get("patientId"))
        {
            return LedgerRejection.Forbidden("a prescription is issued by the doctor who wrote its record, for that record's patient");
        }
        if (state.Get(CareKeys.RecordVersion(recordId)) != version.ToString(CultureInfo.InvariantCulture))
        {
            return LedgerRejection.Conflict($"record {recordId} is not at version {version}");
        }
        if (state.Get(PrescriptionKeys.OfRecord(recordId)) is { } other)
        {
            return LedgerRejection.Conflict($"record {recordId} already has prescription {other}");
        }
        return state.Get(PrescriptionKeys.Status(tx.Get("prescriptionId")!)) is not null
            ? LedgerRejection.Conflict($"prescription {tx.Get("prescriptionId")} exists already")
            : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var id = tx.Get("prescriptionId")!;
        state.Put(PrescriptionKeys.Status(id), PrescriptionKeys.Active);
        state.Put(PrescriptionKeys.Patient(id), tx.Get("patientId")!);
        state.Put(PrescriptionKeys.Prescriber(id), tx.ActorId);
        state.Put(PrescriptionKeys.TotalUnits(id), tx.Get("totalUnits")!);
        state.Put(PrescriptionKeys.MaxFills(id), tx.Get("maxFills")!);
        state.Put(PrescriptionKeys.ValidUntil(id), tx.Get("validUntilMs")!);
        state.Put(PrescriptionKeys.Dispensed(id), "0");
        state.Put(PrescriptionKeys.Fills(id), "0");
        state.Put(PrescriptionKeys.OfRecord(tx.Get("recordId")!), id);
    }

    internal static bool PositiveLong(string? s, out long value) =>
        long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1;
}

/// <summary>prescriptions.cancel — payload exactly prescriptionId, patientId. Only the prescriber cancels, once; no fill after it.</summary>
public sealed class PrescriptionCancelContract : UserSignedContract
{
    public const string TypeName = "prescriptions.cancel";
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (tx.Payload.Count != 2 || ContractChecks.RequireIds(tx, "prescriptionId", "patientId") is not null)
        {
            return LedgerRejection.Malformed("a cancellation carries exactly prescriptionId and patientId (UUIDs)");
        }
        var id = tx.Get("prescriptionId")!;
        var status = state.Get(PrescriptionKeys.Status(id));
        if (status is null || state.Get(PrescriptionKeys.Patient(id)) != tx.Get("patientId"))
        {
            return LedgerRejection.Conflict($"no prescription {id} for this patient");
        }
        if (state.Get(PrescriptionKeys.Prescriber(id)) != tx.ActorId)
        {
            return LedgerRejection.Forbidden("only the prescriber cancels a prescription");
        }
        return status == PrescriptionKeys.Active ? null : LedgerRejection.Conflict($"prescription {id} is {status} already");
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Put(PrescriptionKeys.Status(tx.Get("prescriptionId")!), PrescriptionKeys.Cancelled);
    }
}

/// <summary>
/// pharmacy.dispense — payload exactly prescriptionId, patientId, grantId, pharmacyId, fillNumber, quantity. Signed by the
/// dispensing pharmacist (a verified Pharmacist). The rules hold across every pharmacy because they live in ledger state:
/// grantId is an active, unexpired consent grant from the prescription's patient to the signer; the prescription is active
/// (not cancelled) and the transaction's time is not after validUntilMs; fillNumber is the next fill (fills so far + 1) and at
/// most maxFills, and each (prescription, fill number) is created once, so two pharmacies racing for the same fill get one
/// commit and one conflict; quantity is positive and everything dispensed stays within totalUnits (partial fills allowed).
/// The grant's scope is a hash on the ledger: the server checks the grant covers this prescription's record (docs/prescriptions.md).
/// </summary>
public sealed class PharmacyDispenseContract : UserSignedContract
{
    public const string TypeName = "pharmacy.dispense";
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (tx.Payload.Count != 6 || ContractChecks.RequireIds(tx, "prescriptionId", "patientId", "grantId", "pharmacyId") is not null
            || !PrescriptionIssueContract.PositiveLong(tx.Get("fillNumber"), out var fillNumber)
            || !PrescriptionIssueContract.PositiveLong(tx.Get("quantity"), out var quantity))
        {
            return LedgerRejection.Malformed("a fill carries exactly prescriptionId, patientId, grantId, pharmacyId (UUIDs), fillNumber and quantity (positive integers)");
        }
        if (!ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.Pharmacist))
        {
            return LedgerRejection.Forbidden("only a verified pharmacist dispenses");
        }
        var id = tx.Get("prescriptionId")!;
        var patientId = tx.Get("patientId")!;
        var status = state.Get(PrescriptionKeys.Status(id));
        if (status is null || state.Get(PrescriptionKeys.Patient(id)) != patientId)
        {
            return LedgerRejection.Conflict($"no prescription {id} for this patient");
        }
        var grantId = tx.Get("grantId")!;
        if (state.Get(CareKeys.Consent(grantId)) != "active" || state.Get(CareKeys.ConsentPatient(grantId)) != patientId
            || state.Get(CareKeys.ConsentGrantee(grantId)) != tx.ActorId
            || (long.TryParse(state.Get(CareKeys.ConsentExpires(grantId)), NumberStyles.None, CultureInfo.InvariantCulture, out var expires) && expires != 0 && expires <= tx.TimestampMs))
        {
            return LedgerRejection.Forbidden("the pharmacist holds no active consent grant from the patient");
        }
        if (status != PrescriptionKeys.Active)
        {
            return LedgerRejection.Conflict($"prescription {id} is {status}");
        }
        if (tx.TimestampMs > Long(state, PrescriptionKeys.ValidUntil(id)))
        {
            return LedgerRejection.Conflict($"prescription {id} is past its validity end");
        }
        var fills = Long(state, PrescriptionKeys.Fills(id));
        if (fillNumber > Long(state, PrescriptionKeys.MaxFills(id)))
        {
            return LedgerRejection.Conflict($"prescription {id} allows {Long(state, PrescriptionKeys.MaxFills(id))} fills");
        }
        if (state.Get(PrescriptionKeys.Fill(id, fillNumber)) is not null)
        {
            return LedgerRejection.Conflict($"fill {fillNumber} of prescription {id} was made already");
        }
        if (fillNumber != fills + 1)
        {
            return LedgerRejection.Conflict($"prescription {id} has {fills} fills; the next is fill {fills + 1}");
        }
        var dispensed = Long(state, PrescriptionKeys.Dispensed(id));
        var total = Long(state, PrescriptionKeys.TotalUnits(id));
        return quantity > total - dispensed
            ? LedgerRejection.Conflict($"prescription {id} has {total - dispensed} of {total} units left")
            : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var id = tx.Get("prescriptionId")!;
        var fillNumber = long.Parse(tx.Get("fillNumber")!, CultureInfo.InvariantCulture);
        var quantity = long.Parse(tx.Get("quantity")!, CultureInfo.InvariantCulture);
        state.Put(PrescriptionKeys.Fill(id, fillNumber), tx.ActorId);
        state.Put(PrescriptionKeys.FillPharmacy(id, fillNumber), tx.Get("pharmacyId")!);
        state.Put(PrescriptionKeys.Fills(id), fillNumber.ToString(CultureInfo.InvariantCulture));
        state.Put(PrescriptionKeys.Dispensed(id), (Long(state, PrescriptionKeys.Dispensed(id)) + quantity).ToString(CultureInfo.InvariantCulture));
    }

    private static long Long(IStateReader state, string key) => long.Parse(state.Get(key) ?? "0", CultureInfo.InvariantCulture);
}
