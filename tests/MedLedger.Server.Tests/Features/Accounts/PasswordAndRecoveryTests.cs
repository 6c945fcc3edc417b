using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>Password change and account recovery, end to end through the SDK and the real pipeline.</summary>
public sealed class PasswordAndRecoveryTests : IAsyncLifetime
{
    private TestHost _host = null!;
    private SdkWorld _world = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        _world = new SdkWorld(_host);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private sealed record Account(Guid Id, string Email, string Password, string RecoveryCode);

    private async Task<Account> RegisterAsync()
    {
        var email = $"pw-{Guid.NewGuid().ToString("N")[..10]}@sdk.example.org";
        var password = "pass phrase " + Guid.NewGuid().ToString("N")[..8];
        using var c = _world.NewClient();
        var reg = await c.RegisterAsync(email, password, Role.Patient);
        return new Account(reg.UserId, email, password, reg.RecoveryCode);
    }

    private Task<SdkUser> LoginAsync(Account a, string? password = null) => _world.LoginAsync(a.Email, password ?? a.Password, Role.Patient, null);

    private async Task<T> Db<T>(Func<MedLedgerDbContext, Task<T>> f)
    {
        await using var scope = _host.App.Services.CreateAsyncScope();
        return await f(scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>());
    }

    private sealed record Snapshot(byte[] AuthKeyHash, byte[] KdfSalt, int KdfIterations, byte[] PasswordWrap, byte[] RecoveryWrap, byte[] SigningKey, byte[] EncryptionKey);

    private Task<Snapshot> SnapshotAsync(Guid userId) => Db(async db =>
    {
        var u = await db.Users.AsNoTracking().FirstAsync(x => x.Id == userId);
        var k = await db.KeyBundles.AsNoTracking().FirstAsync(x => x.UserId == userId);
        return new Snapshot(u.AuthKeyHash, u.KdfSalt, u.KdfIterations, k.PasswordWrappedPrivateKeys, k.RecoveryWrappedPrivateKeys, k.SigningPublicKey, k.EncryptionPublicKey);
    });

    private static void AssertUnchanged(Snapshot before, Snapshot after)
    {
        Assert.Equal(before.AuthKeyHash, after.AuthKeyHash);
        Assert.Equal(before.KdfSalt, after.KdfSalt);
        Assert.Equal(before.PasswordWrap, after.PasswordWrap);
        Assert.Equal(before.RecoveryWrap, after.RecoveryWrap);
    }

    private async Task<HttpStatusCode> LoginStatusAsync(Account a, string password)
    {
        using var c = _world.NewClient();
        try
        {
            await c.StartLoginAsync(a.Email, password);
            return HttpStatusCode.OK;
        }
        catch (MedLedgerApiException e)
        {
            return e.Status;
        }
    }

    private async Task<string> LatestCodeAsync(string email, string subjectContains)
    {
        using var http = _host.CreateClient();
        var latest = (await new MedLedgerClient(http).ReadDevOutboxAsync(email))[0];
        Assert.Contains(subjectContains, latest.Subject);
        return MedLedgerClient.CodeIn(latest);
    }

    private async Task<int> OutboxCountAsync(string email)
    {
        using var http = _host.CreateClient();
        return (await new MedLedgerClient(http).ReadDevOutboxAsync(email)).Count;
    }

    private async Task<Guid> CreateRecordAsync(SdkUser u) =>
        (await u.Client.CreateFhirRecordAsync(File.ReadAllText(Repo.TestData("fhir-r4", "Condition-For-Patient-f001.json")))).RecordId;

    private HttpClient Authorized(SdkUser u)
    {
        var http = _host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", u.Client.Tokens!.AccessToken);
        return http;
    }

