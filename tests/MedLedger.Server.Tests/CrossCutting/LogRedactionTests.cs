using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.CrossCutting;

/// <summary>No password, authentication key, token, emailed code or email address ever reaches the logs; on SQLite and PostgreSQL.</summary>
public abstract class LogRedactionFlows : HttpUserTestBase
{
    [Fact]
    public async Task Logs_never_contain_passwords_auth_keys_codes_or_emails()
    {
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        var other = await Users.RegisterAsync(Role.Patient);
        // Looking someone up by email (how sharing starts) must not write their email into request logs, found or not.
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await patient.Api.PostJson("/api/users/lookup", new MedLedger.Server.Features.Accounts.UserLookupRequest(other.Email))).StatusCode);
        Assert.Contains(Host.Logs.Lines, l => l.Contains("Microsoft", StringComparison.Ordinal));
        // A used code leaves the outbox, so a second sign-in is started (not finished) for a code to look for.
        await Users.StartLoginAsync(patient, Host.CreateClient());
        var code = await Users.LatestEmailCodeAsync(patient.Email, patient.Api);
        var all = string.Join("\n", Host.Logs.Lines);
        Assert.NotEmpty(Host.Logs.Lines);
        Assert.DoesNotContain(patient.Password, all);
        Assert.DoesNotContain(Convert.ToBase64String(patient.AuthKey), all);
        Assert.DoesNotContain(patient.Tokens!.AccessToken, all);
        Assert.DoesNotContain("code is " + code, all);
        foreach (var email in new[] { patient.Email, other.Email })
        {
            // Literal and URL-encoded: a request line logs the latter.
            Assert.DoesNotContain(email, all);
            Assert.DoesNotContain(Uri.EscapeDataString(email), all);
        }
    }
}

public sealed class SqliteLogRedactionTests : LogRedactionFlows;

[Collection(PostgresCollection.Name)]
public sealed class PostgresLogRedactionTests(PostgresFixture pg) : LogRedactionFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => pg.StartHostAsync(configure);
}
