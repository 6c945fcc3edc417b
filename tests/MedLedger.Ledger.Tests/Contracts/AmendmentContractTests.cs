using System.Globalization;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>records.amend-request and records.amend-decide, against a real SQLite-backed peer.</summary>
public sealed class AmendmentContractTests : ContractPeerTestBase
{
    private string _diagnosis = null!;

    private async Task DoctorWritesDiagnosisAsync()
    {
        await _peer.SubmitAsync(_staff.Tx(CareAssignContract.TypeName, new() { ["doctorId"] = _doctor.Id, ["patientId"] = _patient.Id, ["hospitalId"] = _hospital }));
        _diagnosis = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Authored(_doctor, _diagnosis, 1));
    }

    [Fact]
    public async Task Only_the_records_patient_files_a_request_and_never_on_a_record_they_wrote()
    {
        await DoctorWritesDiagnosisAsync();
        // Someone else, or the doctor on their own record, or the patient naming another patient: refused.
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Request(_other, _diagnosis, 1, patientId: _other.Id)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Request(_other, _diagnosis, 1, patientId: _patient.Id)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Request(_doctor, _diagnosis, 1, patientId: _patient.Id)));
        var own = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Authored(_patient, own, 1));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Request(_patient, own, 1)));
        // A version the record does not have yet, or a record written before authors were recorded.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Request(_patient, _diagnosis, 2)));
        var legacy = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Write(_doctor, legacy, _patient.Id, 1));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Request(_patient, legacy, 1)));

        var ok = Request(_patient, _diagnosis, 1);
        Assert.True((await _peer.SubmitAsync(ok)).Valid);
        Assert.Equal(AmendmentKeys.Open, await _peer.Queries.GetStateAsync(AmendmentKeys.Status(ok.Get("requestId")!)));
    }

    [Fact]
    public async Task A_record_has_one_open_request_at_a_time_and_payloads_carry_ids_and_hashes_only()
    {
        await DoctorWritesDiagnosisAsync();
        var first = Request(_patient, _diagnosis, 1);
        await _peer.SubmitAsync(first);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Request(_patient, _diagnosis, 1)));

        var withText = Payload(_diagnosis, 1, _patient.Id);
        withText["text"] = "the diagnosis is wrong";
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_patient.Tx(AmendRequestContract.TypeName, withText)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(AmendRequestContract.TypeName, Payload(_diagnosis, 1, _patient.Id, authorId: _other.Id))));
        var notHash = Payload(_diagnosis, 1, _patient.Id);
        notHash["contentHash"] = "not a hash";
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_patient.Tx(AmendRequestContract.TypeName, notHash)));

        // Once decided, the record may get a new request.
        await _peer.SubmitAsync(Decline(_doctor, first));
        Assert.True((await _peer.SubmitAsync(Request(_patient, _diagnosis, 1))).Valid);
    }

    [Fact]
    public async Task Only_the_author_decides_once_and_an_acceptance_names_a_newer_version_the_author_wrote()
    {
        await DoctorWritesDiagnosisAsync();
        var request = Request(_patient, _diagnosis, 1);
        await _peer.SubmitAsync(request);

        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Decline(_patient, request)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Decline(_other, request)));
        // Accepting before the corrected version is on the ledger, or naming the version the request is about.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Accept(_doctor, request, 2)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Accept(_doctor, request, 1)));
        var bad = Accept(_doctor, request, 2).Payload.ToDictionary();
        bad["decision"] = "maybe";
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_doctor.Tx(AmendDecideContract.TypeName, bad)));
        var unknown = Accept(_doctor, request, 2).Payload.ToDictionary();
        unknown["requestId"] = Guid.NewGuid().ToString();
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_doctor.Tx(AmendDecideContract.TypeName, unknown)));

        await _peer.SubmitAsync(Authored(_doctor, _diagnosis, 2));
        Assert.True((await _peer.SubmitAsync(Accept(_doctor, request, 2))).Valid);
        Assert.Equal(AmendDecideContract.Accepted, await _peer.Queries.GetStateAsync(AmendmentKeys.Status(request.Get("requestId")!)));
        // Decided once: neither a second acceptance nor a decline changes it.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Accept(_doctor, request, 2)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Decline(_doctor, request)));
        Assert.Null(await _peer.Queries.GetStateAsync(AmendmentKeys.OpenOnRecord(_diagnosis)));
    }

    private LedgerTransaction Authored(TestUser author, string recordId, int version) => author.Tx(RecordWriteContract.TypeName, new()
    {
        ["recordId"] = recordId, ["version"] = version.ToString(CultureInfo.InvariantCulture), ["patientId"] = _patient.Id,
        ["ciphertextHash"] = new string('a', 64), ["headerHash"] = new string('b', 64), ["authorId"] = author.Id,
    });

    private Dictionary<string, string> Payload(string recordId, int version, string patientId, string? authorId = null) => new()
    {
        ["requestId"] = Guid.NewGuid().ToString(), ["recordId"] = recordId, ["patientId"] = patientId, ["authorId"] = authorId ?? _doctor.Id,
        ["version"] = version.ToString(CultureInfo.InvariantCulture), ["contentHash"] = new string('c', 64),
    };

    private LedgerTransaction Request(TestUser signer, string recordId, int version, string? patientId = null) =>
        signer.Tx(AmendRequestContract.TypeName, Payload(recordId, version, patientId ?? _patient.Id));

    private static LedgerTransaction Accept(TestUser signer, LedgerTransaction request, int version) => signer.Tx(AmendDecideContract.TypeName, new()
    {
        ["requestId"] = request.Get("requestId")!, ["recordId"] = request.Get("recordId")!, ["patientId"] = request.Get("patientId")!, ["decision"] = AmendDecideContract.Accepted,
        ["resolvedVersion"] = version.ToString(CultureInfo.InvariantCulture),
    });

    private static LedgerTransaction Decline(TestUser signer, LedgerTransaction request) => signer.Tx(AmendDecideContract.TypeName, new()
    {
        ["requestId"] = request.Get("requestId")!, ["recordId"] = request.Get("recordId")!, ["patientId"] = request.Get("patientId")!, ["decision"] = AmendDecideContract.Declined,
        ["reasonHash"] = new string('d', 64),
    });
}