    /// <summary>New password material built by hand (as a third-party client would), signed with <paramref name="signer"/>.</summary>
    private static object Material(string tag, Guid userId, KeyBundle keys, string newPassword, byte[] signer, byte[]? currentAuthKey = null, string? recoveryTicket = null)
    {
        var p = PasswordParameters.CreateNew();
        var derived = PasswordKeys.Derive(newPassword, p);
        var wrap = KeyVault.WrapPrivateKeys(keys, userId.ToString(), KeyVault.PasswordPurpose, derived.KeyEncryptionKey).ToBytes();
        var signature = Signatures.Sign(signer, MedLedgerClient.PasswordMaterialBytes(tag, userId, derived.AuthenticationKey, p, wrap));
        var kdf = new { algorithm = p.Algorithm, iterations = p.Iterations, salt = p.Salt };
        return recoveryTicket is null
            ? new { currentAuthKey, newAuthKey = derived.AuthenticationKey, newKdf = kdf, newPasswordWrappedPrivateKeys = wrap, signature }
            : new { recoveryTicket, newAuthKey = derived.AuthenticationKey, newKdf = kdf, newPasswordWrappedPrivateKeys = wrap, signature };
    }

    private async Task<byte[]> CurrentAuthKeyAsync(Account a, string password)
    {
        using var http = _host.CreateClient();
        var pre = await (await http.PostJson("/api/auth/prelogin", new PreloginRequest(a.Email))).Read<MedLedger.Server.Features.Accounts.PreloginResponse>();
        return PasswordKeys.Derive(password, new PasswordParameters(pre.Kdf.Algorithm, pre.Kdf.Iterations, pre.Kdf.Salt)).AuthenticationKey;
    }

    // ---------- password change ----------

    [Fact]
    public async Task Password_change_keeps_the_keys_ends_other_sessions_and_only_the_new_password_signs_in()
    {
        var a = await RegisterAsync();
        var user = await LoginAsync(a);
        var other = await LoginAsync(a);
        var record = await CreateRecordAsync(user);
        var before = await SnapshotAsync(a.Id);

        const string newPassword = "a brand new pass phrase";
        await user.Client.ChangePasswordAsync(a.Password, newPassword);

        var after = await SnapshotAsync(a.Id);
        Assert.NotEqual(before.AuthKeyHash, after.AuthKeyHash);
        Assert.NotEqual(before.KdfSalt, after.KdfSalt);
        Assert.NotEqual(before.PasswordWrap, after.PasswordWrap);
        Assert.Equal(before.RecoveryWrap, after.RecoveryWrap);
        Assert.Equal(before.SigningKey, after.SigningKey);
        Assert.Equal(before.EncryptionKey, after.EncryptionKey);

        // The session that changed the password lives on; every other one is over.
        Assert.Equal(a.Id, (await user.Client.MeAsync()).Id);
        var ended = await Assert.ThrowsAsync<MedLedgerApiException>(() => other.Client.MeAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, ended.Status);

        Assert.Equal(HttpStatusCode.Unauthorized, await LoginStatusAsync(a, a.Password));
        var again = await LoginAsync(a, newPassword);
        Assert.Equal(user.Client.Keys!.Signing.PublicKey, again.Client.Keys!.Signing.PublicKey);
        Assert.Equal(user.Client.Keys.Encryption.PublicKey, again.Client.Keys.Encryption.PublicKey);
        var opened = await again.Client.OpenRecordAsync(record);
        Assert.Equal("Condition", opened.Category);

        // The recovery code is unchanged by a password change.
        using var c = _world.NewClient();
        var start = await c.StartRecoveryAsync(a.Email);
        await c.CompleteRecoveryAsync(start, await LatestCodeAsync(a.Email, "recovery"), a.RecoveryCode, "third pass phrase");
        await LoginAsync(a, "third pass phrase");

        Assert.True(await Db(db => db.SecurityEvents.AnyAsync(e => e.Kind == SecurityEventKind.PasswordChanged && e.SubjectId == a.Id)));
    }

