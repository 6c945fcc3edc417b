using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>Sign-in: prelogin, the authentication key, emailed codes and lockout; on SQLite and PostgreSQL.</summary>
public abstract class SignInFlows : HttpUserTestBase
{
    [Fact]
    public async Task Wrong_auth_key_is_refused_with_401_problem()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        using var c = Host.CreateClient();
        var res = await c.PostJson("/api/auth/login", new LoginRequest(patient.Email, new byte[32]));
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        var p = await res.Problem();
        Assert.Contains("wrong", p.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Unknown_email_prelogin_gives_stable_decoy_parameters()
    {
        using var c = Host.CreateClient();
        var a = await (await c.PostJson("/api/auth/prelogin", new PreloginRequest("nobody@example.org"))).Read<PreloginResponse>();
        var b = await (await c.PostJson("/api/auth/prelogin", new PreloginRequest("NOBODY@example.org"))).Read<PreloginResponse>();
        Assert.Equal(a.Kdf.Salt, b.Kdf.Salt);
        Assert.Equal(600_000, a.Kdf.Iterations);
        var patient = await Users.RegisterAsync(Role.Patient);
        var real = await (await c.PostJson("/api/auth/prelogin", new PreloginRequest(patient.Email))).Read<PreloginResponse>();
        Assert.Equal(16, real.Kdf.Salt.Length);
    }

    [Fact]
    public async Task Emailed_code_is_single_use_and_expires()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        using var c = Host.CreateClient();
        var challenge = await Users.StartLoginAsync(patient, c);
        var code = await Users.LatestEmailCodeAsync(patient.Email, c);
        Host.Clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(HttpStatusCode.OK, (await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Email, code))).StatusCode);
        var again = await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Email, code));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);

        var late = await Users.StartLoginAsync(patient, c);
        var lateCode = await Users.LatestEmailCodeAsync(patient.Email, c);
        Host.Clock.Advance(TimeSpan.FromMinutes(4.9));
        (await c.PostJson("/api/auth/login/email-code", new EmailCodeRequest(late.Ticket))).EnsureSuccessStatusCode();
        var newest = await Users.LatestEmailCodeAsync(patient.Email, c);
        Host.Clock.Advance(TimeSpan.FromMinutes(11));
        var expired = await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(late.Ticket, OtpMethod.Email, newest));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode); // the ticket itself expired after 5 minutes
        Assert.NotEqual(HttpStatusCode.OK, (await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(late.Ticket, OtpMethod.Email, lateCode))).StatusCode);
    }

    [Fact]
    public async Task Expired_email_code_within_live_ticket_is_410()
    {
        await Host.DisposeAsync();
        Host = await StartHostAsync(s =>
        {
            s["Auth:EmailCodeLifetime"] = "00:01:00";
            s["Auth:LoginTicketLifetime"] = "00:10:00";
        });
        Users = new TestUsers(Host);
        var patient = await Users.RegisterAsync(Role.Patient);
        using var c = Host.CreateClient();
        var challenge = await Users.StartLoginAsync(patient, c);
        var code = await Users.LatestEmailCodeAsync(patient.Email, c);
        Host.Clock.Advance(TimeSpan.FromMinutes(2));
        var res = await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Email, code));
        Assert.Equal(HttpStatusCode.Gone, res.StatusCode);
        Assert.Contains("expired", (await res.Problem()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Five_failures_lock_the_account_and_the_right_password_is_then_refused()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        using var c = Host.CreateClient();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 5; i++)
        {
            last = await c.PostJson("/api/auth/login", new LoginRequest(patient.Email, new byte[32]));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.NotNull(last.Headers.RetryAfter);
        var right = await c.PostJson("/api/auth/login", new LoginRequest(patient.Email, patient.AuthKey));
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.Contains("locked", (await right.Problem()).GetProperty("detail").GetString());
        Assert.True(await Db(db => db.SecurityEvents.AnyAsync(e => e.Kind == SecurityEventKind.Lockout && e.SubjectId == patient.Id)));
        Host.Clock.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(HttpStatusCode.OK, (await c.PostJson("/api/auth/login", new LoginRequest(patient.Email, patient.AuthKey))).StatusCode);
    }

    [Fact]
    public async Task Lockout_answers_for_a_known_and_an_unknown_email_cannot_be_told_apart()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        const string unknown = "nobody-registered@example.org";
        using var c = Host.CreateClient();

        async Task<List<string>> GuessSixTimes(string email)
        {
            var answers = new List<string>();
            for (var i = 0; i < 6; i++)
            {
                var res = await c.PostJson("/api/auth/login", new LoginRequest(email, new byte[32]));
                var p = await res.Problem();
                var retryAfter = res.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-";
                // Everything a caller sees except the per-request trace id.
                answers.Add($"{(int)res.StatusCode} {p.GetProperty("type").GetString()} {p.GetProperty("title").GetString()} {p.GetProperty("detail").GetString()} retry-after={retryAfter}");
            }
            return answers;
        }
        var known = await GuessSixTimes(patient.Email);
        var unknownAnswers = await GuessSixTimes(unknown);
        Assert.Equal(known, unknownAnswers);
        Assert.StartsWith("429", known[4], StringComparison.Ordinal); // the fifth wrong guess locks, the sixth is refused locked
        Assert.StartsWith("429", known[5], StringComparison.Ordinal);
        Assert.StartsWith("401", known[0], StringComparison.Ordinal);

        // Both unlock after the lockout, to another wrong-password answer.
        Host.Clock.Advance(TimeSpan.FromMinutes(16));
        var knownAfter = await c.PostJson("/api/auth/login", new LoginRequest(patient.Email, new byte[32]));
        var unknownAfter = await c.PostJson("/api/auth/login", new LoginRequest(unknown, new byte[32]));
        Assert.Equal(HttpStatusCode.Unauthorized, knownAfter.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownAfter.StatusCode);
        // The unknown address itself is not stored, only a keyed hash of it.
        var keys = await Db(db => db.Set<UnknownEmailAttempts>().Select(a => a.EmailKey).ToListAsync());
        Assert.Equal(32, Assert.Single(keys).Length);
    }

    [Fact]
    public async Task Concurrent_wrong_guesses_for_an_unknown_email_lock_it_like_an_account()
    {
        var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var c = Host.CreateClient();
            return (await c.PostJson("/api/auth/login", new LoginRequest("ghost@example.org", new byte[32]))).StatusCode;
        }));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        using var after = Host.CreateClient();
        Assert.Equal(HttpStatusCode.TooManyRequests, (await after.PostJson("/api/auth/login", new LoginRequest("ghost@example.org", new byte[32]))).StatusCode);
    }

    [Fact]
    public async Task Wrong_otp_codes_count_towards_lockout()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        using var c = Host.CreateClient();
        var challenge = await Users.StartLoginAsync(patient, c);
        var code = await Users.LatestEmailCodeAsync(patient.Email, c);
        var wrong = code == "000000" ? "111111" : "000000";
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Email, wrong))).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        // Even the right code is refused while locked.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Email, code))).StatusCode);
    }
}

public sealed class SqliteSignInTests : SignInFlows;

[Collection(PostgresCollection.Name)]
public sealed class PostgresSignInTests(PostgresFixture pg) : SignInFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => pg.StartHostAsync(configure);
}
