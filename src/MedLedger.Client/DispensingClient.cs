using System.Globalization;
using FhirString = Hl7.Fhir.Model.FhirString;
using MedicationRequest = Hl7.Fhir.Model.MedicationRequest;
using Hl7.Fhir.Serialization;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Prescriptions and fills (docs/prescriptions.md): the prescriber's client puts a MedicationRequest's limits on the ledger
// (prescriptions.issue), a pharmacist's client checks the prescription end to end before it signs a pharmacy.dispense,
// and the patient's client lists every fill at any pharmacy against its ledger receipt.

public sealed record PrescriptionFillInfo(Guid PrescriptionId, int FillNumber, int Quantity, Guid PharmacistId, Guid PharmacyId, string TransactionId, DateTimeOffset DispensedAt,
    LedgerReceipt Receipt);

/// <summary>A prescription as the server serves it (its ledger limits and every fill); <see cref="VerifiedPrescription"/> is what a client checked.</summary>
public sealed record PrescriptionInfo(Guid PrescriptionId, Guid RecordId, int RecordVersion, Guid PatientId, Guid PrescriberId, string HeaderHash,
    int TotalUnits, int MaxFills, DateTimeOffset ValidUntil, string Status, int Dispensed, string IssueTransactionId, DateTimeOffset IssuedAt,
    string? CancelTransactionId, DateTimeOffset? CancelledAt, IReadOnlyList<PrescriptionFillInfo> Fills, LedgerReceipt IssueReceipt, LedgerReceipt? CancelReceipt);

/// <summary>A prescription whose issue, cancellation and every fill were checked against verified ledger receipts.</summary>
public sealed record VerifiedPrescription(PrescriptionInfo Info, bool Cancelled, int Dispensed, int FillsMade)
{
    public int UnitsLeft => Info.TotalUnits - Dispensed;
    public int NextFillNumber => FillsMade + 1;
    public bool Expired(DateTimeOffset now) => now > Info.ValidUntil;
}

/// <summary>The limits a MedicationRequest's dispenseRequest sets, as the ledger must carry them.</summary>
public sealed record PrescriptionLimits(int TotalUnits, int MaxFills, DateTimeOffset ValidUntil, bool ExplicitEnd, bool ScheduleII)
{
    /// <summary>
    /// The extension a prescriber's FHIR carries for a controlled substance's schedule (valueString "II", …). Schedule II
    /// means no refills; the ledger never says so (docs/prescriptions.md): both clients check it.
    /// </summary>
    public const string ScheduleExtension = "https://medledger.example/fhir/StructureDefinition/controlled-substance-schedule";

    /// <summary>Without a validityPeriod end, a prescription is valid this long after it is issued.</summary>
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(365);

    /// <summary>quantity × (1 + repeats) units over 1 + repeats fills, until the validity end (end of that day, UTC).</summary>
    public static PrescriptionLimits FromFhir(string medicationRequestJson, DateTimeOffset issuedAt)
    {
        MedicationRequest mr;
        try
        {
            mr = new FhirJsonDeserializer().Deserialize<MedicationRequest>(medicationRequestJson);
        }
        catch (Exception e) when (e is FormatException or DeserializationFailedException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            throw new FhirValidationException("The prescription is not a valid FHIR R4 MedicationRequest: " + e.Message, e);
        }
        var quantity = mr.DispenseRequest?.Quantity?.Value;
        if (quantity is not { } q || q < 1 || q != decimal.Truncate(q) || q > 1_000_000)
        {
            throw new FhirValidationException("A prescription's dispenseRequest needs a whole quantity of at least 1.", new InvalidOperationException());
        }
        var repeats = mr.DispenseRequest!.NumberOfRepeatsAllowed ?? 0;
        var schedule = (mr.Extension.FirstOrDefault(x => x.Url == ScheduleExtension)?.Value as FhirString)?.Value;
        var scheduleII = schedule is "II" or "2" or "CII";
        if (repeats is < 0 or > (int)PrescriptionIssueContract.MaxFillsLimit - 1)
        {
            throw new FhirValidationException($"numberOfRepeatsAllowed must be from 0 to {PrescriptionIssueContract.MaxFillsLimit - 1}.", new InvalidOperationException());
        }
        var endText = mr.DispenseRequest.ValidityPeriod?.End;
        DateTimeOffset end;
        if (endText is null)
        {
            end = issuedAt + DefaultValidity;
        }
        else if (DateTimeOffset.TryParseExact(endText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var day))
        {
            // A date means the whole of that day (UTC).
            end = day.AddDays(1).AddMilliseconds(-1);
        }
        else if (!DateTimeOffset.TryParse(endText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out end))
        {
            throw new FhirValidationException("dispenseRequest.validityPeriod.end is not a date.", new InvalidOperationException());
        }
        return new PrescriptionLimits((int)q * (1 + repeats), 1 + repeats, end, endText is not null, scheduleII);
    }
}

