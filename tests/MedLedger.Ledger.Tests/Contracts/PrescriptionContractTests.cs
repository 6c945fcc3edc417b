using System.Globalization;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>prescriptions.issue, prescriptions.cancel and pharmacy.dispense, against a real SQLite-backed peer.</summary>
public sealed class PrescriptionContractTests : ContractPeerTestBase
{
    private const long IssuedAt = 1_700_000_000_000;
    private const long Day = 86_400_000;
    private readonly string _pharmacy = Guid.NewGuid().ToString();
    private readonly string _otherPharmacy = Guid.NewGuid().ToString();
    private string _record = null!;

    /// <summary>The assigned doctor writes a MedicationRequest record (version 1) for the patient.</summary>
    private async Task DoctorWritesPrescriptionRecordAsync()
    {
        await _peer.SubmitAsync(_staff.Tx(CareAssignContract.TypeName, new() { ["doctorId"] = _doctor.Id, ["patientId"] = _patient.Id, ["hospitalId"] = _hospital }));
        _record = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(_doctor.Tx(RecordWriteContract.TypeName, new()
        {
            ["recordId"] = _record, ["version"] = "1", ["patientId"] = _patient.Id,
            ["ciphertextHash"] = new string('a', 64), ["headerHash"] = new string('b', 64), ["authorId"] = _doctor.Id,
        }));
    }

    /// <summary>30 tablets with 2 repeats: 90 units over 3 fills, valid for 30 days.</summary>
    private Dictionary<string, string> Issue(long total = 90, long maxFills = 3, long validUntil = IssuedAt + 30 * Day, string? recordId = null) => new()
    {
        ["prescriptionId"] = Guid.NewGuid().ToString(), ["recordId"] = recordId ?? _record, ["recordVersion"] = "1", ["patientId"] = _patient.Id,
        ["headerHash"] = new string('b', 64), ["totalUnits"] = N(total), ["maxFills"] = N(maxFills), ["validUntilMs"] = N(validUntil),
    };

    private async Task<string> IssuedAsync(long total = 90, long maxFills = 3, long validUntil = IssuedAt + 30 * Day)
    {
        await DoctorWritesPrescriptionRecordAsync();
        var p = Issue(total, maxFills, validUntil);
        await _peer.SubmitAsync(_doctor.Tx(PrescriptionIssueContract.TypeName, p));
        return p["prescriptionId"];
    }

    private async Task<string> GrantAsync(TestUser pharmacist, long expiresAtMs = 0)
    {
        var grant = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(_patient.Tx(ConsentGrantContract.TypeName, new()
        {
            ["grantId"] = grant, ["patientId"] = _patient.Id, ["granteeId"] = pharmacist.Id, ["scope"] = "categories",
            ["scopeHash"] = ConsentScopeHash.PrescriptionsOnly,
            ["purposeCommitment"] = MedLedger.Crypto.FactCommitment.Compute(MedLedger.Crypto.FactCommitment.ConsentPurpose, "dispensing", new byte[32]),
            ["expiresAtMs"] = N(expiresAtMs),
        }));
        return grant;
    }

