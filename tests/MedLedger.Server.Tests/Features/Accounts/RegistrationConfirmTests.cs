using System.Net;
using System.Text.Json;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>
/// Two-step registration (issue 13 item 3): a start answers the same for a fresh and a taken email, only the emailed
/// code confirms, and nothing (account, organization, ledger transaction) exists before it does; on SQLite and PostgreSQL.
/// </summary>
public abstract class RegistrationConfirmFlows : HttpUserTestBase
{
    private const int MaxAttempts = 5; // AuthOptions.MaxFailedAttempts default

    private sealed record Started(HttpStatusCode Status, string Body, string Ticket, IReadOnlyList<string> Headers, Guid UserId);

    private async Task<Started> StartAsync(string email, Role role = Role.Patient, NewOrganizationDto? newOrganization = null)
    {
        var (authKey, kdf, upload, keys) = TestUsers.ClientSideKeys("correct horse battery staple");
        var userId = Guid.NewGuid();
        using var c = Host.CreateClient();
        var res = await c.PostJson("/api/auth/register", new RegisterRequest(userId, email, role, authKey, kdf, upload, TestUsers.KeyRegistration(userId, role, keys),
            NewOrganization: newOrganization));
        var body = await res.Content.ReadAsStringAsync();
        var ticket = res.StatusCode == HttpStatusCode.Accepted ? JsonDocument.Parse(body).RootElement.GetProperty("ticket").GetString()! : "";
        // Every header the client sees except the date, which differs by the clock only.
        var headers = res.Headers.Concat(res.Content.Headers).Where(h => h.Key != "Date")
            .Select(h => h.Key + ": " + string.Join(",", h.Value)).Order(StringComparer.Ordinal).ToList();
        return new Started(res.StatusCode, body, ticket, headers, userId);
    }

    private async Task<HttpResponseMessage> ConfirmAsync(string ticket, string code)
    {
        using var c = Host.CreateClient();
        return await c.PostJson("/api/auth/register/confirm", new RegistrationConfirmRequest(ticket, code));
    }

    private async Task<IReadOnlyList<MedLedger.Client.DevOutboxMessage>> OutboxAsync(string email)
    {
        using var c = Host.CreateClient();
        return await new MedLedger.Client.MedLedgerClient(c).ReadDevOutboxAsync(email);
    }

    private async Task<string> CodeAsync(string email)
    {
        using var c = Host.CreateClient();
        return await TestUsers.RegistrationCodeAsync(email, c);
    }