    [Fact]
    public async Task Wrong_current_password_is_refused_by_the_sdk_and_by_the_server_where_it_counts_towards_lockout()
    {
        var a = await RegisterAsync();
        var user = await LoginAsync(a);
        var before = await SnapshotAsync(a.Id);

        await Assert.ThrowsAsync<CryptoIntegrityException>(() => user.Client.ChangePasswordAsync("not my password", "whatever new"));
        AssertUnchanged(before, await SnapshotAsync(a.Id));

        // A client that skips the local check: the signature is right, the current authentication key is not.
        using var http = Authorized(user);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            var res = await http.PostJson("/api/auth/password", Material(AccountService.PasswordChangeTag, a.Id, user.Client.Keys!, "new pass phrase", user.Client.Keys!.Signing.PrivateKey, currentAuthKey: new byte[32]));
            statuses.Add(res.StatusCode);
            await res.Problem();
        }
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 4).Append(HttpStatusCode.TooManyRequests), statuses);
        Assert.Equal(5, await Db(db => db.SecurityEvents.CountAsync(e => e.Kind == SecurityEventKind.LoginFailed && e.SubjectId == a.Id && e.Detail == "password-change")));
        Assert.True(await Db(db => db.SecurityEvents.AnyAsync(e => e.Kind == SecurityEventKind.Lockout && e.SubjectId == a.Id)));
        AssertUnchanged(before, await SnapshotAsync(a.Id));
        // Locked: even the right password is refused at sign-in.
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginStatusAsync(a, a.Password));
    }

    [Fact]
    public async Task Password_change_with_a_forged_signature_is_refused_and_changes_nothing()
    {
        var a = await RegisterAsync();
        var user = await LoginAsync(a);
        var other = await LoginAsync(a);
        var before = await SnapshotAsync(a.Id);
        var keys = user.Client.Keys!;
        var current = await CurrentAuthKeyAsync(a, a.Password);
        using var http = Authorized(user);

        async Task Refused(object body)
        {
            var res = await http.PostJson("/api/auth/password", body);
            Assert.Equal((HttpStatusCode)422, res.StatusCode);
            Assert.True((await res.Problem()).GetProperty("errors").TryGetProperty("signature", out _));
        }
        // Signed with a fresh key, not the registered one.
        await Refused(Material(AccountService.PasswordChangeTag, a.Id, keys, "forged pass", KeyBundle.Generate().Signing.PrivateKey, current));
        // The right key but another protocol's tag (a recovery signature is not a password-change signature).
        await Refused(Material(AccountService.RecoveryTag, a.Id, keys, "forged pass", keys.Signing.PrivateKey, current));
        AssertUnchanged(before, await SnapshotAsync(a.Id));
        Assert.Equal(a.Id, (await other.Client.MeAsync()).Id);
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginStatusAsync(a, "forged pass"));
        // Only the "forged pass" sign-in attempt counted; forged signatures never reach the password check.
        Assert.Equal(1, await Db(db => db.Users.Where(u => u.Id == a.Id).Select(u => u.FailedAttempts).FirstAsync()));

        // The same hand-built request signed with the registered key goes through.
        var ok = await http.PostJson("/api/auth/password", Material(AccountService.PasswordChangeTag, a.Id, keys, "hand built pass", keys.Signing.PrivateKey, current));
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        var again = await LoginAsync(a, "hand built pass");
        Assert.Equal(keys.Signing.PublicKey, again.Client.Keys!.Signing.PublicKey);
    }

    [Fact]
    public async Task Password_change_validates_shapes_with_422_problems_and_needs_a_session()
    {
        var a = await RegisterAsync();
        var user = await LoginAsync(a);
        var before = await SnapshotAsync(a.Id);
        var keys = user.Client.Keys!;
        var p = PasswordParameters.CreateNew();
        var good = new Dictionary<string, object?>
        {
            ["currentAuthKey"] = new byte[32],
            ["newAuthKey"] = new byte[32],
            ["newKdf"] = new Dictionary<string, object?> { ["algorithm"] = p.Algorithm, ["iterations"] = p.Iterations, ["salt"] = p.Salt },
            ["newPasswordWrappedPrivateKeys"] = new byte[92],
            ["signature"] = new byte[64],
        };
        Dictionary<string, object?> With(string key, object? value)
        {
            var copy = new Dictionary<string, object?>(good);
            if (key.StartsWith("newKdf.", StringComparison.Ordinal))
            {
                copy["newKdf"] = new Dictionary<string, object?>((Dictionary<string, object?>)good["newKdf"]!) { [key["newKdf.".Length..]] = value };
            }
            else
            {
                copy[key] = value;
            }
            return copy;
        }
        using var http = Authorized(user);
        async Task Expect(object body, string field)
        {
            var res = await http.PostJson("/api/auth/password", body);
            Assert.Equal((HttpStatusCode)422, res.StatusCode);
            var problem = await res.Problem();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error on {field}: {problem}");
        }
        await Expect(With("currentAuthKey", new byte[31]), "currentAuthKey");
        await Expect(With("newAuthKey", new byte[5]), "newAuthKey");
        await Expect(With("newKdf.iterations", 1000), "newKdf.iterations");
        await Expect(With("newKdf.salt", new byte[8]), "newKdf.salt");
        await Expect(With("newKdf.algorithm", "MD5"), "newKdf.algorithm");
        await Expect(With("newPasswordWrappedPrivateKeys", new byte[91]), "newPasswordWrappedPrivateKeys");
        await Expect(With("signature", new byte[10]), "signature");
        // Missing or null members never reach the service: the strict JSON binder answers 400 malformed-json.
        foreach (var malformed in new object[] { new { }, With("newKdf", null), With("signature", null) })
        {
            var res400 = await http.PostJson("/api/auth/password", malformed);
            Assert.Equal(HttpStatusCode.BadRequest, res400.StatusCode);
            Assert.Contains("malformed-json", (await res400.Problem()).GetProperty("type").GetString());
        }
        // All shapes right, signature garbage: refused on the signature, before the (wrong) current key is even looked at.
        await Expect(good, "signature");
        Assert.Equal(0, await Db(db => db.Users.Where(u => u.Id == a.Id).Select(u => u.FailedAttempts).FirstAsync()));
        AssertUnchanged(before, await SnapshotAsync(a.Id));

        using var anon = _host.CreateClient();
        var res = await anon.PostJson("/api/auth/password", Material(AccountService.PasswordChangeTag, a.Id, keys, "x pass", keys.Signing.PrivateKey, await CurrentAuthKeyAsync(a, a.Password)));
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        await res.Problem();
        AssertUnchanged(before, await SnapshotAsync(a.Id));
    }

    // ---------- recovery ----------

    [Fact]
    public async Task Recovery_sets_a_new_password_keeps_the_keys_ends_all_sessions_and_clears_lockout()
    {
        var a = await RegisterAsync();
        var user = await LoginAsync(a);
        var record = await CreateRecordAsync(user);
        var before = await SnapshotAsync(a.Id);
        // Forgot the password and guessed until locked out.
        for (var i = 0; i < 5; i++)
        {
            await LoginStatusAsync(a, "wrong guess " + i);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginStatusAsync(a, a.Password));

        using var c = _world.NewClient();
        var start = await c.StartRecoveryAsync(a.Email);
        var code = await LatestCodeAsync(a.Email, "recovery");
        const string newPassword = "recovered pass phrase";
        Assert.Equal(a.Id, await c.CompleteRecoveryAsync(start, code, a.RecoveryCode, newPassword));

        var after = await SnapshotAsync(a.Id);
        Assert.NotEqual(before.AuthKeyHash, after.AuthKeyHash);
        Assert.NotEqual(before.PasswordWrap, after.PasswordWrap);
        Assert.Equal(before.RecoveryWrap, after.RecoveryWrap);
        Assert.Equal(before.SigningKey, after.SigningKey);
        Assert.Equal(before.EncryptionKey, after.EncryptionKey);

        var ended = await Assert.ThrowsAsync<MedLedgerApiException>(() => user.Client.MeAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, ended.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginStatusAsync(a, a.Password));
        var again = await LoginAsync(a, newPassword);
        Assert.Equal(user.Client.Keys!.Signing.PublicKey, again.Client.Keys!.Signing.PublicKey);
        Assert.Equal(user.Client.Keys.Encryption.PrivateKey, again.Client.Keys.Encryption.PrivateKey);
        Assert.Equal("Condition", (await again.Client.OpenRecordAsync(record)).Category);
        Assert.True(await Db(db => db.SecurityEvents.AnyAsync(e => e.Kind == SecurityEventKind.Recovered && e.SubjectId == a.Id)));
    }

    [Fact]
    public async Task Wrong_or_mistyped_recovery_code_fails_on_the_device_and_changes_nothing()
    {
        var a = await RegisterAsync();
        var before = await SnapshotAsync(a.Id);
        using var c = _world.NewClient();

        // Mistyped (check symbol): refused before anything is sent, so the emailed code is still good afterwards.
        var start = await c.StartRecoveryAsync(a.Email);
        var code = await LatestCodeAsync(a.Email, "recovery");
        var typo = (a.RecoveryCode[0] == 'A' ? 'B' : 'A') + a.RecoveryCode[1..];
        await Assert.ThrowsAsync<CryptoFormatException>(() => c.CompleteRecoveryAsync(start, code, typo, "new pass"));

        // Well formed but someone else's code: the recovery wrap does not open, nothing is completed.
        var bundle = await c.VerifyRecoveryAsync(start, code);
        await Assert.ThrowsAsync<CryptoIntegrityException>(() => c.CompleteRecoveryAsync(bundle, RecoveryCode.Generate(), "new pass"));
        AssertUnchanged(before, await SnapshotAsync(a.Id));
        Assert.False(await Db(db => db.SecurityEvents.AnyAsync(e => e.Kind == SecurityEventKind.Recovered)));
        Assert.Equal(HttpStatusCode.OK, await LoginStatusAsync(a, a.Password));
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginStatusAsync(a, "new pass"));

        // The right code still works with the same completion ticket (nothing was sent for it).
        await c.CompleteRecoveryAsync(bundle, a.RecoveryCode, "new pass");
        await LoginAsync(a, "new pass");
    }

    [Fact]
    public async Task Recovery_tickets_are_single_use_expire_and_never_sign_anyone_in()
    {
        var a = await RegisterAsync();
        using var c = _world.NewClient();
        var start = await c.StartRecoveryAsync(a.Email);
        var code = await LatestCodeAsync(a.Email, "recovery");

        // A recovery ticket is not a sign-in ticket, even with the right emailed code.
        using (var http = _host.CreateClient())
        {
            var asLogin = await http.PostJson("/api/auth/login/verify", new VerifyOtpRequest(start.Ticket, MedLedger.Server.Features.Accounts.OtpMethod.Email, code));
            Assert.Equal(HttpStatusCode.Unauthorized, asLogin.StatusCode);
            await asLogin.Problem();
        }

        var bundle = await c.VerifyRecoveryAsync(start, code);
        Assert.Equal(a.Id, bundle.UserId);
        var replayedEmail = await Assert.ThrowsAsync<MedLedgerApiException>(() => c.VerifyRecoveryAsync(start, code));
        Assert.Equal(HttpStatusCode.Unauthorized, replayedEmail.Status);
        using (var http = _host.CreateClient())
        {
            // Nor is the completion ticket.
            var asLogin = await http.PostJson("/api/auth/login/verify", new VerifyOtpRequest(bundle.RecoveryTicket, MedLedger.Server.Features.Accounts.OtpMethod.Email, code));
            Assert.Equal(HttpStatusCode.Unauthorized, asLogin.StatusCode);
        }

        await c.CompleteRecoveryAsync(bundle, a.RecoveryCode, "first new pass");
        var replay = await Assert.ThrowsAsync<MedLedgerApiException>(() => c.CompleteRecoveryAsync(bundle, a.RecoveryCode, "second new pass"));
        Assert.Equal(HttpStatusCode.Unauthorized, replay.Status);
        Assert.Equal(HttpStatusCode.OK, await LoginStatusAsync(a, "first new pass"));

        // Expired completion ticket.
        var late = await c.StartRecoveryAsync(a.Email);
        var lateBundle = await c.VerifyRecoveryAsync(late, await LatestCodeAsync(a.Email, "recovery"));
        var before = await SnapshotAsync(a.Id);
        _host.Clock.Advance(TimeSpan.FromMinutes(6));
        var expired = await Assert.ThrowsAsync<MedLedgerApiException>(() => c.CompleteRecoveryAsync(lateBundle, a.RecoveryCode, "third new pass"));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
        AssertUnchanged(before, await SnapshotAsync(a.Id));

        // Expired start ticket.
        var stale = await c.StartRecoveryAsync(a.Email);
        var staleCode = await LatestCodeAsync(a.Email, "recovery");
        _host.Clock.Advance(TimeSpan.FromMinutes(6));
        var staleRes = await Assert.ThrowsAsync<MedLedgerApiException>(() => c.VerifyRecoveryAsync(stale, staleCode));
        Assert.Equal(HttpStatusCode.Unauthorized, staleRes.Status);
    }

    [Fact]
    public async Task Wrong_emailed_codes_count_and_a_ticket_allows_only_a_few_guesses()
    {
        var a = await RegisterAsync();
        using var c = _world.NewClient();
        var start = await c.StartRecoveryAsync(a.Email);
        var code = await LatestCodeAsync(a.Email, "recovery");
        var wrong = code == "000000" ? "111111" : "000000";
        for (var i = 0; i < 5; i++)
        {
            var e = await Assert.ThrowsAsync<MedLedgerApiException>(() => c.VerifyRecoveryAsync(start, wrong));
            Assert.Equal(HttpStatusCode.Unauthorized, e.Status);
        }
        Assert.Equal(5, await Db(db => db.SecurityEvents.CountAsync(e => e.Kind == SecurityEventKind.OtpFailed && e.SubjectId == a.Id)));
        // The failures locked sign-in, and this ticket is used up even for the right code.
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginStatusAsync(a, a.Password));
        var spent = await Assert.ThrowsAsync<MedLedgerApiException>(() => c.VerifyRecoveryAsync(start, code));
        Assert.Equal(HttpStatusCode.Unauthorized, spent.Status);
        // A fresh recovery still works for the owner, and clears the lockout.
        var fresh = await c.StartRecoveryAsync(a.Email);
        await c.CompleteRecoveryAsync(fresh, await LatestCodeAsync(a.Email, "recovery"), a.RecoveryCode, "after lockout pass");
        await LoginAsync(a, "after lockout pass");
    }

    [Fact]
    public async Task Recovery_completion_with_a_forged_signature_is_refused_spends_the_ticket_and_changes_nothing()
    {
        var a = await RegisterAsync();
        var user = await LoginAsync(a);
        var keys = user.Client.Keys!;
        using var c = _world.NewClient();
        var start = await c.StartRecoveryAsync(a.Email);
        var bundle = await c.VerifyRecoveryAsync(start, await LatestCodeAsync(a.Email, "recovery"));
        var before = await SnapshotAsync(a.Id);

        using var http = _host.CreateClient();
        var forged = await http.PostJson("/api/auth/recovery/complete",
            Material(AccountService.RecoveryTag, a.Id, keys, "forged pass", KeyBundle.Generate().Signing.PrivateKey, recoveryTicket: bundle.RecoveryTicket));
        Assert.Equal((HttpStatusCode)422, forged.StatusCode);
        Assert.True((await forged.Problem()).GetProperty("errors").TryGetProperty("signature", out _));
        AssertUnchanged(before, await SnapshotAsync(a.Id));
        Assert.Equal(a.Id, (await user.Client.MeAsync()).Id);

        // The ticket is spent: not even the genuine completion goes through with it now.
        var spent = await Assert.ThrowsAsync<MedLedgerApiException>(() => c.CompleteRecoveryAsync(bundle, a.RecoveryCode, "genuine pass"));
        Assert.Equal(HttpStatusCode.Unauthorized, spent.Status);
        AssertUnchanged(before, await SnapshotAsync(a.Id));

        // A password-change signature is not a recovery signature either.
        var second = await c.VerifyRecoveryAsync(await c.StartRecoveryAsync(a.Email), await LatestCodeAsync(a.Email, "recovery"));
        var crossTag = await http.PostJson("/api/auth/recovery/complete",
            Material(AccountService.PasswordChangeTag, a.Id, keys, "cross pass", keys.Signing.PrivateKey, recoveryTicket: second.RecoveryTicket));
        Assert.Equal((HttpStatusCode)422, crossTag.StatusCode);
        AssertUnchanged(before, await SnapshotAsync(a.Id));
        Assert.Equal(HttpStatusCode.OK, await LoginStatusAsync(a, a.Password));
    }

    [Fact]
    public async Task Unknown_email_recovery_is_indistinguishable_and_sends_nothing()
    {
        var a = await RegisterAsync();
        using var http = _host.CreateClient();
        var challengesBefore = await Db(db => db.LoginChallenges.CountAsync());
        var mailsBefore = await OutboxCountAsync(a.Email);

        var known = await http.PostJson("/api/auth/recovery/start", new { email = a.Email });
        var unknown = await http.PostJson("/api/auth/recovery/start", new { email = "nobody-here@sdk.example.org" });
        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        var knownBody = await known.Content.ReadFromJsonAsync<JsonElement>();
        var unknownBody = await unknown.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(knownBody.EnumerateObject().Select(p => p.Name), unknownBody.EnumerateObject().Select(p => p.Name));
        Assert.Equal(knownBody.GetProperty("ticket").GetString()!.Length, unknownBody.GetProperty("ticket").GetString()!.Length);
        Assert.Equal(known.Content.Headers.ContentType?.MediaType, unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await OutboxCountAsync("nobody-here@sdk.example.org"));
        Assert.Equal(mailsBefore + 1, await OutboxCountAsync(a.Email));
        Assert.Equal(challengesBefore + 1, await Db(db => db.LoginChallenges.CountAsync()));

        // A guessed code gets the same refusal for the decoy ticket and the real one.
        var realCode = await LatestCodeAsync(a.Email, "recovery");
        var guess = realCode == "123456" ? "654321" : "123456";
        var realRes = await http.PostJson("/api/auth/recovery/verify", new { ticket = knownBody.GetProperty("ticket").GetString(), code = guess });
        var decoyRes = await http.PostJson("/api/auth/recovery/verify", new { ticket = unknownBody.GetProperty("ticket").GetString(), code = guess });
        Assert.Equal(HttpStatusCode.Unauthorized, realRes.StatusCode);
        Assert.Equal(realRes.StatusCode, decoyRes.StatusCode);
        Assert.Equal((await realRes.Problem()).GetProperty("detail").GetString(), (await decoyRes.Problem()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Bad_recovery_input_is_always_a_problem_never_a_500()
    {
        using var http = _host.CreateClient();
        var p = PasswordParameters.CreateNew();
        var cases = new (string Url, object Body, HttpStatusCode Status, string? Field)[]
        {
            ("/api/auth/recovery/start", new { }, HttpStatusCode.BadRequest, null),
            ("/api/auth/recovery/start", new { email = (string?)null }, HttpStatusCode.BadRequest, null),
            ("/api/auth/recovery/start", new { email = "not an email" }, (HttpStatusCode)422, "email"),
            ("/api/auth/recovery/verify", new { }, HttpStatusCode.BadRequest, null),
            ("/api/auth/recovery/verify", new { ticket = " ", code = "123456" }, (HttpStatusCode)422, "ticket"),
            ("/api/auth/recovery/verify", new { ticket = "t", code = "12ab56" }, (HttpStatusCode)422, "code"),
            ("/api/auth/recovery/verify", new { ticket = "no-such-ticket", code = "123456" }, HttpStatusCode.Unauthorized, null),
            ("/api/auth/recovery/complete", new { }, HttpStatusCode.BadRequest, null),
            ("/api/auth/recovery/complete", new { recoveryTicket = "", newAuthKey = new byte[32], newKdf = new { algorithm = p.Algorithm, iterations = p.Iterations, salt = p.Salt }, newPasswordWrappedPrivateKeys = new byte[92], signature = new byte[64] }, (HttpStatusCode)422, "recoveryTicket"),
            ("/api/auth/recovery/complete", new { recoveryTicket = "x", newAuthKey = new byte[32], newKdf = new { algorithm = p.Algorithm, iterations = 10, salt = p.Salt }, newPasswordWrappedPrivateKeys = new byte[92], signature = new byte[64] }, (HttpStatusCode)422, "newKdf.iterations"),
            ("/api/auth/recovery/complete", new { recoveryTicket = "x", newAuthKey = new byte[32], newKdf = new { algorithm = p.Algorithm, iterations = p.Iterations, salt = p.Salt }, newPasswordWrappedPrivateKeys = new byte[92], signature = new byte[64] }, HttpStatusCode.Unauthorized, null),
        };
        foreach (var (url, body, status, field) in cases)
        {
            var res = await http.PostJson(url, body);
            Assert.True(res.StatusCode == status, $"{url} {JsonSerializer.Serialize(body)} answered {res.StatusCode}");
            var problem = await res.Problem();
            if (field is not null)
            {
                Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error on {field}: {problem}");
            }
        }
        var notJson = await http.PostAsync("/api/auth/recovery/complete", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
    }
}
