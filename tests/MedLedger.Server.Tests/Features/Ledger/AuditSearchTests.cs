using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Ledger;

/// <summary>
/// Issue 19 item 3: the admin's audit search over the ledger — by actor, subject, type, validity and signed time, newest
/// first, paged and as CSV — and its refusals (anyone but an admin; bad filters get one 422 naming each field).
/// </summary>
public sealed class AuditSearchTests : IAsyncLifetime
{
    private TestHost _host = null!;
    private TestUsers _users = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        _users = new TestUsers(_host);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task An_admin_finds_transactions_by_actor_subject_type_and_time_newest_first_and_pages_through_them()
    {
        var admin = await _users.CreateAdminAsync();
        var staff = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital()));
        var other = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital()));
        await _users.AdminDecideAsync(admin, staff.Id, organization: false, approve: true);
        await _users.AdminDecideAsync(admin, other.Id, organization: false, approve: true);
        var patient = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        var started = DateTimeOffset.UtcNow.AddMinutes(-10);

        // Type and subject: the one verification about this staff member, signed by the admin.
        var verify = Assert.Single(await admin.Api.GetFromJsonAsyncSafe<List<TransactionSummary>>($"/api/ledger/audit?type=identity.verify&subject={staff.Id}"));
        Assert.Equal((admin.Id.ToString(), staff.Id.ToString(), true), (verify.ActorId, verify.Payload["subjectId"], verify.Valid));
        // Actor: everything the admin signed, newest first; both verifications among it, and nothing signed by anyone else.
        var byAdmin = await admin.Api.GetFromJsonAsyncSafe<List<TransactionSummary>>($"/api/ledger/audit?actor={admin.Id}");
        Assert.All(byAdmin, t => Assert.Equal(admin.Id.ToString(), t.ActorId));
        Assert.Equal(byAdmin.OrderByDescending(t => t.LogIndex).Select(t => t.LogIndex), byAdmin.Select(t => t.LogIndex));
        Assert.Equal(2, byAdmin.Count(t => t.Type == "identity.verify"));
        // Actor and type together, and a subject that narrows it to none.
        Assert.Single(await admin.Api.GetFromJsonAsyncSafe<List<TransactionSummary>>($"/api/ledger/audit?actor={patient.Id}&type=identity.register-keys"));
        Assert.Empty(await admin.Api.GetFromJsonAsyncSafe<List<TransactionSummary>>($"/api/ledger/audit?actor={patient.Id}&type=identity.verify"));
        // Time: the signed time, from inclusive, to exclusive.
        Assert.Contains(await admin.Api.GetFromJsonAsyncSafe<List<TransactionSummary>>($"/api/ledger/audit?type=identity.verify&from={Iso(started)}"), t => t.Id == verify.Id);
        Assert.Empty(await admin.Api.GetFromJsonAsyncSafe<List<TransactionSummary>>($"/api/ledger/audit?type=identity.verify&to={Iso(started)}"));
        Assert.Empty(await admin.Api.GetFromJsonAsyncSafe<List<TransactionSummary>>($"/api/ledger/audit?from={Iso(DateTimeOffset.UtcNow.AddHours(1))}"));
        Assert.Empty(await admin.Api.GetFromJsonAsyncSafe<List<TransactionSummary>>("/api/ledger/audit?valid=false"));

        // Pages: limit, then before the last one seen, until the log runs out; nothing seen twice, nothing skipped.
        var all = await admin.Api.GetFromJsonAsyncSafe<List<TransactionSummary>>("/api/ledger/audit?limit=500");
        var paged = new List<TransactionSummary>();
        var page = await admin.Api.GetFromJsonAsyncSafe<List<TransactionSummary>>("/api/ledger/audit?limit=3");
        while (page.Count > 0)
        {
            paged.AddRange(page);
            page = await admin.Api.GetFromJsonAsyncSafe<List<TransactionSummary>>($"/api/ledger/audit?limit=3&before={page[^1].LogIndex}");
        }
        Assert.Equal(all.Select(t => t.Id), paged.Select(t => t.Id));
    }

    [Fact]
    public async Task The_csv_export_has_one_row_per_match_with_its_time_type_actor_and_payload()
    {
        var admin = await _users.CreateAdminAsync();
        var staff = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital()));
        await _users.AdminDecideAsync(admin, staff.Id, organization: false, approve: true);

        var response = await admin.Api.GetAsync($"/api/ledger/audit.csv?subject={staff.Id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("log_index,block,time_utc,type,actor,valid,reason,transaction_id,payload", lines[0]);
        var matches = await admin.Api.GetFromJsonAsyncSafe<List<TransactionSummary>>($"/api/ledger/audit?subject={staff.Id}");
        Assert.Equal(matches.Count, lines.Length - 1);
        var verify = matches.Single(t => t.Type == "identity.verify");
        var row = Assert.Single(lines, l => l.Contains(verify.Id, StringComparison.Ordinal));
        Assert.StartsWith($"{verify.LogIndex},{verify.BlockHeight},{DateTimeOffset.FromUnixTimeMilliseconds(verify.TimestampMs):yyyy-MM-dd'T'HH:mm:ss.fff'Z'},identity.verify,{admin.Id},true,,{verify.Id},", row);
        Assert.Contains($"subjectId={staff.Id}", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_an_admin_searches_and_bad_filters_get_one_problem_naming_each_field()
    {
        var admin = await _users.CreateAdminAsync();
        var staff = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital()));
        await _users.AdminDecideAsync(admin, staff.Id, organization: false, approve: true);
        var patient = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        foreach (var who in new[] { patient, staff })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await who.Api.GetAsync($"/api/ledger/audit?subject={who.Id}")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await who.Api.GetAsync("/api/ledger/audit.csv")).StatusCode);
        }

        var bad = await admin.Api.GetAsync($"/api/ledger/audit?type=DROP%20TABLE&from={Iso(DateTimeOffset.UtcNow)}&to={Iso(DateTimeOffset.UtcNow.AddDays(-1))}&limit=0");
        Assert.Equal((HttpStatusCode)422, bad.StatusCode);
        var errors = (await bad.Problem()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("type", out _) && errors.TryGetProperty("to", out _) && errors.TryGetProperty("limit", out _), errors.ToString());
        Assert.Equal((HttpStatusCode)422, (await admin.Api.GetAsync("/api/ledger/audit.csv?type=Not-A-Type")).StatusCode);
        var malformed = await admin.Api.GetAsync("/api/ledger/audit?actor=not-a-guid");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        await malformed.Problem();
    }
}
