using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Dispensing;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Dispensing;

/// <summary>
/// Issue 16 item 4: prescriptions on the ledger and fills by pharmacists, through the real pipeline and the C# SDK. Where a
/// rule must hold even if the server's own check is skipped, the signed transaction goes straight to the ledger peer.
/// </summary>
public sealed partial class DispensingTests : RecordTestBase
{
    private SdkUser _doctor = null!, _patient = null!, _pharmacist = null!;
    private Guid _medicine;

    /// <summary>A hospital doctor assigned to a patient, and a verified pharmacist the patient shares prescriptions with (<see cref="ShareAsync"/>).</summary>
    private async Task WorldAsync()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Rx General", 1);
        _doctor = doctors[0];
        _patient = await World.RegisterAsync(Role.Patient);
        await _patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(_doctor.Id, _patient.Id);
        _pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Rx Pharmacy");
        _medicine = await StockAsync(_pharmacist);
    }

    /// <summary>
    /// A prescription-only item in the pharmacist's catalogue with <paramref name="units"/> in one lot expiring in a year. Its
    /// name is no drug name: CuriousServerTests looks for the sealed MedicationRequests' drugs in the database.
    /// </summary>
    internal static async Task<Guid> StockAsync(SdkUser pharmacist, int units = 1000, string lot = "RX-LOT-1", DateOnly? expiresOn = null)
    {
        var pharmacy = pharmacist.OrganizationId!.Value;
        var item = await pharmacist.Client.AddMedicineAsync(pharmacy, new NewMedicine("Dispensing test item " + Guid.NewGuid().ToString("N")[..6], "10 mg", DosageForm.Tablet, 30, 500, "EUR",
            PrescriptionOnly: true, DrugSchedule.None, ReorderLevel: 0));
        await pharmacist.Client.ReceiveStockAsync(pharmacy, item.Id, lot, expiresOn ?? DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1), units);
        return item.Id;
    }

    /// <summary>
    /// The patient shares their prescriptions with the pharmacist. After the doctor wrote them: a doctor's version is wrapped
    /// for the patient and the doctor only, and the grant carries the wraps of the versions that exist.
    /// </summary>
    internal static Task ShareAsync(SdkUser patient, SdkUser pharmacist) =>
        patient.Client.GrantConsentAsync(pharmacist.Id, ConsentScope.Categories, ["MedicationRequest"], "dispensing");

    /// <summary>The FHIR example MedicationRequest with 30 units, the given repeats, valid for the next 30 days.</summary>
    internal static string MedicationRequest(int quantity = 30, int repeats = 2, string? schedule = null, string? drug = null)
    {
        var json = JsonNode.Parse(File.ReadAllText(Repo.TestData("fhir-r4", "medicationrequest0302.json")))!;
        if (drug is not null)
        {
            json.AsObject().Remove("medicationReference");
            json.AsObject().Remove("contained");
            json["medicationCodeableConcept"] = new JsonObject { ["text"] = drug };
        }
        var dispense = json["dispenseRequest"]!;
        dispense["quantity"]!["value"] = quantity;
        dispense["numberOfRepeatsAllowed"] = repeats;
        dispense["validityPeriod"]!["end"] = DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (schedule is not null)
        {
            json["extension"] = new JsonArray(new JsonObject { ["url"] = PrescriptionLimits.ScheduleExtension, ["valueString"] = schedule });
        }
        return json.ToJsonString();
    }

    [Fact]
    public async Task A_pharmacist_dispenses_partial_fills_and_the_patient_sees_every_fill_with_verified_receipts()
    {
        await WorldAsync();
        var rx = await _doctor.Client.WritePrescriptionAsync(MedicationRequest(), _patient.Id);
        Assert.Equal((90, 3), (rx.Info.TotalUnits, rx.Info.MaxFills));
        await ShareAsync(_patient, _pharmacist);

        var first = await _pharmacist.Client.DispenseAsync(rx.Info.PrescriptionId, _medicine, 20);
        Assert.Equal((1, 20, 70), (first.FillsMade, first.Dispensed, first.UnitsLeft));
        var second = await _pharmacist.Client.DispenseAsync(rx.Info.PrescriptionId, _medicine, 30);
        Assert.Equal((2, 50), (second.FillsMade, second.Dispensed));

        var mine = Assert.Single(await _patient.Client.PrescriptionsAsync());
        Assert.Equal(new[] { 1, 2 }, mine.Info.Fills.Select(f => f.FillNumber));
        Assert.All(mine.Info.Fills, f => Assert.Equal(_pharmacist.OrganizationId!.Value, f.PharmacyId));
        Assert.Equal(50, mine.Dispensed);
        Assert.Equal(rx.Info.PrescriptionId, Assert.Single(await _doctor.Client.PrescriptionsAsync()).Info.PrescriptionId);
        Assert.Equal(rx.Info.PrescriptionId, Assert.Single(await _pharmacist.Client.PrescriptionsAsync(recordId: rx.Info.RecordId)).Info.PrescriptionId);
        // The fill is on the patient's ledger history, by ids and counts.
        var fill = Assert.Single(await LedgerAbout(_patient.Id), t => t.Type == PharmacyDispenseContract.TypeName && t.Payload["fillNumber"] == "1");
        Assert.Equal("20", fill.Payload["quantity"]);
    }

    [Fact]
    public async Task A_fourth_fill_of_a_prescription_with_two_repeats_is_refused_by_the_client_the_server_and_the_contract()
    {
        await WorldAsync();
        var rx = (await _doctor.Client.WritePrescriptionAsync(MedicationRequest(quantity: 10, repeats: 2), _patient.Id)).Info;
        await ShareAsync(_patient, _pharmacist);
        for (var i = 0; i < 3; i++)
        {
            await _pharmacist.Client.DispenseAsync(rx.PrescriptionId, _medicine, 5);
        }
        await Assert.ThrowsAsync<PrescriptionCheckException>(() => _pharmacist.Client.DispenseAsync(rx.PrescriptionId, _medicine, 5));

        // Through the server: the contract refuses (409), and no row appears.
        var fourth = await FillTxAsync(_pharmacist, rx, fillNumber: 4, quantity: 5);
        Assert.Equal(HttpStatusCode.Conflict, (await RawFillAsync(_pharmacist, rx.PrescriptionId, fourth)).StatusCode);
        // Straight to the ledger peer, with no server check in the way.
        var direct = await FillTxAsync(_pharmacist, rx, fillNumber: 4, quantity: 5);
        var refused = await Assert.ThrowsAsync<LedgerRejectedException>(() => Host.Service<LedgerGateway>().Peer.SubmitAsync(direct));
        Assert.Equal(LedgerRejectionKind.Conflict, refused.Kind);
        Assert.Equal(3, await Db(db => db.Set<PrescriptionFill>().CountAsync(f => f.PrescriptionId == rx.PrescriptionId)));
    }

    [Fact]
    public async Task Two_pharmacies_racing_for_the_same_fill_get_exactly_one()
    {
        await WorldAsync();
        var other = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Rx Pharmacy Across The Street");
        var rx = (await _doctor.Client.WritePrescriptionAsync(MedicationRequest(), _patient.Id)).Info;
        await ShareAsync(_patient, _pharmacist);
        await ShareAsync(_patient, other);
        var otherMedicine = await StockAsync(other, units: 100);
        var a = await FillTxAsync(_pharmacist, rx, fillNumber: 1, quantity: 30);
        var b = await FillTxAsync(other, rx, fillNumber: 1, quantity: 30);

        var answers = await Task.WhenAll(RawFillAsync(_pharmacist, rx.PrescriptionId, a), RawFillAsync(other, rx.PrescriptionId, b, otherMedicine));
        Assert.Single(answers, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Single(answers, r => r.StatusCode == HttpStatusCode.Conflict);
        var fill = await Db(db => db.Set<PrescriptionFill>().SingleAsync(f => f.PrescriptionId == rx.PrescriptionId));
        Assert.Equal(1, fill.FillNumber);
        var seen = Assert.Single(await _patient.Client.PrescriptionsAsync());
        Assert.Equal(30, seen.Dispensed);
        // Both pharmacies took stock before the ledger decided; the loser's units went back, so only the winner's 30 left.
        var usable = await UsableAsync(_pharmacist, _medicine) + await UsableAsync(other, otherMedicine);
        Assert.Equal(1000 + 100 - 30, usable);
        Assert.Equal(0, await Db(db => db.Set<DispenseStockHold>().CountAsync()));
    }

    internal static async Task<int> UsableAsync(SdkUser pharmacist, Guid medicineId) =>
        (await pharmacist.Client.PharmacyStockAsync(pharmacist.OrganizationId!.Value)).Single(l => l.Medicine.Id == medicineId).Usable;

    [Fact]
    public async Task Over_the_total_after_cancellation_after_the_validity_end_and_without_a_grant_are_refused()
    {
        await WorldAsync();
        var rx = (await _doctor.Client.WritePrescriptionAsync(MedicationRequest(quantity: 10, repeats: 1), _patient.Id)).Info;
        await ShareAsync(_patient, _pharmacist);
        // Over the total: the client refuses, and so does the ledger when the client is bypassed.
        await Assert.ThrowsAsync<PrescriptionCheckException>(() => _pharmacist.Client.DispenseAsync(rx.PrescriptionId, _medicine, 21));
        Assert.Equal(HttpStatusCode.Conflict, (await RawFillAsync(_pharmacist, rx.PrescriptionId, await FillTxAsync(_pharmacist, rx, 1, 21))).StatusCode);

        // A pharmacist the patient never shared with: the prescription is unknown to them, and a forged fill is forbidden.
        var stranger = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Rx Stranger Pharmacy");
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<MedLedgerApiException>(() => stranger.Client.DispenseAsync(rx.PrescriptionId, Guid.NewGuid(), 1))).Status);
        var forged = await FillTxAsync(stranger, rx, 1, 1, grantId: Guid.NewGuid());
        Assert.Equal(HttpStatusCode.Forbidden, (await RawFillAsync(stranger, rx.PrescriptionId, forged)).StatusCode);
        var direct = await Assert.ThrowsAsync<LedgerRejectedException>(() => Host.Service<LedgerGateway>().Peer.SubmitAsync(forged));
        Assert.Equal(LedgerRejectionKind.Forbidden, direct.Kind);

        // After the validity end: a prescription valid for one more minute, and a fill signed two minutes from now (within
        // the server's clock-skew allowance, so the contract is what refuses it).
        var shortLived = await IssueRawAsync(validFor: TimeSpan.FromMinutes(1));
        var late = await FillTxAsync(_pharmacist, shortLived, 1, 1, at: DateTimeOffset.UtcNow.AddMinutes(2));
        var lateAnswer = await RawFillAsync(_pharmacist, shortLived.PrescriptionId, late);
        Assert.Equal(HttpStatusCode.Conflict, lateAnswer.StatusCode);
        Assert.Contains("validity", await lateAnswer.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // After cancellation: the client refuses, and so does the contract.
        await _pharmacist.Client.DispenseAsync(rx.PrescriptionId, _medicine, 10);
        var cancelled = await _doctor.Client.CancelPrescriptionAsync(rx.PrescriptionId);
        Assert.True(cancelled.Cancelled);
        Assert.Contains("cancelled", (await Assert.ThrowsAsync<PrescriptionCheckException>(() => _pharmacist.Client.DispenseAsync(rx.PrescriptionId, _medicine, 5))).Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await RawFillAsync(_pharmacist, rx.PrescriptionId, await FillTxAsync(_pharmacist, rx, 2, 5))).StatusCode);
        Assert.True(Assert.Single(await _patient.Client.PrescriptionsAsync(), p => p.Info.PrescriptionId == rx.PrescriptionId).Cancelled);
    }

    [Fact]
    public async Task Only_the_prescriber_issues_and_cancels_and_a_schedule_II_prescription_has_no_refills()
    {
        await WorldAsync();
        await Assert.ThrowsAsync<FhirValidationException>(() => _doctor.Client.WritePrescriptionAsync(MedicationRequest(repeats: 1, schedule: "II"), _patient.Id));
        var once = await _doctor.Client.WritePrescriptionAsync(MedicationRequest(repeats: 0, schedule: "II"), _patient.Id);
        Assert.Equal(1, once.Info.MaxFills);
        await ShareAsync(_patient, _pharmacist);
        await _pharmacist.Client.DispenseAsync(once.Info.PrescriptionId, _medicine, 30);

        // The patient's own record is no prescription to issue, and a doctor cannot cancel another's prescription.
        var (_, otherDoctors) = await World.HospitalAsync(Admin, "Rx Other General", 1);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<MedLedgerApiException>(() => otherDoctors[0].Client.CancelPrescriptionAsync(once.Info.PrescriptionId))).Status);
        var condition = await _patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        var tx = Issue(_doctor, condition.RecordId, condition.Version, TimeSpan.FromDays(1));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await RawAsync(_doctor, "/api/prescriptions", tx)).StatusCode);
    }

    // ---------- signed transactions built by hand, as a modified client would ----------

    private async Task<LedgerTransaction> FillTxAsync(SdkUser pharmacist, PrescriptionInfo rx, int fillNumber, int quantity, Guid? grantId = null, DateTimeOffset? at = null)
    {
        var grant = grantId ?? (await pharmacist.Client.GrantsAsync()).First(g => g.Active && g.PatientId == rx.PatientId).Id;
        return LedgerTransaction.Create(PharmacyDispenseContract.TypeName, pharmacist.Id.ToString(), LedgerTransaction.RandomNonce(),
            (at ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds(), new Dictionary<string, string>
            {
                ["prescriptionId"] = rx.PrescriptionId.ToString(), ["patientId"] = rx.PatientId.ToString(), ["grantId"] = grant.ToString(),
                ["pharmacyId"] = pharmacist.OrganizationId!.Value.ToString(), ["fillNumber"] = N(fillNumber), ["quantity"] = N(quantity),
            }, pharmacist.Client.Keys!.Signing.PrivateKey);
    }

    private LedgerTransaction Issue(SdkUser doctor, Guid recordId, int version, TimeSpan validFor) =>
        LedgerTransaction.Create(PrescriptionIssueContract.TypeName, doctor.Id.ToString(), LedgerTransaction.RandomNonce(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            new Dictionary<string, string>
            {
                ["prescriptionId"] = Guid.NewGuid().ToString(), ["recordId"] = recordId.ToString(), ["recordVersion"] = N(version), ["patientId"] = _patient.Id.ToString(),
                ["headerHash"] = new string('b', 64), ["totalUnits"] = "30", ["maxFills"] = "1",
                ["validUntilMs"] = DateTimeOffset.UtcNow.Add(validFor).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            }, doctor.Client.Keys!.Signing.PrivateKey);

    /// <summary>A MedicationRequest written by the doctor and issued by hand with a short validity.</summary>
    private async Task<PrescriptionInfo> IssueRawAsync(TimeSpan validFor)
    {
        var record = await _doctor.Client.CreateFhirRecordAsync(MedicationRequest(), _patient.Id);
        var answer = await RawAsync(_doctor, "/api/prescriptions", Issue(_doctor, record.RecordId, record.Version, validFor));
        Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        var id = Guid.Parse(JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["prescriptionId"]!.GetValue<string>());
        return (await _doctor.Client.PrescriptionAsync(id)).Info;
    }

    /// <summary>A signed fill sent as a modified client would; from the test pharmacist's stocked item unless <paramref name="medicineId"/> says otherwise.</summary>
    private async Task<HttpResponseMessage> RawFillAsync(SdkUser pharmacist, Guid prescriptionId, LedgerTransaction tx, Guid? medicineId = null)
    {
        using var raw = Host.CreateClient();
        raw.DefaultRequestHeaders.Authorization = new("Bearer", await pharmacist.Client.GetAccessTokenAsync());
        return await raw.PostJson($"/api/prescriptions/{prescriptionId}/fills", new DispenseRequest(SignedTransactionDto.From(tx), medicineId ?? _medicine));
    }

    private async Task<HttpResponseMessage> RawAsync(SdkUser caller, string path, LedgerTransaction tx)
    {
        using var raw = Host.CreateClient();
        raw.DefaultRequestHeaders.Authorization = new("Bearer", await caller.Client.GetAccessTokenAsync());
        return await raw.PostJson(path, new SignedPrescriptionTransaction(SignedTransactionDto.From(tx)));
    }

    private static string N(int v) => v.ToString(CultureInfo.InvariantCulture);
}