/// <summary>Why this client will not dispense (or trust) a prescription: what the server sent does not hold up.</summary>
public sealed class PrescriptionCheckException(string message) : Exception(message);

/// <summary>
/// The fill is on the ledger and its stock taken, but its MedicationDispense record could not be written; write it again with
/// <see cref="MedLedgerClient.WriteDispenseRecordAsync(Guid, int, CancellationToken)"/>.
/// </summary>
public sealed class DispenseRecordException(Guid prescriptionId, int fillNumber, Exception inner)
    : Exception($"Fill {fillNumber} of prescription {prescriptionId} is made, but its dispense record was not written: {inner.Message}", inner)
{
    public Guid PrescriptionId { get; } = prescriptionId;
    public int FillNumber { get; } = fillNumber;
}

public sealed partial class MedLedgerClient
{
    /// <summary>
    /// Doctor: write a MedicationRequest for the patient (a sealed record) and put its limits on the ledger (a
    /// prescriptions.issue bound to the version's header hash). A schedule-II drug with repeats is refused here.
    /// </summary>
    public Task<VerifiedPrescription> WritePrescriptionAsync(string medicationRequestJson, Guid patientId, CancellationToken ct = default) =>
        WritePrescriptionAsync(medicationRequestJson, patientId, appointmentId: null, ct);

    /// <summary>As above; with <paramref name="appointmentId"/> the MedicationRequest's records.write names the visit it was written in.</summary>
    internal async Task<VerifiedPrescription> WritePrescriptionAsync(string medicationRequestJson, Guid patientId, Guid? appointmentId, CancellationToken ct)
    {
        if (ValidateFhir(medicationRequestJson) != RecordCategories.MedicationRequest)
        {
            throw new FhirValidationException("A prescription is a FHIR MedicationRequest.", new InvalidOperationException());
        }
        var limits = PrescriptionLimits.FromFhir(medicationRequestJson, DateTimeOffset.UtcNow);
        if (limits.ScheduleII && limits.MaxFills > 1)
        {
            throw new FhirValidationException("A schedule II prescription cannot have refills (numberOfRepeatsAllowed must be 0).", new InvalidOperationException());
        }
        if (limits.ValidUntil <= DateTimeOffset.UtcNow)
        {
            throw new FhirValidationException("The prescription's validityPeriod has already ended.", new InvalidOperationException());
        }
        var written = await WriteVersionAsync(Guid.NewGuid(), 1, patientId, RecordCategories.MedicationRequest, "application/fhir+json", System.Text.Encoding.UTF8.GetBytes(medicationRequestJson), appointmentId, ct);
        var anchor = (written.Receipt ?? throw new MedLedgerVerificationException("The server did not return the record's receipt.")).Transaction();
        var tx = NewTransaction(PrescriptionIssueContract.TypeName, new Dictionary<string, string>
        {
            ["prescriptionId"] = Guid.NewGuid().ToString(), ["recordId"] = written.RecordId.ToString(),
            ["recordVersion"] = written.Version.ToString(CultureInfo.InvariantCulture), ["patientId"] = patientId.ToString(),
            ["headerHash"] = anchor.Get("headerHash")!, ["totalUnits"] = limits.TotalUnits.ToString(CultureInfo.InvariantCulture),
            ["maxFills"] = limits.MaxFills.ToString(CultureInfo.InvariantCulture),
            ["validUntilMs"] = limits.ValidUntil.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        });
        var info = await SendAsync<PrescriptionInfo>(HttpMethod.Post, "/api/prescriptions", new { transaction = Sign(tx) }, authorize: true, ct);
        return await CheckPrescriptionAsync(info, ct);
    }

