using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MedLedger.Server.Tests.Features.Accounts;

public abstract class AccountFlows : IAsyncLifetime
{
    private TestHost _host = null!;
    private TestUsers _users = null!;

    protected abstract Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null);

    public async Task InitializeAsync()
    {
        _host = await StartHostAsync();
        _users = new TestUsers(_host);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<T> Db<T>(Func<MedLedgerDbContext, Task<T>> f)
    {
        await using var scope = _host.App.Services.CreateAsyncScope();
        return await f(scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>());
    }

    [Fact]
    public async Task Patient_registers_and_signs_in_with_emailed_code()
    {
        var patient = await _users.RegisterAsync(Role.Patient);
        await _users.LoginWithEmailCodeAsync(patient);
        var me = await patient.Api.GetFromJsonAsyncSafe<MeResponse>("/api/me");
        Assert.Equal(patient.Id, me.Id);
        Assert.Equal(Role.Patient, me.Role);
        Assert.True(me.CanAct);
        Assert.False(me.TotpEnabled);
    }

    [Fact]
    public async Task Server_stores_only_a_slow_hash_of_the_auth_key_never_the_password()
    {
        var patient = await _users.RegisterAsync(Role.Patient);
        var row = await Db(db => db.Users.AsNoTracking().FirstAsync(u => u.Id == patient.Id));
        Assert.NotEqual(patient.AuthKey, row.AuthKeyHash);
        Assert.Equal(AccountService.HashAuthKey(patient.AuthKey, row.AuthKeySalt, row.AuthKeyIterations), row.AuthKeyHash);
        var dbFile = Path.Combine(_host.DataDirectory, "medledger.db");
        if (File.Exists(dbFile))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var dbBytes = await File.ReadAllBytesAsync(dbFile);
            Assert.Equal(-1, dbBytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(patient.Password)));
            Assert.Equal(-1, dbBytes.AsSpan().IndexOf(patient.AuthKey));
            Assert.Equal(-1, dbBytes.AsSpan().IndexOf(patient.Keys.Signing.PrivateKey));
            Assert.Equal(-1, dbBytes.AsSpan().IndexOf(patient.Keys.Encryption.PrivateKey));
        }
    }

    [Fact]
    public async Task Wrong_auth_key_is_refused_with_401_problem()
    {
        var patient = await _users.RegisterAsync(Role.Patient);
        using var c = _host.CreateClient();
        var res = await c.PostJson("/api/auth/login", new LoginRequest(patient.Email, new byte[32]));
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        var p = await res.Problem();
        Assert.Contains("wrong", p.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Unknown_email_prelogin_gives_stable_decoy_parameters()
    {
        using var c = _host.CreateClient();
        var a = await (await c.PostJson("/api/auth/prelogin", new PreloginRequest("nobody@example.org"))).Read<PreloginResponse>();
        var b = await (await c.PostJson("/api/auth/prelogin", new PreloginRequest("NOBODY@example.org"))).Read<PreloginResponse>();
        Assert.Equal(a.Kdf.Salt, b.Kdf.Salt);
        Assert.Equal(600_000, a.Kdf.Iterations);
        var patient = await _users.RegisterAsync(Role.Patient);
        var real = await (await c.PostJson("/api/auth/prelogin", new PreloginRequest(patient.Email))).Read<PreloginResponse>();
        Assert.Equal(16, real.Kdf.Salt.Length);
    }

    [Fact]
    public async Task Duplicate_email_is_a_409_and_creates_nothing()
    {
        var patient = await _users.RegisterAsync(Role.Patient);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => _users.RegisterAsync(Role.Patient, email: patient.Email.ToUpperInvariant()));
        Assert.Contains("Conflict", ex.Message);
        Assert.Equal(1, await Db(db => db.Users.CountAsync()));
    }

    [Fact]
    public async Task Registration_validates_every_field_with_422()
    {
        var (authKey, kdf, upload, keys) = TestUsers.ClientSideKeys("pw");
        using var c = _host.CreateClient();
        async Task Expect(RegisterRequest r, string field)
        {
            var res = await c.PostJson("/api/auth/register", r);
            Assert.Equal((HttpStatusCode)422, res.StatusCode);
            var p = await res.Problem();
            Assert.True(p.GetProperty("errors").TryGetProperty(field, out _), $"expected error on {field}: {p}");
        }
        var id = Guid.NewGuid();
        RegisterRequest R(Role role) => new(id, "a@example.org", role, authKey, kdf, upload, TestUsers.KeyRegistration(id, role, keys));
        await Expect(R(Role.Patient) with { Email = "not-an-email" }, "email");
        await Expect(R(Role.Patient) with { AuthKey = new byte[5] }, "authKey");
        await Expect(R(Role.Patient) with { Kdf = kdf with { Iterations = 1000 } }, "kdf.iterations");
        await Expect(R(Role.Patient) with { Keys = upload with { SigningPublicKey = new byte[10] } }, "keys.signingPublicKey");
        await Expect(R(Role.PlatformAdmin), "role");
        await Expect(R(Role.Doctor), "organizationId");
        await Expect(R(Role.Doctor) with { NewOrganization = TestUsers.Hospital() }, "licenseNumber");
        await Expect(R(Role.HospitalStaff) with { NewOrganization = TestUsers.Hospital() with { Latitude = 123 } }, "newOrganization.latitude");
        await Expect(R(Role.Pharmacist) with { NewOrganization = TestUsers.Hospital() }, "newOrganization.kind");
        // The ledger registration must name exactly the uploaded keys and role.
        var other = Crypto.KeyBundle.Generate();
        await Expect(R(Role.Patient) with { KeyRegistration = TestUsers.KeyRegistration(id, Role.Patient, other) }, "keyRegistration");
        await Expect(R(Role.Patient) with { KeyRegistration = TestUsers.KeyRegistration(id, Role.Doctor, keys) }, "keyRegistration");
        Assert.Equal(0, await Db(db => db.Users.CountAsync()));
        Assert.Equal(0, await Db(db => db.Organizations.CountAsync()));
    }

    [Fact]
    public async Task Totp_enrolment_returns_uri_and_qr_and_login_uses_totp()
    {
        var patient = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        var enrol = await (await patient.Api.PostAsync("/api/auth/totp/enroll", null)).Read<TotpEnrollmentResponse>();
        Assert.StartsWith("otpauth://totp/", enrol.OtpAuthUri);
        Assert.Contains("secret=" + enrol.Secret, enrol.OtpAuthUri);
        var png = Convert.FromBase64String(enrol.QrPngBase64);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        patient.TotpSecret = enrol.Secret;
        (await patient.Api.PostJson("/api/auth/totp/confirm", new TotpConfirmRequest(TestUsers.TotpCode(patient, _host.Clock.GetUtcNow())))).EnsureSuccessStatusCode();
        _host.Clock.Advance(TimeSpan.FromSeconds(30));

        using var c = _host.CreateClient();
        var challenge = await _users.StartLoginAsync(patient, c);
        Assert.False(challenge.EmailCodeSent);
        Assert.Contains(OtpMethod.Totp, challenge.Methods);
        var res = await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Totp, TestUsers.TotpCode(patient, _host.Clock.GetUtcNow())));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var tokens = await res.Read<TokenResponse>();
        Assert.True(tokens.User.TotpEnabled);
    }

    [Fact]
    public async Task Replayed_totp_code_is_refused_even_within_its_window()
    {
        var patient = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        await _users.EnrollTotpAsync(patient);
        var code = TestUsers.TotpCode(patient, _host.Clock.GetUtcNow());
        using var c = _host.CreateClient();
        var first = await _users.StartLoginAsync(patient, c);
        Assert.Equal(HttpStatusCode.OK, (await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(first.Ticket, OtpMethod.Totp, code))).StatusCode);
        var second = await _users.StartLoginAsync(patient, c);
        var replay = await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(second.Ticket, OtpMethod.Totp, code));
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("already used", (await replay.Problem()).GetProperty("detail").GetString());
        Assert.True(await Db(db => db.SecurityEvents.AnyAsync(e => e.Kind == SecurityEventKind.OtpReplayRejected && e.SubjectId == patient.Id)));
    }

    [Fact]
    public async Task Concurrent_use_of_one_totp_code_lets_exactly_one_through()
    {
        var patient = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        await _users.EnrollTotpAsync(patient);
        var code = TestUsers.TotpCode(patient, _host.Clock.GetUtcNow());
        var tickets = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var lc = _host.CreateClient();
            tickets.Add((await _users.StartLoginAsync(patient, lc)).Ticket);
        }
        var results = await Task.WhenAll(tickets.Select(async t =>
        {
            using var c = _host.CreateClient();
            return (await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(t, OtpMethod.Totp, code))).StatusCode;
        }));
        Assert.Equal(1, results.Count(s => s == HttpStatusCode.OK));
    }

    [Fact]
    public async Task Emailed_code_is_single_use_and_expires()
    {
        var patient = await _users.RegisterAsync(Role.Patient);
        using var c = _host.CreateClient();
        var challenge = await _users.StartLoginAsync(patient, c);
        var code = await _users.LatestEmailCodeAsync(patient.Email, c);
        _host.Clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(HttpStatusCode.OK, (await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Email, code))).StatusCode);
        var again = await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Email, code));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);

        var late = await _users.StartLoginAsync(patient, c);
        var lateCode = await _users.LatestEmailCodeAsync(patient.Email, c);
        _host.Clock.Advance(TimeSpan.FromMinutes(4.9));
        (await c.PostJson("/api/auth/login/email-code", new EmailCodeRequest(late.Ticket))).EnsureSuccessStatusCode();
        var newest = await _users.LatestEmailCodeAsync(patient.Email, c);
        _host.Clock.Advance(TimeSpan.FromMinutes(11));
        var expired = await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(late.Ticket, OtpMethod.Email, newest));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode); // the ticket itself expired after 5 minutes
        Assert.NotEqual(HttpStatusCode.OK, (await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(late.Ticket, OtpMethod.Email, lateCode))).StatusCode);
    }

    [Fact]
    public async Task Expired_email_code_within_live_ticket_is_410()
    {
        await _host.DisposeAsync();
        _host = await StartHostAsync(s =>
        {
            s["Auth:EmailCodeLifetime"] = "00:01:00";
            s["Auth:LoginTicketLifetime"] = "00:10:00";
        });
        _users = new TestUsers(_host);
        var patient = await _users.RegisterAsync(Role.Patient);
        using var c = _host.CreateClient();
        var challenge = await _users.StartLoginAsync(patient, c);
        var code = await _users.LatestEmailCodeAsync(patient.Email, c);
        _host.Clock.Advance(TimeSpan.FromMinutes(2));
        var res = await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Email, code));
        Assert.Equal(HttpStatusCode.Gone, res.StatusCode);
        Assert.Contains("expired", (await res.Problem()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Five_failures_lock_the_account_and_the_right_password_is_then_refused()
    {
        var patient = await _users.RegisterAsync(Role.Patient);
        using var c = _host.CreateClient();
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
        _host.Clock.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(HttpStatusCode.OK, (await c.PostJson("/api/auth/login", new LoginRequest(patient.Email, patient.AuthKey))).StatusCode);
    }

    [Fact]
    public async Task Wrong_otp_codes_count_towards_lockout()
    {
        var patient = await _users.RegisterAsync(Role.Patient);
        using var c = _host.CreateClient();
        var challenge = await _users.StartLoginAsync(patient, c);
        var code = await _users.LatestEmailCodeAsync(patient.Email, c);
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

    [Fact]
    public async Task Refresh_rotates_and_reuse_of_an_old_refresh_token_ends_the_family()
    {
        var patient = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        using var c = _host.CreateClient();
        var first = patient.Tokens!;
        var second = await (await c.PostJson("/api/auth/refresh", new RefreshRequest(first.RefreshToken))).Read<TokenResponse>();
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        // The old access token died with the rotation.
        Assert.Equal(HttpStatusCode.Unauthorized, (await patient.Api.GetAsync("/api/me")).StatusCode);
        var reuse = await c.PostJson("/api/auth/refresh", new RefreshRequest(first.RefreshToken));
        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", second.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.PostJson("/api/auth/refresh", new RefreshRequest(second.RefreshToken))).StatusCode);
    }

    [Fact]
    public async Task Access_token_expires()
    {
        var patient = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        _host.Clock.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(HttpStatusCode.Unauthorized, (await patient.Api.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Logout_revokes_the_session()
    {
        var patient = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        Assert.Equal(HttpStatusCode.NoContent, (await patient.Api.PostAsync("/api/auth/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await patient.Api.GetAsync("/api/me")).StatusCode);
        using var c = _host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.PostJson("/api/auth/refresh", new RefreshRequest(patient.Tokens!.RefreshToken))).StatusCode);
    }

    [Fact]
    public async Task Suspension_revokes_sessions_and_blocks_login()
    {
        var admin = await _users.CreateAdminAsync();
        var patient = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Api.PostAsync($"/api/admin/users/{patient.Id}/suspend", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await patient.Api.GetAsync("/api/me")).StatusCode);
        using var c = _host.CreateClient();
        Assert.Equal(HttpStatusCode.Forbidden, (await c.PostJson("/api/auth/login", new LoginRequest(patient.Email, patient.AuthKey))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Api.PostAsync($"/api/admin/users/{patient.Id}/reinstate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await c.PostJson("/api/auth/login", new LoginRequest(patient.Email, patient.AuthKey))).StatusCode);
    }

    [Fact]
    public async Task Key_bundles_own_wrapped_and_others_public_only()
    {
        var alice = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        var bob = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        var own = await alice.Api.GetFromJsonAsyncSafe<OwnKeyBundleResponse>("/api/me/keys");
        Assert.Equal(alice.Keys.Signing.PublicKey, own.SigningPublicKey);
        Assert.NotEmpty(own.PasswordWrappedPrivateKeys);
        Assert.Equal(600_000, own.Kdf.Iterations);
        var raw = await (await bob.Api.GetAsync($"/api/users/{alice.Id}/keys")).Content.ReadAsStringAsync();
        var pub = JsonSerializer.Deserialize<PublicKeysResponse>(raw, TestHost.Json)!;
        Assert.Equal(alice.Keys.Encryption.PublicKey, pub.EncryptionPublicKey);
        Assert.DoesNotContain("wrapped", raw, StringComparison.OrdinalIgnoreCase);
        var byEmail = await (await bob.Api.PostJson("/api/users/lookup", new MedLedger.Server.Features.Accounts.UserLookupRequest(alice.Email))).Read<PublicKeysResponse>();
        Assert.Equal(alice.Id, byEmail.UserId);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Api.GetAsync($"/api/users/{Guid.NewGuid()}/keys")).StatusCode);
        using var anon = _host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync($"/api/users/{alice.Id}/keys")).StatusCode);
    }

    [Fact]
    public async Task Security_events_are_recorded_and_readable_by_admin_only()
    {
        var admin = await _users.CreateAdminAsync();
        var patient = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        var events = await admin.Api.GetFromJsonAsyncSafe<List<SecurityEventResponse>>($"/api/admin/security-events?subject={patient.Id}");
        Assert.Contains(events, e => e.Kind == SecurityEventKind.Registered);
        Assert.Contains(events, e => e.Kind == SecurityEventKind.LoginSucceeded);
        Assert.All(events, e => Assert.DoesNotContain(patient.Email, e.Detail ?? ""));
        Assert.Equal(HttpStatusCode.Forbidden, (await patient.Api.GetAsync("/api/admin/security-events")).StatusCode);
    }

    [Fact]
    public async Task Logs_never_contain_passwords_auth_keys_codes_or_emails()
    {
        var patient = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        var other = await _users.RegisterAsync(Role.Patient);
        // Looking someone up by email (how sharing starts) must not write their email into request logs.
        Assert.Equal(other.Id, (await (await patient.Api.PostJson("/api/users/lookup", new MedLedger.Server.Features.Accounts.UserLookupRequest(other.Email))).Read<PublicKeysResponse>()).UserId);
        Assert.Contains(_host.Logs.Lines, l => l.Contains("Microsoft", StringComparison.Ordinal));
        var code = await _users.LatestEmailCodeAsync(patient.Email, patient.Api);
        var all = string.Join("\n", _host.Logs.Lines);
        Assert.NotEmpty(_host.Logs.Lines);
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

public sealed class SqliteAccountTests : AccountFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => TestHost.StartAsync(configure);
}
