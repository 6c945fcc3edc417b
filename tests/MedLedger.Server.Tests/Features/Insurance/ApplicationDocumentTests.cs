using System.Net;
using System.Text;
using MedLedger.Client;
using MedLedger.Server.Features.Insurance;
using MedLedger.Server.Tests.CrossCutting;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Insurance;

/// <summary>
/// Issue 17 item 2: records attached to an insurance application, sealed for the insurer through consent grants scoped to them
/// (purpose insurance-application) and linked to the application. The insurer's staff open exactly those while the application
/// awaits a decision (afterwards only what the patient kept); another insurer holding a grant, a doctor without a link, another
/// patient's records are refused and change nothing. Staff who join the insurer later get the documents when the patient's
/// client next seals.
/// </summary>
public sealed class ApplicationDocumentTests : RecordTestBase
{
    private SdkUser _insurer = null!, _patient = null!;
    private Guid _planId;

    private async Task WorldAsync()
    {
        _insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Apply Docs Mutual " + Guid.NewGuid().ToString("N")[..6]);
        _planId = (await _insurer.Client.CreateInsurancePlanAsync(new NewInsurancePlan("Apply Docs " + Guid.NewGuid().ToString("N")[..6], null, "EUR", 2900, PremiumInterval.Monthly,
            100_000, DependantsAllowed: false, [new PlanBenefit(CoverCategory.Outpatient, 100, null, 1000, 0)]))).Id;
        _patient = await World.RegisterAsync(Role.Patient);
    }