    /// <summary>Doctor: cancel a prescription you issued; no pharmacy can fill it afterwards.</summary>
    public async Task<VerifiedPrescription> CancelPrescriptionAsync(Guid prescriptionId, CancellationToken ct = default)
    {
        var current = await PrescriptionAsync(prescriptionId, ct);
        var tx = NewTransaction(PrescriptionCancelContract.TypeName, new Dictionary<string, string>
        {
            ["prescriptionId"] = prescriptionId.ToString(), ["patientId"] = current.Info.PatientId.ToString(),
        });
        var info = await SendAsync<PrescriptionInfo>(HttpMethod.Post, $"/api/prescriptions/{prescriptionId}/cancel", new { transaction = Sign(tx) }, authorize: true, ct);
        return await CheckPrescriptionAsync(info, ct);
    }

    /// <summary>One prescription with its fills at every pharmacy, each checked against its ledger receipt.</summary>
    public async Task<VerifiedPrescription> PrescriptionAsync(Guid prescriptionId, CancellationToken ct = default)
    {
        var info = await SendAsync<PrescriptionInfo>(HttpMethod.Get, $"/api/prescriptions/{prescriptionId}", null, authorize: true, ct);
        if (info.PrescriptionId != prescriptionId)
        {
            throw new MedLedgerVerificationException($"Asked for prescription {prescriptionId}, the server sent {info.PrescriptionId}.");
        }
        return await CheckPrescriptionAsync(info, ct);
    }

    /// <summary>
    /// Patient: every prescription of yours and every fill of it at any pharmacy (doctor: those you issued; pharmacist: those a
    /// grant covers, for <paramref name="recordId"/> or <paramref name="patientId"/>), each checked against its verified receipt.
    /// </summary>
    public async Task<IReadOnlyList<VerifiedPrescription>> PrescriptionsAsync(Guid? recordId = null, Guid? patientId = null, CancellationToken ct = default)
    {
        var q = new List<string>();
        if (recordId is { } r) { q.Add($"recordId={r}"); }
        if (patientId is { } p) { q.Add($"patientId={p}"); }
        var infos = await SendAsync<IReadOnlyList<PrescriptionInfo>>(HttpMethod.Get, "/api/prescriptions" + (q.Count > 0 ? "?" + string.Join('&', q) : ""), null, authorize: true, ct);
        var checkedList = new List<VerifiedPrescription>(infos.Count);
        foreach (var info in infos)
        {
            checkedList.Add(await CheckPrescriptionAsync(info, ct));
        }
        return checkedList;
    }

