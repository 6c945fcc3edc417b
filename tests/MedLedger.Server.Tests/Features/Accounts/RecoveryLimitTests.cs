using System.Net;
using System.Text.Json;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>Recovery starts are limited per account per hour by an atomic counter; on SQLite and PostgreSQL.</summary>
public abstract class RecoveryLimitFlows : HttpUserTestBase
{
    private const int Limit = 3; // AuthOptions.RecoveryStartsPerAccountPerHour default

    [Fact]
    public async Task Parallel_recovery_starts_for_one_account_issue_at_most_the_hourly_limit_and_all_answer_alike()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            using var c = Host.CreateClient();
            var res = await c.PostJson("/api/auth/recovery/start", new RecoveryStartRequest(patient.Email));
            return (res.StatusCode, Body: await res.Content.ReadAsStringAsync());
        }));
        // Over the limit looks exactly like within it (and like an unknown email): 202 with a ticket and nothing else.
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        Assert.All(answers, a => Assert.Equal(["ticket"], JsonDocument.Parse(a.Body).RootElement.EnumerateObject().Select(p => p.Name)));

        Assert.Equal(Limit, await RecoveryChallengesAsync(patient.Id));
        using (var reader = Host.CreateClient())
        {
            Assert.Equal(Limit, (await new MedLedger.Client.MedLedgerClient(reader).ReadDevOutboxAsync(patient.Email)).Count);
        }
        Assert.Equal(12 - Limit, await Db(db => db.SecurityEvents.CountAsync(e => e.Kind == SecurityEventKind.RecoveryLimited && e.SubjectId == patient.Id)));

        // The next hour opens a new window.
        Host.Clock.Advance(TimeSpan.FromMinutes(61));
        using var later = Host.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await later.PostJson("/api/auth/recovery/start", new RecoveryStartRequest(patient.Email))).StatusCode);
        Assert.Equal(Limit + 1, await RecoveryChallengesAsync(patient.Id));
    }

    [Fact]
    public async Task The_limit_is_per_account()
    {
        var first = await Users.RegisterAsync(Role.Patient);
        var second = await Users.RegisterAsync(Role.Patient);
        using var c = Host.CreateClient();
        for (var i = 0; i < Limit + 2; i++)
        {
            (await c.PostJson("/api/auth/recovery/start", new RecoveryStartRequest(first.Email))).EnsureSuccessStatusCode();
        }
        (await c.PostJson("/api/auth/recovery/start", new RecoveryStartRequest(second.Email))).EnsureSuccessStatusCode();
        Assert.Equal(Limit, await RecoveryChallengesAsync(first.Id));
        Assert.Equal(1, await RecoveryChallengesAsync(second.Id));
    }

    private Task<int> RecoveryChallengesAsync(Guid userId) =>
        Db(db => db.LoginChallenges.CountAsync(ch => ch.UserId == userId && ch.Purpose == ChallengePurpose.Recovery));
}

public sealed class SqliteRecoveryLimitTests : RecoveryLimitFlows;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRecoveryLimitTests(PostgresFixture pg) : RecoveryLimitFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => pg.StartHostAsync(configure);
}