    private DateOnly Today => DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime);

    private async Task<Guid> RecordAsync(SdkUser patient, string content) =>
        (await patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes(content), "application/pdf")).RecordId;

    private async Task<string> OpenAsync(SdkUser reader, Guid recordId) => Encoding.UTF8.GetString((await reader.Client.OpenRecordAsync(recordId)).Content);

    private async Task<HttpStatusCode> RefusedAsync(Func<Task> read) => (await Assert.ThrowsAsync<MedLedgerApiException>(read)).Status;

    private Task<int> LinksAsync() => Db(db => db.Set<ApplicationRecordLink>().CountAsync());

    [Fact]
    public async Task The_insurers_staff_open_exactly_the_attached_records_and_another_insurer_holding_a_grant_is_refused()
    {
        await WorldAsync();
        var attached = await RecordAsync(_patient, "%PDF-1.7 medical history for underwriting");
        var notAttached = await RecordAsync(_patient, "%PDF-1.7 something else");
        var application = await _patient.Client.ApplyForInsuranceAsync(_planId, Today);

        Assert.Equal([_insurer.Id], await _patient.Client.AttachApplicationDocumentsAsync(application.Id, [attached]));
        var grant = Assert.Single(await _patient.Client.GrantsAsync(), g => g.GranteeId == _insurer.Id);
        Assert.Equal(("insurance-application", ConsentScope.Records), (grant.Purpose, grant.Scope));
        Assert.Equal([attached.ToString()], grant.Items);

        var queued = Assert.Single(await _insurer.Client.InsurerApplicationsAsync(), a => a.Id == application.Id);
        Assert.Equal([attached], queued.RecordIds);
        var documents = await _insurer.Client.InsurerApplicationDocumentsAsync(application.Id);
        Assert.Equal([new ApplicationDocumentView(attached, false, true)], documents.Documents);
        Assert.Equal("%PDF-1.7 medical history for underwriting", await OpenAsync(_insurer, attached));
        // A record the application does not list stays closed, even with a grant covering it.
        await _patient.Client.GrantConsentAsync(_insurer.Id, ConsentScope.Records, [notAttached.ToString()], "insurance-application");
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync(() => _insurer.Client.OpenRecordAsync(notAttached)));

        // Another insurer: no application of theirs links it, so a grant does not open it; the application itself is not theirs.
        var rival = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Rival Apply Mutual " + Guid.NewGuid().ToString("N")[..6]);
        await _patient.Client.GrantConsentAsync(rival.Id, ConsentScope.Records, [attached.ToString()], "insurance-application");
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync(() => rival.Client.OpenRecordAsync(attached)));
        Assert.Equal(HttpStatusCode.NotFound, await RefusedAsync(() => rival.Client.InsurerApplicationDocumentsAsync(application.Id)));
        Assert.DoesNotContain(await rival.Client.InsurerApplicationsAsync(), a => a.Id == application.Id);
        // A doctor the patient never saw has no link and no assignment.
        var doctor = await World.VerifiedAsync(Admin, Role.Doctor, OrganizationKind.Hospital, "Apply Docs Hospital " + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync(() => doctor.Client.OpenRecordAsync(attached)));
        // Attaching again is harmless: one link, no second grant.
        await _patient.Client.AttachApplicationDocumentsAsync(application.Id, [attached]);
        Assert.Equal(1, await LinksAsync());
        Assert.Equal(2, (await _patient.Client.GrantsAsync()).Count(g => g.GranteeId == _insurer.Id));
    }

    [Fact]
    public async Task Another_patients_record_or_application_is_refused_and_nothing_changes()
    {
        await WorldAsync();
        var mine = await RecordAsync(_patient, "%PDF-1.7 mine");
        var application = await _patient.Client.ApplyForInsuranceAsync(_planId, Today);
        var stranger = await World.RegisterAsync(Role.Patient);
        var theirs = await RecordAsync(stranger, "%PDF-1.7 theirs");

        using var http = Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", await _patient.Client.GetAccessTokenAsync());
        var response = await http.PostAsync($"/api/insurance/applications/{application.Id}/documents",
            System.Net.Http.Json.JsonContent.Create(new { recordIds = new[] { mine, theirs } }));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        // The stranger cannot attach to the patient's application, even their own record.
        Assert.Equal(HttpStatusCode.NotFound, await RefusedAsync(() => stranger.Client.AttachApplicationDocumentsAsync(application.Id, [theirs])));
        // Bad input: no records, a repeated record, malformed JSON.
        foreach (var body in new object[] { new { recordIds = Array.Empty<Guid>() }, new { recordIds = new[] { mine, mine } } })
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await http.PostAsync($"/api/insurance/applications/{application.Id}/documents",
                System.Net.Http.Json.JsonContent.Create(body))).StatusCode);
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync($"/api/insurance/applications/{application.Id}/documents",
            new StringContent("{\"recordIds\": [", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(0, await LinksAsync());
        Assert.Empty((await _patient.Client.MyInsuranceApplicationsAsync()).Single().RecordIds!);
        Assert.DoesNotContain(await _patient.Client.GrantsAsync(), g => g.GranteeId == _insurer.Id);
    }

    [Fact]
    public async Task Once_the_application_is_decided_its_links_stop_opening_records_except_those_the_patient_kept()
    {
        await WorldAsync();
        var dropped = await RecordAsync(_patient, "%PDF-1.7 dropped after the decision");
        var kept = await RecordAsync(_patient, "%PDF-1.7 kept after the decision");
        var application = await _patient.Client.ApplyForInsuranceAsync(_planId, Today);
        await _patient.Client.AttachApplicationDocumentsAsync(application.Id, [dropped]);
        await _patient.Client.AttachApplicationDocumentsAsync(application.Id, [kept], keepAfterDecision: true);
        Assert.Equal("%PDF-1.7 dropped after the decision", await OpenAsync(_insurer, dropped));

        await _insurer.Client.DeclineApplicationAsync(application.Id, "incomplete");
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync(() => _insurer.Client.OpenRecordAsync(dropped)));
        Assert.Equal("%PDF-1.7 kept after the decision", await OpenAsync(_insurer, kept));
        var documents = await _insurer.Client.InsurerApplicationDocumentsAsync(application.Id);
        // Attached in one call (one time), so the list's order between them is the ids' order: compare as sets.
        Assert.Equal(
            new[] { new ApplicationDocumentView(dropped, false, false), new ApplicationDocumentView(kept, true, true) }.OrderBy(d => d.RecordId),
            documents.Documents.OrderBy(d => d.RecordId));
        // Nothing new after the decision (409); the patient may still change what they keep.
        var late = await RecordAsync(_patient, "%PDF-1.7 late");
        Assert.Equal(HttpStatusCode.Conflict, await RefusedAsync(() => _patient.Client.AttachApplicationDocumentsAsync(application.Id, [late])));
        await _patient.Client.AttachApplicationDocumentsAsync(application.Id, [kept], keepAfterDecision: false);
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync(() => _insurer.Client.OpenRecordAsync(kept)));
    }

    [Fact]
    public async Task Staff_who_join_the_insurer_later_get_claim_and_application_documents_when_the_patient_next_seals()
    {
        await WorldAsync();
        var applicationDocument = await RecordAsync(_patient, "%PDF-1.7 application document");
        var pending = await _patient.Client.ApplyForInsuranceAsync(_planId, Today.AddDays(30));
        await _patient.Client.AttachApplicationDocumentsAsync(pending.Id, [applicationDocument]);
        // An active policy (marked paid) and a claim with a document sealed for the staff of the day.
        var accepted = await _insurer.Client.AcceptApplicationAsync((await _patient.Client.ApplyForInsuranceAsync(_planId, Today)).Id);
        await _insurer.Client.MarkPremiumPaidAsync(accepted.Policy.Id);
        var claimDocument = await _patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes("%PDF-1.7 claim document"), "application/pdf");
        var claim = await _patient.Client.FileClaimAsync(accepted.Policy.Id, "receipt-" + Guid.NewGuid().ToString("N")[..6],
            [new NewClaimLine("Outpatient", 10, Host.Clock.GetUtcNow())], documents: [(claimDocument.RecordId, claimDocument.Version)]);
        await _patient.Client.SealClaimDocumentsForInsurerAsync(claim.Id);

        var newcomer = await World.RegisterAsync(Role.InsurerStaff, _insurer.OrganizationId);
        await Admin.Client.DecideProfessionalAsync(newcomer.Id, true);
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync(() => newcomer.Client.OpenRecordAsync(claimDocument.RecordId)));
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync(() => newcomer.Client.OpenRecordAsync(applicationDocument)));

        Assert.Equal(2, await _patient.Client.SealInsuranceDocumentsForNewStaffAsync());
        Assert.Equal("%PDF-1.7 claim document", await OpenAsync(newcomer, claimDocument.RecordId));
        Assert.Equal("%PDF-1.7 application document", await OpenAsync(newcomer, applicationDocument));
        // Everyone is covered now: the next sign-in seals nothing more. An unverified newcomer gets nothing.
        var unverified = await World.RegisterAsync(Role.InsurerStaff, _insurer.OrganizationId);
        Assert.Equal(0, await _patient.Client.SealInsuranceDocumentsForNewStaffAsync());
        Assert.DoesNotContain(await _patient.Client.GrantsAsync(), g => g.GranteeId == unverified.Id);
    }

    [Fact]
    public async Task With_application_documents_sealed_for_the_insurer_the_server_holds_no_document_content_and_no_private_key()
    {
        await WorldAsync();
        var marker = $"ZQX-APPLICATION-DOC-{Guid.NewGuid():N}";
        var record = await RecordAsync(_patient, "%PDF-1.7 history " + marker);
        var application = await _patient.Client.ApplyForInsuranceAsync(_planId, Today);
        await _patient.Client.AttachApplicationDocumentsAsync(application.Id, [record]);
        Assert.Contains(marker, await OpenAsync(_insurer, record), StringComparison.Ordinal);

        var haystacks = await CuriousServerScan.StoredBytesAsync(Host);
        var needles = CuriousServerScan.Needles("application document", marker).ToList();
        foreach (var u in new[] { _insurer, _patient })
        {
            needles.Add(($"{u.Role} encryption private key", u.Client.Keys!.Encryption.PrivateKey));
        }
        CuriousServerScan.AssertNoneFound(haystacks, needles);
    }
}