    /// <summary>
    /// Pharmacist: check the prescription end to end, then sign and submit the next fill of <paramref name="quantity"/> units
    /// (a partial fill when fewer than are left). Checks: the issue, cancellation and earlier fills against their ledger
    /// receipts; the MedicationRequest opened here (the prescriber's signature, its records.write anchor, the header hash the
    /// issue names); the prescriber is an admin-verified doctor; the ledger's limits are the ones its dispenseRequest sets, and a
    /// schedule-II drug allows one fill. Throws <see cref="PrescriptionCheckException"/> when any check fails. The server takes
    /// the units from the pharmacy's stock of catalogue medicine <paramref name="medicineId"/> (earliest expiry first); a shortfall
    /// is a 409 <c>insufficient-stock</c> and nothing reaches the ledger.
    /// </summary>
    public async Task<VerifiedPrescription> DispenseAsync(Guid prescriptionId, Guid medicineId, int quantity, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        if (medicineId == Guid.Empty)
        {
            throw new ArgumentException("Name the catalogue medicine the fill is dispensed from.", nameof(medicineId));
        }
        var pharmacy = Tokens?.User.OrganizationId ?? throw new InvalidOperationException("Only a pharmacist of a pharmacy dispenses.");
        var rx = await PrescriptionAsync(prescriptionId, ct);
        var request = await CheckPrescriptionSourceAsync(rx, ct);
        if (rx.Cancelled)
        {
            throw new PrescriptionCheckException($"Prescription {prescriptionId} was cancelled by its prescriber.");
        }
        if (rx.Expired(DateTimeOffset.UtcNow))
        {
            throw new PrescriptionCheckException($"Prescription {prescriptionId} was valid until {rx.Info.ValidUntil:u}.");
        }
        if (rx.FillsMade >= rx.Info.MaxFills || quantity > rx.UnitsLeft)
        {
            throw new PrescriptionCheckException($"Prescription {prescriptionId} has {rx.UnitsLeft} units and {rx.Info.MaxFills - rx.FillsMade} fills left.");
        }
        var grant = (await GrantsAsync(ct)).FirstOrDefault(g => g.Active && g.PatientId == rx.Info.PatientId && g.GranteeId == UserId
                && ((g.Scope == ConsentScope.Categories && g.Items.Contains(RecordCategories.MedicationRequest)) || (g.Scope == ConsentScope.Records && g.Items.Contains(rx.Info.RecordId.ToString()))))
            ?? throw new PrescriptionCheckException($"You hold no active consent grant from the patient covering prescription {prescriptionId}.");
        var tx = NewTransaction(PharmacyDispenseContract.TypeName, new Dictionary<string, string>
        {
            ["prescriptionId"] = prescriptionId.ToString(), ["patientId"] = rx.Info.PatientId.ToString(), ["grantId"] = grant.Id.ToString(),
            ["pharmacyId"] = pharmacy.ToString(), ["fillNumber"] = rx.NextFillNumber.ToString(CultureInfo.InvariantCulture),
            ["quantity"] = quantity.ToString(CultureInfo.InvariantCulture),
        });
        var info = await SendAsync<PrescriptionInfo>(HttpMethod.Post, $"/api/prescriptions/{prescriptionId}/fills", new { transaction = Sign(tx), medicineId }, authorize: true, ct);
        var after = await CheckPrescriptionAsync(info, ct);
        var fill = after.Info.Fills.FirstOrDefault(f => f.TransactionId == tx.Id)
            ?? throw new MedLedgerVerificationException($"The server's answer does not list our fill {tx.Id}.");
        try
        {
            await WriteDispenseRecordAsync(after, fill, request, ct);
        }
        catch (Exception e) when (e is MedLedgerApiException or HttpRequestException or MedLedgerVerificationException)
        {
            throw new DispenseRecordException(prescriptionId, fill.FillNumber, e);
        }
        return after;
    }

    /// <summary>
    /// The dispense record of one of your fills, again (after a <see cref="DispenseRecordException"/>): a FHIR MedicationDispense
    /// sealed for the patient and you, whose records.write names the fill (the contract accepts only the fill's pharmacist, once).
    /// </summary>
    public async Task<RecordVersionInfo> WriteDispenseRecordAsync(Guid prescriptionId, int fillNumber, CancellationToken ct = default)
    {
        var rx = await PrescriptionAsync(prescriptionId, ct);
        var fill = rx.Info.Fills.FirstOrDefault(f => f.FillNumber == fillNumber && f.PharmacistId == UserId)
            ?? throw new PrescriptionCheckException($"Fill {fillNumber} of prescription {prescriptionId} is not one you made.");
        return await WriteDispenseRecordAsync(rx, fill, await CheckPrescriptionSourceAsync(rx, ct), ct);
    }

    private Task<RecordVersionInfo> WriteDispenseRecordAsync(VerifiedPrescription rx, PrescriptionFillInfo fill, DecryptedRecord request, CancellationToken ct)
    {
        var json = MedicationDispenseJson(request, rx.Info, fill, UserId);
        return WriteVersionAsync(Guid.NewGuid(), 1, rx.Info.PatientId, RecordCategories.MedicationDispense, "application/fhir+json", System.Text.Encoding.UTF8.GetBytes(json),
            new Dictionary<string, string> { ["prescriptionId"] = rx.Info.PrescriptionId.ToString(), ["fillNumber"] = fill.FillNumber.ToString(CultureInfo.InvariantCulture) }, ct);
    }

