using System.Net;
using MedLedger.Ledger;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Admin;

/// <summary>
/// Issue 19 item 3: the admin's dashboard, from metadata only — accounts by role, the verification backlog, ledger activity
/// minute by minute (checked against the block headers), the newest `ledger verify`, security events by kind — and only for admins.
/// </summary>
public sealed class MonitoringDashboardTests : HttpUserTestBase
{
    [Fact]
    public async Task The_dashboard_counts_accounts_backlog_ledger_activity_security_events_and_the_last_full_verify()
    {
        var admin = await Users.CreateAdminAsync();
        var staff = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital()));
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        using (var anonymous = Host.CreateClient())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostJson("/api/auth/login", new LoginRequest(patient.Email, new byte[32]))).StatusCode);
        }

        // The test clock stands still while blocks take the peer's wall-clock time: bring it up to now so every block so far
        // falls in the dashboard's last hour.
        Host.Clock.Advance(DateTimeOffset.UtcNow - Host.Clock.GetUtcNow());
        var d = await admin.Api.GetFromJsonAsyncSafe<AdminDashboard>("/api/admin/dashboard");
        Assert.Equal(Enum.GetValues<Role>().Length, d.Users.Count);
        Assert.Equal(new RoleFigures(Role.Patient, 1, 0, 0), d.Users.Single(u => u.Role == Role.Patient));
        Assert.Equal(new RoleFigures(Role.HospitalStaff, 1, 0, 1), d.Users.Single(u => u.Role == Role.HospitalStaff));
        Assert.Equal(new RoleFigures(Role.PlatformAdmin, 1, 0, 0), d.Users.Single(u => u.Role == Role.PlatformAdmin));
        Assert.Equal((1, 1), (d.OrganizationsAwaitingVerification, d.ProfessionalsAwaitingVerification));
        Assert.Equal(1, d.SecurityEventsLastDay.Single(e => e.Kind == SecurityEventKind.LoginFailed).Count);
        Assert.True(d.SecurityEventsLastDay.Single(e => e.Kind == SecurityEventKind.Registered).Count >= 2);
        Assert.Equal(0, d.BreakGlassAwaitingReview);
        Assert.Null(d.Ledger.LastVerify);

        // Ledger activity: 60 minutes ending with the dashboard's minute, matching what the block headers say.
        Assert.Equal(60, d.Ledger.LastHour.Count);
        var first = d.Ledger.LastHour[0].Minute.ToUnixTimeMilliseconds();
        Assert.Equal(d.AsOf.ToUnixTimeMilliseconds() / 60_000 * 60_000, d.Ledger.LastHour[^1].Minute.ToUnixTimeMilliseconds());
        long expected = 0;
        for (var h = 1L; h <= d.Ledger.Height; h++)
        {
            var block = await admin.Api.GetFromJsonAsyncSafe<BlockResponse>($"/api/ledger/blocks/{h}");
            if (block.Header.TimeMs >= first && block.Header.TimeMs < first + (60 * 60_000))
            {
                expected += block.TransactionCount;
            }
        }
        Assert.True(expected > 0);
        Assert.Equal(expected, d.Ledger.LastHour.Sum(m => m.Transactions));
        Assert.Equal(0, d.Ledger.LastHour.Sum(m => m.Invalid));
        Assert.Equal(0, d.Ledger.InvalidEver);
        var head = await admin.Api.GetFromJsonAsyncSafe<BlockHeader>("/api/ledger/head");
        Assert.Equal((head.Height, head.TreeSize), (d.Ledger.Height, d.Ledger.TreeSize));

        // A full verify records its time and verdict; the dashboard shows the newest.
        var verify = await CliBinary.RunAsync(["ledger", "verify", "--data", Host.DataDirectory]);
        Assert.True(verify.Exit == 0, verify.All);
        var after = await admin.Api.GetFromJsonAsyncSafe<AdminDashboard>("/api/admin/dashboard");
        var run = after.Ledger.LastVerify!;
        Assert.True(run.Ok, run.Summary);
        Assert.Equal(head.Height, run.HeadHeight);
        Assert.StartsWith("OK: ", run.Summary, StringComparison.Ordinal);
        Assert.True(run.FinishedAt >= run.StartedAt);

        // Metadata only: no e-mail address of anyone appears in it.
        var json = await (await admin.Api.GetAsync("/api/admin/dashboard")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(patient.Email, json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(staff.Email, json, StringComparison.OrdinalIgnoreCase);
        foreach (var who in new[] { patient, staff })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await who.Api.GetAsync("/api/admin/dashboard")).StatusCode);
        }
    }
}

/// <summary>Issue 19 item 3: ledger activity beyond the last hour — per hour over 24 hours, per day over 7 days — from block metadata.</summary>
public sealed class LedgerActivityRangeTests : HttpUserTestBase
{
    [Theory]
    [InlineData("hour", 60, 60)]
    [InlineData("day", 24, 3600)]
    [InlineData("week", 7, 86400)]
    public async Task Each_range_has_its_buckets_aligned_to_now_and_counts_what_the_block_headers_say(string range, int buckets, int bucketSeconds)
    {
        var admin = await Users.CreateAdminAsync();
        await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        Host.Clock.Advance(DateTimeOffset.UtcNow - Host.Clock.GetUtcNow());

        var a = await admin.Api.GetFromJsonAsyncSafe<LedgerActivity>($"/api/admin/ledger-activity?range={range}");
        Assert.Equal((range, bucketSeconds, buckets), (a.Range, a.BucketSeconds, a.Buckets.Count));
        var bucketMs = bucketSeconds * 1000L;
        Assert.Equal(Host.Clock.GetUtcNow().ToUnixTimeMilliseconds() / bucketMs * bucketMs, a.Buckets[^1].Start.ToUnixTimeMilliseconds());
        Assert.All(a.Buckets.Zip(a.Buckets.Skip(1)), p => Assert.Equal(bucketMs, (p.Second.Start - p.First.Start).Ticks / TimeSpan.TicksPerMillisecond));
        var first = a.Buckets[0].Start.ToUnixTimeMilliseconds();
        var expected = new long[buckets];
        var head = await admin.Api.GetFromJsonAsyncSafe<BlockHeader>("/api/ledger/head");
        for (var h = 1L; h <= head.Height; h++)
        {
            var block = await admin.Api.GetFromJsonAsyncSafe<BlockResponse>($"/api/ledger/blocks/{h}");
            var i = (block.Header.TimeMs - first) / bucketMs;
            if (i >= 0 && i < buckets)
            {
                expected[i] += block.TransactionCount;
            }
        }
        Assert.True(expected.Sum() > 0);
        Assert.Equal(expected, a.Buckets.Select(b => b.Transactions).ToArray());
    }

    [Fact]
    public async Task An_unknown_range_is_a_field_error_and_only_admins_see_activity()
    {
        var admin = await Users.CreateAdminAsync();
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        var bad = await admin.Api.GetAsync("/api/admin/ledger-activity?range=month");
        Assert.Equal((HttpStatusCode)422, bad.StatusCode);
        Assert.Contains("range", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await patient.Api.GetAsync("/api/admin/ledger-activity?range=day")).StatusCode);
    }
}