    private LedgerTransaction Fill(TestUser pharmacist, string prescriptionId, string grantId, long fillNumber, long quantity, long at = IssuedAt + Day, string? pharmacy = null) =>
        LedgerTransaction.Create(PharmacyDispenseContract.TypeName, pharmacist.Id, LedgerTransaction.RandomNonce(), at, new Dictionary<string, string>
        {
            ["prescriptionId"] = prescriptionId, ["patientId"] = _patient.Id, ["grantId"] = grantId, ["pharmacyId"] = pharmacy ?? _pharmacy,
            ["fillNumber"] = N(fillNumber), ["quantity"] = N(quantity),
        }, pharmacist.Signing);

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Only_the_records_author_issues_once_per_record_with_ids_counts_and_dates_only()
    {
        await DoctorWritesPrescriptionRecordAsync();
        var otherDoctor = await UserAsync(IdentityRoles.Doctor, verified: true);
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(otherDoctor.Tx(PrescriptionIssueContract.TypeName, Issue())));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(PrescriptionIssueContract.TypeName, Issue())));
        var withDrug = Issue();
        withDrug["medication"] = "oxycodone";
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_doctor.Tx(PrescriptionIssueContract.TypeName, withDrug)));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_doctor.Tx(PrescriptionIssueContract.TypeName, Issue(validUntil: IssuedAt))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_doctor.Tx(PrescriptionIssueContract.TypeName, Issue(total: 2, maxFills: 3))));
        var wrongVersion = Issue();
        wrongVersion["recordVersion"] = "2";
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_doctor.Tx(PrescriptionIssueContract.TypeName, wrongVersion)));

        var ok = Issue();
        Assert.True((await _peer.SubmitAsync(_doctor.Tx(PrescriptionIssueContract.TypeName, ok))).Valid);
        Assert.Equal(PrescriptionKeys.Active, await _peer.Queries.GetStateAsync(PrescriptionKeys.Status(ok["prescriptionId"])));
        Assert.Equal("90", await _peer.Queries.GetStateAsync(PrescriptionKeys.TotalUnits(ok["prescriptionId"])));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_doctor.Tx(PrescriptionIssueContract.TypeName, Issue())));
    }

    [Fact]
    public async Task A_fourth_fill_of_a_prescription_with_two_repeats_is_refused_and_partial_fills_stay_within_the_total()
    {
        var rx = await IssuedAsync();
        var pharmacist = await UserAsync(IdentityRoles.Pharmacist, verified: true);
        var grant = await GrantAsync(pharmacist);

        Assert.True((await _peer.SubmitAsync(Fill(pharmacist, rx, grant, 1, 30))).Valid);
        // A partial fill, then a fill that would go over the total (90 - 30 - 20 = 40 left).
        Assert.True((await _peer.SubmitAsync(Fill(pharmacist, rx, grant, 2, 20))).Valid);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Fill(pharmacist, rx, grant, 3, 41)));
        // Skipping a fill number, or making one twice.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Fill(pharmacist, rx, grant, 4, 1)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Fill(pharmacist, rx, grant, 2, 1)));
        Assert.True((await _peer.SubmitAsync(Fill(pharmacist, rx, grant, 3, 10))).Valid);
        // 30 units are left, but the prescription allows three fills.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Fill(pharmacist, rx, grant, 4, 1)));
        Assert.Equal("60", await _peer.Queries.GetStateAsync(PrescriptionKeys.Dispensed(rx)));
        Assert.Equal("3", await _peer.Queries.GetStateAsync(PrescriptionKeys.Fills(rx)));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(Fill(pharmacist, rx, grant, 4, 0)));
    }

    [Fact]
    public async Task Two_pharmacies_racing_for_the_same_fill_get_exactly_one_commit()
    {
        var rx = await IssuedAsync();
        var first = await UserAsync(IdentityRoles.Pharmacist, verified: true);
        var second = await UserAsync(IdentityRoles.Pharmacist, verified: true);
        var firstGrant = await GrantAsync(first);
        var secondGrant = await GrantAsync(second);

        var outcomes = await Task.WhenAll(
            Outcome(Fill(first, rx, firstGrant, 1, 30)),
            Outcome(Fill(second, rx, secondGrant, 1, 30, pharmacy: _otherPharmacy)));
        Assert.Single(outcomes, o => o is null);
        Assert.Single(outcomes, o => o == LedgerRejectionKind.Conflict);
        Assert.Equal("30", await _peer.Queries.GetStateAsync(PrescriptionKeys.Dispensed(rx)));
        var winner = await _peer.Queries.GetStateAsync(PrescriptionKeys.Fill(rx, 1));
        Assert.Contains(winner!, new[] { first.Id, second.Id });
    }

    private Dictionary<string, string> DispenseRecord(TestUser author, string prescriptionId, string fillNumber, string? patient = null, string version = "1", string? recordId = null) => new()
    {
        ["recordId"] = recordId ?? Guid.NewGuid().ToString(), ["version"] = version, ["patientId"] = patient ?? _patient.Id,
        ["ciphertextHash"] = new string('c', 64), ["headerHash"] = new string('d', 64), ["authorId"] = author.Id,
        ["prescriptionId"] = prescriptionId, ["fillNumber"] = fillNumber,
    };

    [Fact]
    public async Task A_fills_dispense_record_comes_from_its_pharmacist_for_the_patient_once_and_links_the_fill()
    {
        var rx = await IssuedAsync();
        var pharmacist = await UserAsync(IdentityRoles.Pharmacist, verified: true);
        var other = await UserAsync(IdentityRoles.Pharmacist, verified: true);
        await GrantAsync(other);
        Assert.True((await _peer.SubmitAsync(Fill(pharmacist, rx, await GrantAsync(pharmacist), 1, 30))).Valid);

        // Not the fill's pharmacist, a fill that was not made, another patient, a malformed fill number, a later version.
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(other.Tx(RecordWriteContract.TypeName, DispenseRecord(other, rx, "1"))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(pharmacist.Tx(RecordWriteContract.TypeName, DispenseRecord(pharmacist, rx, "2"))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(pharmacist.Tx(RecordWriteContract.TypeName, DispenseRecord(pharmacist, rx, "1", patient: _doctor.Id))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(pharmacist.Tx(RecordWriteContract.TypeName, DispenseRecord(pharmacist, rx, "one"))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(pharmacist.Tx(RecordWriteContract.TypeName, DispenseRecord(pharmacist, rx, "1", version: "2"))));
        // Without naming a fill a pharmacist writes no record of the patient's.
        var plain = DispenseRecord(pharmacist, rx, "1");
        plain.Remove("prescriptionId");
        plain.Remove("fillNumber");
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(pharmacist.Tx(RecordWriteContract.TypeName, plain)));

        var record = DispenseRecord(pharmacist, rx, "1");
        Assert.True((await _peer.SubmitAsync(pharmacist.Tx(RecordWriteContract.TypeName, record))).Valid);
        Assert.Equal(record["recordId"], await _peer.Queries.GetStateAsync(PrescriptionKeys.FillRecord(rx, 1)));
        Assert.Equal(pharmacist.Id, await _peer.Queries.GetStateAsync(CareKeys.RecordAuthor(record["recordId"])));
        // Once per fill.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(pharmacist.Tx(RecordWriteContract.TypeName, DispenseRecord(pharmacist, rx, "1"))));
    }

    private async Task<LedgerRejectionKind?> Outcome(LedgerTransaction tx)
    {
        try
        {
            await _peer.SubmitAsync(tx);
            return null;
        }
        catch (LedgerRejectedException e)
        {
            return e.Kind;
        }
    }

    [Fact]
    public async Task No_fill_without_an_active_grant_after_cancellation_or_after_the_validity_end()
    {
        var rx = await IssuedAsync(validUntil: IssuedAt + 10 * Day);
        var pharmacist = await UserAsync(IdentityRoles.Pharmacist, verified: true);
        var unverified = await UserAsync(IdentityRoles.Pharmacist, verified: false);
        // No grant at all, someone else's grant, an unverified pharmacist, a grant that has expired.
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Fill(pharmacist, rx, Guid.NewGuid().ToString(), 1, 30)));
        var unverifiedGrant = await GrantAsync(unverified);
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Fill(pharmacist, rx, unverifiedGrant, 1, 30)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Fill(unverified, rx, unverifiedGrant, 1, 30)));
        var shortGrant = await GrantAsync(pharmacist, expiresAtMs: IssuedAt + 2 * Day);
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Fill(pharmacist, rx, shortGrant, 1, 30, at: IssuedAt + 3 * Day)));
        // A revoked grant.
        var grant = await GrantAsync(pharmacist);
        await _peer.SubmitAsync(_patient.Tx(ConsentRevokeContract.TypeName, new() { ["grantId"] = grant, ["patientId"] = _patient.Id }));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Fill(pharmacist, rx, grant, 1, 30)));

        var live = await GrantAsync(pharmacist);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Fill(pharmacist, rx, live, 1, 30, at: IssuedAt + 10 * Day + 1)));
        Assert.True((await _peer.SubmitAsync(Fill(pharmacist, rx, live, 1, 30, at: IssuedAt + 10 * Day))).Valid);

        var cancel = new Dictionary<string, string> { ["prescriptionId"] = rx, ["patientId"] = _patient.Id };
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(PrescriptionCancelContract.TypeName, cancel)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(pharmacist.Tx(PrescriptionCancelContract.TypeName, cancel)));
        Assert.True((await _peer.SubmitAsync(_doctor.Tx(PrescriptionCancelContract.TypeName, cancel))).Valid);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_doctor.Tx(PrescriptionCancelContract.TypeName, cancel)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Fill(pharmacist, rx, live, 2, 30)));
    }

    [Fact]
    public async Task A_fill_names_the_prescriptions_patient()
    {
        var rx = await IssuedAsync();
        var pharmacist = await UserAsync(IdentityRoles.Pharmacist, verified: true);
        var grant = await GrantAsync(pharmacist);
        var tx = LedgerTransaction.Create(PharmacyDispenseContract.TypeName, pharmacist.Id, LedgerTransaction.RandomNonce(), IssuedAt + Day, new Dictionary<string, string>
        {
            ["prescriptionId"] = rx, ["patientId"] = _other.Id, ["grantId"] = grant, ["pharmacyId"] = _pharmacy, ["fillNumber"] = "1", ["quantity"] = "1",
        }, pharmacist.Signing);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(tx));
    }
}