    /// <summary>
    /// FHIR R4 MedicationDispense for a fill: the medication and dosage as the prescriber wrote them, the quantity handed over
    /// (in the prescription's unit), when, by whom, and the MedicationRequest record it fills.
    /// </summary>
    public static string MedicationDispenseJson(DecryptedRecord medicationRequest, PrescriptionInfo prescription, PrescriptionFillInfo fill, Guid pharmacistId)
    {
        ArgumentNullException.ThrowIfNull(medicationRequest);
        ArgumentNullException.ThrowIfNull(prescription);
        ArgumentNullException.ThrowIfNull(fill);
        var request = System.Text.Json.Nodes.JsonNode.Parse(medicationRequest.Content)!.AsObject();
        var dispense = new System.Text.Json.Nodes.JsonObject
        {
            ["resourceType"] = "MedicationDispense",
            ["status"] = "completed",
        };
        foreach (var name in new[] { "contained", "medicationCodeableConcept", "medicationReference" })
        {
            if (request[name] is { } node)
            {
                dispense[name] = node.DeepClone();
            }
        }
        dispense["subject"] = new System.Text.Json.Nodes.JsonObject { ["reference"] = "Patient/" + prescription.PatientId };
        dispense["performer"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
        {
            ["actor"] = new System.Text.Json.Nodes.JsonObject { ["reference"] = "Practitioner/" + pharmacistId },
        });
        dispense["authorizingPrescription"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
        {
            ["reference"] = "MedicationRequest/" + prescription.RecordId,
        });
        var quantity = request["dispenseRequest"]?["quantity"]?.DeepClone()?.AsObject() ?? [];
        quantity["value"] = fill.Quantity;
        dispense["quantity"] = quantity;
        dispense["whenHandedOver"] = fill.DispensedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (request["dosageInstruction"] is { } dosage)
        {
            dispense["dosageInstruction"] = dosage.DeepClone();
        }
        dispense["note"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
        {
            ["text"] = string.Create(CultureInfo.InvariantCulture, $"Fill {fill.FillNumber} of prescription {prescription.PrescriptionId} (ledger transaction {fill.TransactionId})"),
        });
        return dispense.ToJsonString();
    }

    /// <summary>
    /// The MedicationRequest behind a prescription: opened here (signature and records.write anchor checked by
    /// <see cref="OpenRecordAsync"/>), written by the prescriber at the version and header hash the issue names, by an
    /// admin-verified doctor, with the limits its dispenseRequest sets. Returns the opened record.
    /// </summary>
    public async Task<DecryptedRecord> CheckPrescriptionSourceAsync(VerifiedPrescription rx, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(rx);
        var info = rx.Info;
        DecryptedRecord record;
        try
        {
            record = await OpenRecordAsync(info.RecordId, info.RecordVersion, ct);
        }
        catch (MedLedgerVerificationException e)
        {
            throw new PrescriptionCheckException($"The MedicationRequest of prescription {info.PrescriptionId} does not verify: {e.Message}");
        }
        // OpenRecordAsync checked the version's header against its records.write anchor and the author's signature over it;
        // the issue must name that same header.
        var header = new RecordHeader(record.RecordId.ToString(), record.Version, record.PatientId.ToString(), record.AuthorId.ToString(), record.ContentType,
            record.CreatedAt.ToUnixTimeMilliseconds(), record.Category);
        if (record.AuthorId != info.PrescriberId || record.PatientId != info.PatientId || record.Category != RecordCategories.MedicationRequest
            || HeaderHash(header) != info.HeaderHash)
        {
            throw new PrescriptionCheckException($"Prescription {info.PrescriptionId} is not bound to the MedicationRequest its prescriber wrote and anchored.");
        }
        var card = await IdentityCardAsync(info.PrescriberId, ct);
        if (!card.Verified || card.Card.Role != Role.Doctor)
        {
            throw new PrescriptionCheckException($"The prescriber of {info.PrescriptionId} is not an admin-verified doctor ({card.NotVerifiedReason ?? card.Card.Role.ToString()}).");
        }
        var limits = PrescriptionLimits.FromFhir(System.Text.Encoding.UTF8.GetString(record.Content), info.IssuedAt);
        // Without a validityPeriod end the prescriber's client chose the default from its own clock: allow a day's drift.
        var validityOk = limits.ExplicitEnd
            ? limits.ValidUntil.ToUnixTimeMilliseconds() == info.ValidUntil.ToUnixTimeMilliseconds()
            : info.ValidUntil <= info.IssuedAt + PrescriptionLimits.DefaultValidity + TimeSpan.FromDays(1);
        if (limits.TotalUnits != info.TotalUnits || limits.MaxFills != info.MaxFills || !validityOk)
        {
            throw new PrescriptionCheckException($"The ledger limits of {info.PrescriptionId} ({info.TotalUnits} units, {info.MaxFills} fills, until {info.ValidUntil:u}) are not the ones its MedicationRequest sets ({limits.TotalUnits} units, {limits.MaxFills} fills).");
        }
        if (limits.ScheduleII && info.MaxFills > 1)
        {
            throw new PrescriptionCheckException($"Prescription {info.PrescriptionId} is for a schedule II drug but its ledger entry allows {info.MaxFills} fills.");
        }
        return record;
    }

