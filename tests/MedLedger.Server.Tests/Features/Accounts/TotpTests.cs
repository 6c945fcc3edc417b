using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>TOTP: enrolment, signing in with a code, and replayed or concurrently used codes; on SQLite and PostgreSQL.</summary>
public abstract class TotpFlows : HttpUserTestBase
{
    [Fact]
    public async Task Totp_enrolment_returns_uri_and_qr_and_login_uses_totp()
    {
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        var enrol = await (await patient.Api.PostJson("/api/auth/totp/enroll", new TotpEnrollRequest(patient.AuthKey))).Read<TotpEnrollmentResponse>();
        Assert.StartsWith("otpauth://totp/", enrol.OtpAuthUri);
        Assert.Contains("secret=" + enrol.Secret, enrol.OtpAuthUri);
        var png = Convert.FromBase64String(enrol.QrPngBase64);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        patient.TotpSecret = enrol.Secret;
        (await patient.Api.PostJson("/api/auth/totp/confirm", new TotpConfirmRequest(TestUsers.TotpCode(patient, Host.Clock.GetUtcNow())))).EnsureSuccessStatusCode();
        Host.Clock.Advance(TimeSpan.FromSeconds(30));

        using var c = Host.CreateClient();
        var challenge = await Users.StartLoginAsync(patient, c);
        Assert.False(challenge.EmailCodeSent);
        Assert.Contains(OtpMethod.Totp, challenge.Methods);
        var res = await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Totp, TestUsers.TotpCode(patient, Host.Clock.GetUtcNow())));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var tokens = await res.Read<TokenResponse>();
        Assert.True(tokens.User.TotpEnabled);
    }

    [Fact]
    public async Task Replayed_totp_code_is_refused_even_within_its_window()
    {
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        await Users.EnrollTotpAsync(patient);
        var code = TestUsers.TotpCode(patient, Host.Clock.GetUtcNow());
        using var c = Host.CreateClient();
        var first = await Users.StartLoginAsync(patient, c);
        Assert.Equal(HttpStatusCode.OK, (await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(first.Ticket, OtpMethod.Totp, code))).StatusCode);
        var second = await Users.StartLoginAsync(patient, c);
        var replay = await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(second.Ticket, OtpMethod.Totp, code));
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("already used", (await replay.Problem()).GetProperty("detail").GetString());
        Assert.True(await Db(db => db.SecurityEvents.AnyAsync(e => e.Kind == SecurityEventKind.OtpReplayRejected && e.SubjectId == patient.Id)));
    }

    [Fact]
    public async Task Concurrent_use_of_one_totp_code_lets_exactly_one_through()
    {
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        await Users.EnrollTotpAsync(patient);
        var code = TestUsers.TotpCode(patient, Host.Clock.GetUtcNow());
        var tickets = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var lc = Host.CreateClient();
            tickets.Add((await Users.StartLoginAsync(patient, lc)).Ticket);
        }
        var results = await Task.WhenAll(tickets.Select(async t =>
        {
            using var c = Host.CreateClient();
            return (await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(t, OtpMethod.Totp, code))).StatusCode;
        }));
        Assert.Equal(1, results.Count(s => s == HttpStatusCode.OK));
    }

    [Fact]
    public async Task Totp_enrolment_needs_the_current_password()
    {
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        var malformed = await patient.Api.PostJson("/api/auth/totp/enroll", new TotpEnrollRequest(new byte[5]));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, malformed.StatusCode);
        var wrongKey = patient.AuthKey.ToArray();
        wrongKey[0] ^= 1;
        var wrong = await patient.Api.PostJson("/api/auth/totp/enroll", new TotpEnrollRequest(wrongKey));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("current password is wrong", (await wrong.Problem()).GetProperty("detail").GetString());
        Assert.Null(await Db(db => db.Users.Where(u => u.Id == patient.Id).Select(u => u.TotpSecret).FirstAsync()));
        Assert.True(await Db(db => db.SecurityEvents.AnyAsync(e => e.Kind == SecurityEventKind.LoginFailed && e.SubjectId == patient.Id)));

        var right = await patient.Api.PostJson("/api/auth/totp/enroll", new TotpEnrollRequest(patient.AuthKey));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task Once_totp_is_enrolled_the_emailed_code_is_refused()
    {
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        await Users.EnrollTotpAsync(patient);
        using var c = Host.CreateClient();
        var challenge = await Users.StartLoginAsync(patient, c);
        Assert.Equal([OtpMethod.Totp], challenge.Methods);
        Assert.False(challenge.EmailCodeSent);
        var send = await c.PostJson("/api/auth/login/email-code", new EmailCodeRequest(challenge.Ticket));
        Assert.Equal(HttpStatusCode.Conflict, send.StatusCode);
        Assert.Empty(await new MedLedger.Client.MedLedgerClient(c).ReadDevOutboxAsync(patient.Email));
        var byEmail = await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Email, "123456"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, byEmail.StatusCode);
        Assert.Contains("authenticator", (await byEmail.Problem()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task With_the_option_off_the_emailed_code_remains_a_fallback_after_totp()
    {
        await using var host = await StartHostAsync(s => s["Auth:TotpReplacesEmailCode"] = "false");
        var users = new TestUsers(host);
        var patient = await users.LoginWithEmailCodeAsync(await users.RegisterAsync(Role.Patient));
        await users.EnrollTotpAsync(patient);
        using var c = host.CreateClient();
        var challenge = await users.StartLoginAsync(patient, c);
        Assert.Equal([OtpMethod.Totp, OtpMethod.Email], challenge.Methods);
        (await c.PostJson("/api/auth/login/email-code", new EmailCodeRequest(challenge.Ticket))).EnsureSuccessStatusCode();
        var code = await users.LatestEmailCodeAsync(patient.Email, c);
        Assert.Equal(HttpStatusCode.OK, (await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Email, code))).StatusCode);
    }
}

public sealed class SqliteTotpTests : TotpFlows;

[Collection(PostgresCollection.Name)]
public sealed class PostgresTotpTests(PostgresFixture pg) : TotpFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => pg.StartHostAsync(configure);
}
