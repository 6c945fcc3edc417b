using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MedLedger.Client;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Tests.Infrastructure;
using MedLedger.Server.Features.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Records;

/// <summary>
/// Refused record accesses are limited per caller and window (429 after the limit), and the ledger gets one
/// records.access-denied entry per window plus one aggregated summary, so refusals cannot grow the ledger without bound.
/// </summary>
public sealed class RefusalLimitTests : RecordTestBase
{
    private const int Limit = 5;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const string Denied = "records.access-denied";
    private const string Summary = "records.access-denied-summary";

    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => base.StartHostAsync(s =>
    {
        configure?.Invoke(s);
        s["Records:MaxRefusalsPerWindow"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        s["Records:RefusalWindow"] = Window.ToString();
        // The test closes windows by moving the host's clock and flushes them itself; a background tick would only race it.
        s["Records:RefusalSweepInterval"] = "01:00:00";
    });

    /// <summary>A patient's record, a doctor assigned and consented (allowed) and one who is not assigned (refused).</summary>
    private async Task<(SdkUser Patient, Guid RecordId, SdkUser Allowed, SdkUser Stranger)> WorldAsync()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Refusal Hospital", 2);
        var patient = await World.RegisterAsync(Role.Patient);
        var rec = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id);
        await patient.Client.GrantConsentAsync(doctors[0].Id, ConsentScope.All);
        return (patient, rec.RecordId, doctors[0], doctors[1]);
    }

    private async Task<HttpClient> RawAsync(SdkUser user)
    {
        var raw = Host.CreateClient();
        raw.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await user.Client.GetAccessTokenAsync());
        return raw;
    }

    private async Task<List<StoredLike>> RefusalEntries(Guid reader) =>
        (await LedgerAbout(reader)).Where(t => t.Type is Denied or Summary).ToList();

    private static async Task AssertRateLimited(HttpResponseMessage res)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, res.StatusCode);
        var problem = await res.Problem();
        Assert.Equal("https://medledger.example/problems/rate-limited", problem.GetProperty("type").GetString());
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        var retry = res.Headers.RetryAfter?.Delta;
        Assert.NotNull(retry);
        Assert.InRange(retry.Value, TimeSpan.FromSeconds(1), Window);
    }

    [Fact]
    public async Task A_caller_refused_100_times_concurrently_gets_the_limit_of_403s_then_429s_and_at_most_limit_plus_one_ledger_entries()
    {
        var (_, recordId, _, stranger) = await WorldAsync();
        using var raw = await RawAsync(stranger);

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => raw.GetAsync($"/api/records/{recordId}")));

        Assert.Equal(Limit, responses.Count(r => r.StatusCode == HttpStatusCode.Forbidden));
        Assert.Equal(100 - Limit, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        foreach (var res in responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests))
        {
            await AssertRateLimited(res);
        }
        // While the window is open: the first refusal is on the ledger at once (a single probe is always visible), the rest only counted.
        var entries = await RefusalEntries(stranger.Id);
        Assert.InRange(entries.Count, 1, Limit + 1);
        Assert.Equal(recordId.ToString(), Assert.Single(entries, e => e.Type == Denied).Payload["recordId"]);
        Assert.Equal(Limit, await Db(db => db.SecurityEvents.CountAsync(e => e.Kind == SecurityEventKind.AccessDenied && e.ActorId == stranger.Id)));

        // After the window the caller is served again (a normal 403 refusal, not 429); that refusal closes the old window,
        // whose refusals land on the ledger as one summary: 99 refusals after the first, 95 of them answered 429.
        Host.Clock.Advance(Window + TimeSpan.FromSeconds(1));
        var again = await raw.GetAsync($"/api/records/{recordId}");
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        Assert.Contains("not assigned", (await again.Problem()).GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);

        entries = await RefusalEntries(stranger.Id);
        Assert.InRange(entries.Count, 1, Limit + 2);
        Assert.Equal(2, entries.Count(e => e.Type == Denied));
        var summary = Assert.Single(entries, e => e.Type == Summary);
        Assert.Equal(stranger.Id.ToString(), summary.Payload["readerId"]);
        Assert.Equal("99", summary.Payload["count"]);
        Assert.Equal("95", summary.Payload["rateLimited"]);
        Assert.True(long.TryParse(summary.Payload["windowStartMs"], out _));
        // Ids and counts only: no reason, record or patient in the summary.
        Assert.Equal(new[] { "count", "rateLimited", "readerId", "windowStartMs" }, summary.Payload.Keys.Order(StringComparer.Ordinal));

        // The admin sees the count too.
        using var admin = await RawAsync(Admin);
        var events = await admin.GetFromJsonAsyncSafe<JsonElement>($"/api/admin/security-events?subject={stranger.Id}&limit=1000");
        var summaryEvent = Assert.Single(events.EnumerateArray(), e => e.GetProperty("kind").GetString() == "AccessDeniedSummary");
        Assert.Contains("count=99", summaryEvent.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("rateLimited=95", summaryEvent.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Allowed_reads_are_never_rate_limited_and_do_not_count_towards_the_limit()
    {
        var (_, recordId, allowed, _) = await WorldAsync();
        var otherPatient = await World.RegisterAsync(Role.Patient);
        var foreign = await otherPatient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        using var raw = await RawAsync(allowed);

        // Many allowed reads first: none of them is a refusal, so none counts.
        for (var i = 0; i < 2 * Limit; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await raw.GetAsync($"/api/records/{recordId}")).StatusCode);
        }
        for (var i = 0; i < Limit; i++)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await raw.GetAsync($"/api/records/{foreign.RecordId}")).StatusCode);
        }
        await AssertRateLimited(await raw.GetAsync($"/api/records/{foreign.RecordId}"));

        // Over the limit for refusals, the doctor still opens what they may read, and the refusals stay limited.
        Assert.Equal("Condition", (await allowed.Client.OpenRecordAsync(recordId)).Category);
        Assert.Equal(HttpStatusCode.OK, (await raw.GetAsync($"/api/records/{recordId}")).StatusCode);
        await AssertRateLimited(await raw.GetAsync($"/api/records/{foreign.RecordId}"));
    }

    [Fact]
    public async Task Refusals_counted_in_an_open_window_are_written_when_the_server_stops()
    {
        var (_, recordId, _, stranger) = await WorldAsync();
        using var raw = await RawAsync(stranger);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await raw.GetAsync($"/api/records/{recordId}")).StatusCode);
        }

        await Host.App.StopAsync();

        var entries = await RefusalEntries(stranger.Id);
        Assert.Single(entries, e => e.Type == Denied);
        var summary = Assert.Single(entries, e => e.Type == Summary);
        Assert.Equal("2", summary.Payload["count"]);
        Assert.Equal("0", summary.Payload["rateLimited"]);
    }

    [Fact]
    public async Task A_window_that_ended_without_a_later_refusal_is_summarised_once_by_the_sweep()
    {
        var (_, recordId, _, stranger) = await WorldAsync();
        using var raw = await RawAsync(stranger);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await raw.GetAsync($"/api/records/{recordId}")).StatusCode);
        }
        await using var scope = Host.App.Services.CreateAsyncScope();
        var access = scope.ServiceProvider.GetRequiredService<RecordAccess>();

        Assert.Equal(0, await access.WriteRefusalSummariesAsync(final: false, CancellationToken.None));
        Host.Clock.Advance(Window);
        Assert.Equal(1, await access.WriteRefusalSummariesAsync(final: false, CancellationToken.None));
        Assert.Equal(0, await access.WriteRefusalSummariesAsync(final: false, CancellationToken.None));

        var summary = Assert.Single(await RefusalEntries(stranger.Id), e => e.Type == Summary);
        Assert.Equal("1", summary.Payload["count"]);
        Assert.Equal("0", summary.Payload["rateLimited"]);
    }

    [Theory]
    [InlineData("Records:MaxRefusalsPerWindow", "0")]
    [InlineData("Records:RefusalWindow", "00:00:00")]
    [InlineData("Records:RefusalSweepInterval", "2.00:00:00")]
    public async Task Refusal_limit_options_out_of_range_stop_the_server_at_start_up(string key, string value)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHost.StartAsync(s => s[key] = value));
        Assert.Contains(key.Split(':')[1], e.Message, StringComparison.Ordinal);
    }
}