    /// <summary>
    /// Checks the issue, the cancellation and every fill against verified receipts: signer, prescription, patient and counts.
    /// A fill the server hides cannot be caught here, but one it invents or alters is; the totals come from the receipts.
    /// </summary>
    private async Task<VerifiedPrescription> CheckPrescriptionAsync(PrescriptionInfo info, CancellationToken ct)
    {
        var id = info.PrescriptionId.ToString();
        var issue = await ReceiptTransactionAsync(info.IssueReceipt, info.IssueTransactionId, PrescriptionIssueContract.TypeName, ct);
        if (issue.ActorId != info.PrescriberId.ToString() || issue.Get("prescriptionId") != id || issue.Get("recordId") != info.RecordId.ToString()
            || issue.Get("recordVersion") != N(info.RecordVersion) || issue.Get("patientId") != info.PatientId.ToString()
            || issue.Get("headerHash") != info.HeaderHash || issue.Get("totalUnits") != N(info.TotalUnits) || issue.Get("maxFills") != N(info.MaxFills)
            || issue.Get("validUntilMs") != info.ValidUntil.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture))
        {
            throw new MedLedgerVerificationException($"Prescription {id} does not match its prescriptions.issue on the ledger.");
        }
        var cancelled = false;
        if (info.CancelTransactionId is { } cancelId)
        {
            var cancel = await ReceiptTransactionAsync(info.CancelReceipt, cancelId, PrescriptionCancelContract.TypeName, ct);
            if (cancel.ActorId != info.PrescriberId.ToString() || cancel.Get("prescriptionId") != id)
            {
                throw new MedLedgerVerificationException($"The cancellation of prescription {id} does not match its prescriptions.cancel on the ledger.");
            }
            cancelled = true;
        }
        if (cancelled != (info.Status == PrescriptionKeys.Cancelled))
        {
            throw new MedLedgerVerificationException($"The server reports prescription {id} as {info.Status}; the ledger's receipts say {(cancelled ? "cancelled" : "active")}.");
        }
        var dispensed = 0;
        var numbers = new HashSet<int>();
        foreach (var f in info.Fills)
        {
            var fill = await ReceiptTransactionAsync(f.Receipt, f.TransactionId, PharmacyDispenseContract.TypeName, ct);
            if (fill.ActorId != f.PharmacistId.ToString() || fill.Get("prescriptionId") != id || fill.Get("patientId") != info.PatientId.ToString()
                || fill.Get("pharmacyId") != f.PharmacyId.ToString() || fill.Get("fillNumber") != N(f.FillNumber) || fill.Get("quantity") != N(f.Quantity)
                || !numbers.Add(f.FillNumber))
            {
                throw new MedLedgerVerificationException($"Fill {f.FillNumber} of prescription {id} does not match its pharmacy.dispense on the ledger.");
            }
            dispensed += f.Quantity;
        }
        return new VerifiedPrescription(info, cancelled, dispensed, numbers.Count);
    }

    /// <summary>A receipt served with the prescription: verified (signed head, inclusion) and of the named transaction and type.</summary>
    private async Task<LedgerTransaction> ReceiptTransactionAsync(LedgerReceipt? receipt, string transactionId, string type, CancellationToken ct)
    {
        if (receipt is null)
        {
            throw new MedLedgerVerificationException($"The server sent {type} {transactionId} without its ledger receipt.");
        }
        await VerifyReceiptAsync(receipt, ct);
        var tx = receipt.Transaction();
        return tx.Id == transactionId && tx.Type == type
            ? tx
            : throw new MedLedgerVerificationException($"The server's receipt for {transactionId} is not that {type}.");
    }

    private static string N(int v) => v.ToString(CultureInfo.InvariantCulture);
}
