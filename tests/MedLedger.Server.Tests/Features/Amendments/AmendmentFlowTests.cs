using System.Globalization;
using System.Net;
using System.Text;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Amendments;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Amendments;

/// <summary>Amendment requests: a patient asks the author of a record to correct it; the author accepts with a new version or declines with a reason.</summary>
public sealed class AmendmentFlowTests : RecordTestBase
{
    private const string RequestText = "The onset date is wrong: the symptoms began in March, not in May.";
    private const string ReasonText = "The May date is the confirmed diagnosis date from the biopsy report.";

    private sealed record Setting(SdkUser Patient, SdkUser Doctor, SdkUser OtherDoctor, Guid RecordId);

    // Forged notes are sealed for the real patient and author, so only the transaction around them is the attacker's.
    private byte[] _patientKey = null!, _authorKey = null!;

    private async Task<Setting> DiagnosisAsync()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Amendment General", 2);
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id);
        await staff.Client.AssignDoctorAsync(doctors[1].Id, patient.Id);
        var diagnosis = await doctors[0].Client.CreateFhirRecordAsync(Fhir("condition-example2.json"), patient.Id);
        // The author reads (and so versions) the record only while the patient consents, as for any record.
        await patient.Client.GrantConsentAsync((await patient.Client.LookUpProfessionalAsync(doctors[0].Email)).UserId, ConsentScope.All);
        (_patientKey, _authorKey) = (patient.Client.Keys!.Encryption.PublicKey, doctors[0].Client.Keys!.Encryption.PublicKey);
        return new Setting(patient, doctors[0], doctors[1], diagnosis.RecordId);
    }

    [Fact]
    public async Task Patient_files_a_correction_and_the_author_accepts_by_writing_the_next_version()
    {
        var s = await DiagnosisAsync();
        var filed = await s.Patient.Client.RequestAmendmentAsync(s.RecordId, RequestText);
        Assert.Equal(("open", 1, RequestText), (filed.Status, filed.Version, filed.RequestText));

        var seen = Assert.Single(await s.Doctor.Client.AmendmentsAsync());
        Assert.Equal((filed.RequestId, RequestText, s.Patient.Id), (seen.RequestId, seen.RequestText, seen.PatientId));
        Assert.Empty(await s.OtherDoctor.Client.AmendmentsAsync());

        var corrected = Encoding.UTF8.GetBytes(Fhir("condition-example2.json") + "\n");
        var accepted = await s.Doctor.Client.AcceptAmendmentAsync(filed.RequestId, corrected);
        Assert.Equal(("accepted", 2), (accepted.Status, accepted.ResolvedVersion));

        var mine = Assert.Single(await s.Patient.Client.AmendmentsAsync(s.RecordId));
        Assert.Equal(("accepted", 2, (string?)null), (mine.Status, mine.ResolvedVersion, mine.DeclineReason));
        var latest = await s.Patient.Client.OpenRecordAsync(s.RecordId);
        Assert.Equal((2, s.Doctor.Id), (latest.Version, latest.AuthorId));
        Assert.Equal(corrected, latest.Content);

        // Decided: the record takes a new request again.
        Assert.Equal("open", (await s.Patient.Client.RequestAmendmentAsync(s.RecordId, "One more thing.")).Status);
    }

    [Fact]
    public async Task Author_declines_with_a_reason_the_patient_reads_and_the_ledger_holds_ids_and_hashes_only()
    {
        var s = await DiagnosisAsync();
        var filed = await s.Patient.Client.RequestAmendmentAsync(s.RecordId, RequestText);
        var declined = await s.Doctor.Client.DeclineAmendmentAsync(filed.RequestId, ReasonText);
        Assert.Equal(("declined", ReasonText), (declined.Status, declined.DeclineReason));
        var mine = Assert.Single(await s.Patient.Client.AmendmentsAsync());
        Assert.Equal(("declined", ReasonText, RequestText), (mine.Status, mine.DeclineReason, mine.RequestText));

        var events = (await LedgerAbout(filed.RequestId)).ToList();
        var request = Assert.Single(events, e => e.Type == AmendRequestContract.TypeName);
        Assert.Equal(["authorId", "contentHash", "patientId", "recordId", "requestId", "version"], request.Payload.Keys.Order(StringComparer.Ordinal));
        var decision = Assert.Single(events, e => e.Type == AmendDecideContract.TypeName);
        Assert.Equal(["decision", "patientId", "reasonHash", "recordId", "requestId"], decision.Payload.Keys.Order(StringComparer.Ordinal));
        var row = await Db(db => db.Set<AmendmentRequest>().SingleAsync());
        Assert.DoesNotContain("onset", Encoding.UTF8.GetString(row.RequestForAuthor) + Encoding.UTF8.GetString(row.ReasonForPatient!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_records_patient_files_a_request_and_never_on_a_record_they_wrote()
    {
        var s = await DiagnosisAsync();
        var stranger = await World.RegisterAsync(Role.Patient);

        // The SDK refuses before sending: a stranger cannot even fetch the record; the patient's own record is theirs to version.
        await Assert.ThrowsAsync<MedLedgerApiException>(() => stranger.Client.RequestAmendmentAsync(s.RecordId, RequestText));
        var own = await s.Patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => s.Patient.Client.RequestAmendmentAsync(own.RecordId, RequestText));

        // From the attacker's side, with hand-signed transactions: a stranger's request answers like an unknown record,
        // a request on one's own record is refused, and a doctor may not file at all.
        Assert.Equal(HttpStatusCode.NotFound, (await ForgedRequestAsync(stranger, s.RecordId, stranger.Id, s.Doctor.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ForgedRequestAsync(s.Patient, own.RecordId, s.Patient.Id, s.Patient.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ForgedRequestAsync(s.Doctor, s.RecordId, s.Patient.Id, s.Doctor.Id)).StatusCode);
        // A note that is not the one the transaction anchors.
        Assert.Equal((HttpStatusCode)422, (await ForgedRequestAsync(s.Patient, s.RecordId, s.Patient.Id, s.Doctor.Id, tamperHash: true)).StatusCode);
        Assert.Equal(0, await Db(db => db.Set<AmendmentRequest>().CountAsync()));

        // One open request per record.
        Assert.Equal(HttpStatusCode.Created, (await ForgedRequestAsync(s.Patient, s.RecordId, s.Patient.Id, s.Doctor.Id)).StatusCode);
        var second = await Assert.ThrowsAsync<MedLedgerApiException>(() => s.Patient.Client.RequestAmendmentAsync(s.RecordId, RequestText));
        Assert.Equal(HttpStatusCode.Conflict, second.Status);
    }

    [Fact]
    public async Task Only_the_author_decides_and_a_request_is_decided_once()
    {
        var s = await DiagnosisAsync();
        var filed = await s.Patient.Client.RequestAmendmentAsync(s.RecordId, RequestText);

        // Another doctor of the patient's care team, hand-signing a decision: the request answers like an unknown one.
        Assert.Equal(HttpStatusCode.NotFound, (await ForgedDeclineAsync(s.OtherDoctor, filed)).StatusCode);
        // The patient is refused by the endpoint's policy.
        Assert.Equal(HttpStatusCode.Forbidden, (await ForgedDeclineAsync(s.Patient, filed)).StatusCode);
        // Accepting before the corrected version exists is refused by the ledger.
        var early = await Assert.ThrowsAsync<MedLedgerApiException>(() => s.Doctor.Client.MarkAmendmentAcceptedAsync(filed.RequestId, 2));
        Assert.Equal(HttpStatusCode.Conflict, early.Status);

        Assert.Equal(HttpStatusCode.OK, (await ForgedDeclineAsync(s.Doctor, filed)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await ForgedDeclineAsync(s.Doctor, filed)).StatusCode);
        Assert.Equal("declined", Assert.Single(await s.Patient.Client.AmendmentsAsync()).Status);
    }

    [Fact]
    public async Task Concurrent_decisions_on_one_request_let_exactly_one_through()
    {
        var s = await DiagnosisAsync();
        var filed = await s.Patient.Client.RequestAmendmentAsync(s.RecordId, RequestText);
        var second = await World.LoginAsync(s.Doctor.Email, s.Doctor.Password, Role.Doctor, s.Doctor.OrganizationId);
        var results = await Task.WhenAll(
            ForgedDeclineAsync(s.Doctor, filed, "First reason."),
            ForgedDeclineAsync(second, filed, "Second reason."));
        Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Single(results, r => r.StatusCode == HttpStatusCode.Conflict);
        var decided = Assert.Single(await s.Patient.Client.AmendmentsAsync());
        Assert.Contains(decided.DeclineReason, new[] { "First reason.", "Second reason." });
        // A loser that reached the ledger is recorded there as invalid; exactly one decision is valid.
        var onLedger = await Host.Service<LedgerGateway>().Peer.Queries.GetTransactionsAboutAsync(filed.RequestId.ToString(), null, 1000);
        Assert.Single(onLedger, t => t.Valid && t.Transaction.Type == AmendDecideContract.TypeName);
    }

    private async Task<HttpResponseMessage> ForgedRequestAsync(SdkUser signer, Guid recordId, Guid patientId, Guid authorId, bool tamperHash = false)
    {
        var keys = signer.Client.Keys!;
        var requestId = Guid.NewGuid().ToString();
        var note = AmendmentNote.Seal(ProtocolTags.AmendmentRequestText, requestId, RequestText, _patientKey, _authorKey);
        var hash = note.Hash(ProtocolTags.AmendmentRequestText, requestId);
        var tx = LedgerTransaction.Create(AmendRequestContract.TypeName, signer.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(), new Dictionary<string, string>
        {
            ["requestId"] = requestId, ["recordId"] = recordId.ToString(), ["patientId"] = patientId.ToString(), ["authorId"] = authorId.ToString(), ["version"] = "1",
            ["contentHash"] = tamperHash ? new string('0', 64) : hash,
        }, keys.Signing.PrivateKey);
        return await RawAsync(signer, "/api/amendments", new FileAmendmentRequest(SignedTransactionDto.From(tx), Wire(note)));
    }

    private async Task<HttpResponseMessage> ForgedDeclineAsync(SdkUser signer, MedLedger.Client.Amendment request, string reason = ReasonText)
    {
        var keys = signer.Client.Keys!;
        var id = request.RequestId.ToString();
        var note = AmendmentNote.Seal(ProtocolTags.AmendmentDeclineReason, id, reason, _patientKey, _authorKey);
        var tx = LedgerTransaction.Create(AmendDecideContract.TypeName, signer.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(), new Dictionary<string, string>
        {
            ["requestId"] = id, ["recordId"] = request.RecordId.ToString(), ["patientId"] = request.PatientId.ToString(), ["decision"] = AmendDecideContract.Declined,
            ["reasonHash"] = note.Hash(ProtocolTags.AmendmentDeclineReason, id),
        }, keys.Signing.PrivateKey);
        return await RawAsync(signer, $"/api/amendments/{id}/decide", new DecideAmendmentRequest(SignedTransactionDto.From(tx), Wire(note)));
    }

    private static SealedNoteDto Wire(AmendmentNote note) => new(note.ForPatient.ToJsonBytes(), note.ForAuthor.ToJsonBytes());

    private async Task<HttpResponseMessage> RawAsync(SdkUser caller, string path, object body)
    {
        using var raw = Host.CreateClient();
        raw.DefaultRequestHeaders.Authorization = new("Bearer", await caller.Client.GetAccessTokenAsync());
        return await raw.PostJson(path, body);
    }
}
