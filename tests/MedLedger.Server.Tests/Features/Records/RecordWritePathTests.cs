using System.Net;
using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Tests.CrossCutting.LyingServer;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Records;

/// <summary>
/// Issue 15's records path: a steady writer sends one request per record version (the checked reader list is reused,
/// the consistency proof comes with the answer) and a reader one per open — without losing what the extra requests
/// bought: a grant or revocation made elsewhere still decides the next version's readers, and a wrong proof in an
/// answer is a fork alarm, not a shortcut.
/// </summary>
public sealed class RecordWritePathTests : RecordTestBase
{
    private static string Condition => Fhir("Condition-For-Patient-f001.json");

    private static int Count(IEnumerable<SentRequest> sent, HttpMethod method, string pathPart) =>
        sent.Count(r => r.Method == method && r.PathAndQuery.Contains(pathPart, StringComparison.Ordinal));

    private async Task<(SdkUser Patient, MedLedgerClient Client, LyingServer Log, SdkUser Doctor)> PatientWithDoctorAsync()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Write Path Hospital", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id);
        var (client, log) = await LyingServer.SignInAsync(Host, patient);
        return (patient, client, log, doctors[0]);
    }

    [Fact]
    public async Task A_steady_writer_sends_one_request_per_version_and_a_reader_one_per_open()
    {
        var (_, client, log, _) = await PatientWithDoctorAsync();
        var first = await client.CreateFhirRecordAsync(Condition);

        var from = log.Sent.Count;
        var written = new List<RecordVersionInfo>();
        for (var i = 0; i < 4; i++)
        {
            written.Add(await client.CreateFhirRecordAsync(Condition));
        }
        var opened = await client.OpenRecordAsync(first.RecordId);

        var sent = log.Sent.Skip(from).ToList();
        Assert.Equal(4, Count(sent, HttpMethod.Post, "/versions"));
        Assert.Equal(0, Count(sent, HttpMethod.Get, "/api/records/readers"));
        Assert.Equal(0, Count(sent, HttpMethod.Get, "/api/ledger/consistency"));
        Assert.Equal(1, Count(sent, HttpMethod.Get, $"/api/records/{first.RecordId}"));
        Assert.Equal(5, sent.Count);
        // The proofs came with the answers, and the client's view still advanced through each verified receipt.
        Assert.All(written, w => Assert.NotNull(w.Proofs));
        Assert.Equal(first.RecordId, opened.RecordId);
        Assert.Equal(written[^1].Receipt!.Head.TreeSize, (await client.RememberedHeadAsync())!.TreeSize);
    }

    [Fact]
    public async Task A_grant_made_on_another_device_reaches_the_next_version_written_with_a_reused_reader_list()
    {
        var (patient, client, log, doctor) = await PatientWithDoctorAsync();
        await client.CreateFhirRecordAsync(Condition);
        // The patient's other session grants the doctor every Condition: the first client's reader list is now stale.
        await patient.Client.GrantConsentAsync(doctor.Id, ConsentScope.Categories, ["Condition"]);

        var from = log.Sent.Count;
        var second = await client.CreateFhirRecordAsync(Condition);

        var sent = log.Sent.Skip(from).ToList();
        // The reused list was refused (409 readers-changed, nothing stored), a fresh one fetched and checked, then accepted.
        Assert.Equal(2, Count(sent, HttpMethod.Post, $"/api/records/{second.RecordId}/versions"));
        Assert.Equal(1, Count(sent, HttpMethod.Get, "/api/records/readers"));
        Assert.Equal([1], await client.RecordVersionsAsync(second.RecordId));
        Assert.Equal("Condition", (await doctor.Client.OpenRecordAsync(second.RecordId)).Category);
    }

    [Fact]
    public async Task A_revocation_made_on_another_device_leaves_the_next_version_without_a_wrap_for_that_reader()
    {
        var (patient, client, _, doctor) = await PatientWithDoctorAsync();
        var grant = await patient.Client.GrantConsentAsync(doctor.Id, ConsentScope.Categories, ["Condition"]);
        var before = await client.CreateFhirRecordAsync(Condition);
        Assert.Equal("Condition", (await doctor.Client.OpenRecordAsync(before.RecordId)).Category);
        await patient.Client.RevokeConsentAsync(grant.Id);

        var after = await client.CreateFhirRecordAsync(Condition);

        Assert.False(await Db(db => db.Set<RecordWrap>().AnyAsync(w => w.RecordId == after.RecordId && w.ReaderId == doctor.Id)));
        Assert.True(await Db(db => db.Set<RecordWrap>().AnyAsync(w => w.RecordId == after.RecordId && w.ReaderId == patient.Id)));
        var refused = await Assert.ThrowsAsync<MedLedgerApiException>(() => doctor.Client.FetchSealedAsync(after.RecordId));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
    }

    [Theory]
    [InlineData("abc", HttpStatusCode.BadRequest)]
    [InlineData("1.5", HttpStatusCode.BadRequest)]
    [InlineData("-7", HttpStatusCode.OK)]
    [InlineData("0", HttpStatusCode.OK)]
    [InlineData("9223372036854775807", HttpStatusCode.OK)]
    public async Task A_malformed_or_impossible_view_size_is_a_400_problem_or_ignored_never_a_500(string viewSize, HttpStatusCode expected)
    {
        var (_, client, _, _) = await PatientWithDoctorAsync();
        var record = await client.CreateFhirRecordAsync(Condition);
        using var http = Host.App.GetTestServer().CreateClient();
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/api/records/{record.RecordId}");
        req.Headers.Authorization = new("Bearer", client.Tokens!.AccessToken);
        req.Headers.TryAddWithoutValidation("Ledger-View-Size", viewSize);

        using var res = await http.SendAsync(req);

        Assert.Equal(expected, res.StatusCode);
        var body = await res.Content.ReadAsStringAsync();
        if (expected == HttpStatusCode.OK)
        {
            // A size this server cannot prove from (none, or beyond its log) gets no proofs, not an error.
            Assert.Null(JsonNode.Parse(body)!["proofs"]);
        }
        else
        {
            Assert.Equal("application/problem+json", res.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task A_wrong_consistency_proof_sent_with_a_write_is_a_fork_alarm_not_a_shortcut()
    {
        var (_, client, log, _) = await PatientWithDoctorAsync();
        await client.CreateFhirRecordAsync(Condition);
        log.Lie = (request, json) =>
        {
            if (request.Method != HttpMethod.Post || json["proofs"] is not JsonArray { Count: > 0 } proofs)
            {
                return null;
            }
            foreach (var p in proofs)
            {
                p!["proof"] = new JsonArray(Convert.ToBase64String(new byte[32]));
            }
            return json;
        };

        var fork = await Assert.ThrowsAsync<LedgerForkException>(() => client.CreateFhirRecordAsync(Condition));

        Assert.Contains("does not verify", fork.Message, StringComparison.Ordinal);
        Assert.Equal(0, Count(log.Sent, HttpMethod.Get, "/api/ledger/consistency"));
    }
}