    /// <summary>The problem a wrong sign-in code gets; every refused confirm must be indistinguishable from it.</summary>
    private async Task<string> WrongSignInCodeProblemAsync()
    {
        var user = await Users.RegisterAsync(Role.Patient);
        using var c = Host.CreateClient();
        var challenge = await Users.StartLoginAsync(user, c);
        var res = await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Email, "000000" == await Users.LatestEmailCodeAsync(user.Email, c) ? "111111" : "000000"));
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        return ProblemWithoutTrace(await res.Content.ReadAsStringAsync());
    }

    private static async Task AssertRefusedLikeWrongCode(HttpResponseMessage res, string expected)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        Assert.Equal(expected, ProblemWithoutTrace(await res.Content.ReadAsStringAsync()));
    }

    /// <summary>A problem body minus its per-request trace id and instance path.</summary>
    private static string ProblemWithoutTrace(string body)
    {
        var o = JsonDocument.Parse(body).RootElement.EnumerateObject().Where(p => p.Name is not ("traceId" or "instance")).Select(p => p.Name + "=" + p.Value.GetRawText());
        return string.Join("\n", o);
    }

    private Task<bool> KeysOnLedgerAsync(Guid userId) =>
        Task.Run(async () => await Host.Service<LedgerGateway>().Peer.Queries.GetRegisteredKeysAsync(userId.ToString()) is not null);

    [Fact]
    public async Task Fresh_and_taken_emails_get_identical_answers_and_only_the_fresh_one_gets_a_code()
    {
        var owner = await Users.RegisterAsync(Role.Patient);
        var fresh = Users.NewEmail("fresh");
        var forFresh = await StartAsync(fresh);
        var forTaken = await StartAsync(owner.Email.ToUpperInvariant());

        Assert.Equal(HttpStatusCode.Accepted, forFresh.Status);
        Assert.Equal(forFresh.Status, forTaken.Status);
        Assert.Equal(forFresh.Headers, forTaken.Headers);
        Assert.NotEqual(forFresh.Ticket, forTaken.Ticket);
        Assert.Equal(forFresh.Body.Replace(forFresh.Ticket, "T", StringComparison.Ordinal), forTaken.Body.Replace(forTaken.Ticket, "T", StringComparison.Ordinal));

        // The fresh address gets its code; the owner gets a notice and never a registration code.
        Assert.Contains(await OutboxAsync(fresh), m => m.Subject == "Your MedLedger registration code");
        var ownerMail = await OutboxAsync(owner.Email);
        Assert.Contains(ownerMail, m => m.Subject == "Someone tried to register with your MedLedger address" && m.Body.Contains("recover", StringComparison.Ordinal));
        Assert.DoesNotContain(ownerMail, m => m.Subject.Contains("registration code", StringComparison.Ordinal));
        Assert.All(ownerMail.Where(m => m.Subject.StartsWith("Someone", StringComparison.Ordinal)), m => Assert.DoesNotMatch(@"\b\d{6}\b", m.Body));

        // Both did the same work: one pending registration each, and still one account.
        Assert.Equal(2, await Db(db => db.PendingRegistrations.CountAsync()));
        Assert.Equal(1, await Db(db => db.Users.CountAsync()));
    }

    [Fact]
    public async Task A_decoy_never_confirms_even_with_its_own_code()
    {
        var wrongCode = await WrongSignInCodeProblemAsync();
        var owner = await Users.RegisterAsync(Role.Patient);
        var decoy = await StartAsync(owner.Email);
        var row = await Db(db => db.PendingRegistrations.AsNoTracking().SingleAsync(p => p.Decoy));
        // The decoy's code is never sent; recover it from its hash to show that even the right code is refused.
        var code = Enumerable.Range(0, 1_000_000).Select(i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture))
            .First(c => AccountRules.EmailCodeHash(row.Id, c).AsSpan().SequenceEqual(row.CodeHash));
        await AssertRefusedLikeWrongCode(await ConfirmAsync(decoy.Ticket, code), wrongCode);
        Assert.Equal(2, await Db(db => db.Users.CountAsync())); // the owner and the sign-in probe's user, nobody new
        Assert.False(await KeysOnLedgerAsync(decoy.UserId));
    }

    [Fact]
    public async Task Nothing_exists_before_confirmation_and_confirm_creates_the_account_and_its_ledger_registration()
    {
        var email = Users.NewEmail("staff");
        var started = await StartAsync(email, Role.HospitalStaff, TestUsers.Hospital("Confirmed General"));
        Assert.Equal(HttpStatusCode.Accepted, started.Status);
        Assert.Equal(0, await Db(db => db.Users.CountAsync()));
        Assert.Equal(0, await Db(db => db.Organizations.CountAsync()));
        Assert.False(await KeysOnLedgerAsync(started.UserId));
        // Only a slow hash of the auth key is kept while pending.
        var pending = await Db(db => db.PendingRegistrations.AsNoTracking().SingleAsync());
        Assert.Equal(AccountRules.AuthKeyLength, TestUsers.ClientSideKeys("x").AuthKey.Length);
        Assert.DoesNotContain("\"authKey\":\"", System.Text.Encoding.UTF8.GetString(pending.Request).Replace("\"authKey\":\"\"", "", StringComparison.Ordinal), StringComparison.Ordinal);

        var res = await ConfirmAsync(started.Ticket, await CodeAsync(email));
        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        var body = await res.Read<RegisterResponse>();
        Assert.Equal(started.UserId, body.UserId);
        Assert.Equal(VerificationStatus.Pending, body.Verification);
        Assert.NotNull(body.OrganizationId);
        Assert.True(await KeysOnLedgerAsync(started.UserId));
        Assert.Equal(1, await Db(db => db.Organizations.CountAsync(o => o.Id == body.OrganizationId)));
        // The pending copy is gone and the code no longer waits in the outbox.
        Assert.Equal(0, await Db(db => db.PendingRegistrations.CountAsync()));
        Assert.DoesNotContain(await OutboxAsync(email), m => m.Subject.Contains("registration code", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wrong_codes_are_limited_and_then_even_the_right_code_is_refused()
    {
        var wrongCode = await WrongSignInCodeProblemAsync();
        var email = Users.NewEmail("guess");
        var started = await StartAsync(email);
        var code = await CodeAsync(email);
        var wrong = code == "000000" ? "000001" : "000000";
        for (var i = 0; i < MaxAttempts; i++)
        {
            await AssertRefusedLikeWrongCode(await ConfirmAsync(started.Ticket, wrong), wrongCode);
        }
        await AssertRefusedLikeWrongCode(await ConfirmAsync(started.Ticket, code), wrongCode);
        Assert.False(await KeysOnLedgerAsync(started.UserId));
        Assert.Equal(0, await Db(db => db.Users.CountAsync(u => u.Email == email)));
    }

    [Fact]
    public async Task Concurrent_wrong_guesses_never_exceed_the_attempt_limit()
    {
        var email = Users.NewEmail("race");
        var started = await StartAsync(email);
        var code = await CodeAsync(email);
        var guesses = Enumerable.Range(0, 20).Select(i => (i + int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000)
            .Select(i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var answers = await Task.WhenAll(guesses.Select(g => ConfirmAsync(started.Ticket, g)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        Assert.Equal(MaxAttempts, await Db(db => db.PendingRegistrations.Select(p => p.Attempts).SingleAsync()));
    }

    [Fact]
    public async Task An_expired_registration_is_refused_and_swept()
    {
        var wrongCode = await WrongSignInCodeProblemAsync();
        var email = Users.NewEmail("late");
        var started = await StartAsync(email);
        var code = await CodeAsync(email);
        Host.Clock.Advance(TimeSpan.FromMinutes(11)); // AuthOptions.EmailCodeLifetime is 10 minutes
        await AssertRefusedLikeWrongCode(await ConfirmAsync(started.Ticket, code), wrongCode);
        await using (var scope = Host.App.Services.CreateAsyncScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<RegistrationService>().SweepExpiredAsync(CancellationToken.None));
        }
        Assert.Equal(0, await Db(db => db.PendingRegistrations.CountAsync()));
        Assert.Equal(0, await Db(db => db.Users.CountAsync(u => u.Email == email)));
    }

    [Fact]
    public async Task Concurrent_confirms_of_one_ticket_create_exactly_one_account_and_one_key_registration()
    {
        var email = Users.NewEmail("twice");
        var started = await StartAsync(email);
        var code = await CodeAsync(email);
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ConfirmAsync(started.Ticket, code)));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        Assert.Equal(1, await Db(db => db.Users.CountAsync(u => u.Email == email)));
        var registrations = await Task.Run(async () => await Host.Service<LedgerGateway>().Peer.Queries.GetTransactionsAboutAsync(started.UserId.ToString()));
        Assert.Single(registrations, t => t.Transaction.Type == "identity.register-keys");
    }

    [Fact]
    public async Task Of_two_pending_registrations_for_one_email_the_first_confirmed_wins()
    {
        var wrongCode = await WrongSignInCodeProblemAsync();
        var email = Users.NewEmail("both");
        var first = await StartAsync(email);
        var firstCode = await CodeAsync(email);
        var second = await StartAsync(email);
        var secondCode = (await OutboxAsync(email)).Where(m => m.Subject.Contains("registration code", StringComparison.Ordinal))
            .Select(MedLedger.Client.MedLedgerClient.CodeIn).First(c => c != firstCode);
        Assert.Equal(HttpStatusCode.Created, (await ConfirmAsync(second.Ticket, secondCode)).StatusCode);
        await AssertRefusedLikeWrongCode(await ConfirmAsync(first.Ticket, firstCode), wrongCode);
        Assert.Equal(1, await Db(db => db.Users.CountAsync(u => u.Email == email)));
        Assert.False(await KeysOnLedgerAsync(first.UserId));
    }
}

public sealed class SqliteRegistrationConfirmTests : RegistrationConfirmFlows;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRegistrationConfirmTests(PostgresFixture pg) : RegistrationConfirmFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => pg.StartHostAsync(configure);
}
