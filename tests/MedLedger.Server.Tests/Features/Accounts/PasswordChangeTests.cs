using System.Net;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>Password change, end to end through the SDK and the real pipeline.</summary>
public sealed class PasswordChangeTests : CredentialTestBase
{
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
        using var c = World.NewClient();
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
            var res = await http.PostJson("/api/auth/password", Material(ProtocolTags.PasswordChange, a.Id, await NonceAsync(http), user.Client.Keys!, "new pass phrase", user.Client.Keys!.Signing.PrivateKey, currentAuthKey: new byte[32]));
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
        await Refused(Material(ProtocolTags.PasswordChange, a.Id, await NonceAsync(http), keys, "forged pass", KeyBundle.Generate().Signing.PrivateKey, current));
        // The right key but another protocol's tag (a recovery signature is not a password-change signature).
        await Refused(Material(ProtocolTags.Recovery, a.Id, await NonceAsync(http), keys, "forged pass", keys.Signing.PrivateKey, current));
        AssertUnchanged(before, await SnapshotAsync(a.Id));
        Assert.Equal(a.Id, (await other.Client.MeAsync()).Id);
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginStatusAsync(a, "forged pass"));
        // Only the "forged pass" sign-in attempt counted; forged signatures never reach the password check.
        Assert.Equal(1, await Db(db => db.Users.Where(u => u.Id == a.Id).Select(u => u.FailedAttempts).FirstAsync()));

        // The same hand-built request signed with the registered key goes through.
        var ok = await http.PostJson("/api/auth/password", Material(ProtocolTags.PasswordChange, a.Id, await NonceAsync(http), keys, "hand built pass", keys.Signing.PrivateKey, current));
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
            ["nonce"] = Guid.NewGuid().ToString("N"),
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
        await Expect(With("nonce", "not a nonce"), "nonce");
        // Missing or null members never reach the service: the strict JSON binder answers 400 malformed-json.
        foreach (var malformed in new object[] { new { }, With("newKdf", null), With("signature", null) })
        {
            var res400 = await http.PostJson("/api/auth/password", malformed);
            Assert.Equal(HttpStatusCode.BadRequest, res400.StatusCode);
            Assert.Contains("malformed-json", (await res400.Problem()).GetProperty("type").GetString());
        }
        // All shapes right, signature garbage: refused on the signature, before the (wrong) current key is even looked at.
        await Expect(With("nonce", await NonceAsync(http)), "signature");
        Assert.Equal(0, await Db(db => db.Users.Where(u => u.Id == a.Id).Select(u => u.FailedAttempts).FirstAsync()));
        AssertUnchanged(before, await SnapshotAsync(a.Id));

        using var anon = Host.CreateClient();
        var res = await anon.PostJson("/api/auth/password", Material(ProtocolTags.PasswordChange, a.Id, Guid.NewGuid().ToString("N"), keys, "x pass", keys.Signing.PrivateKey, await CurrentAuthKeyAsync(a, a.Password)));
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        await res.Problem();
        AssertUnchanged(before, await SnapshotAsync(a.Id));
    }

    [Fact]
    public async Task A_captured_password_change_cannot_be_replayed()
    {
        var a = await RegisterAsync();
        var user = await LoginAsync(a);
        var keys = user.Client.Keys!;
        var current = await CurrentAuthKeyAsync(a, a.Password);
        using var http = Authorized(user);
        var captured = Material(ProtocolTags.PasswordChange, a.Id, await NonceAsync(http), keys, "first new pass", keys.Signing.PrivateKey, current);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostJson("/api/auth/password", captured)).StatusCode);
        var afterFirst = await SnapshotAsync(a.Id);

        // The same bytes again (signature, nonce and all) from the same session: the nonce is spent.
        var replay = await http.PostJson("/api/auth/password", captured);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Contains("nonce", (await replay.Problem()).GetProperty("detail").GetString());
        AssertUnchanged(afterFirst, await SnapshotAsync(a.Id));

        // The captured signature under a fresh nonce does not verify: the nonce is inside the signed bytes.
        var body = System.Text.Json.JsonSerializer.SerializeToNode(captured, TestHost.Json)!.AsObject();
        body["nonce"] = await NonceAsync(http);
        var moved = await http.PostJson("/api/auth/password", body);
        Assert.Equal((HttpStatusCode)422, moved.StatusCode);
        Assert.True((await moved.Problem()).GetProperty("errors").TryGetProperty("signature", out _));
        AssertUnchanged(afterFirst, await SnapshotAsync(a.Id));
    }

    [Fact]
    public async Task A_password_change_nonce_is_single_use_under_concurrency_short_lived_and_bound_to_its_account()
    {
        var a = await RegisterAsync();
        var user = await LoginAsync(a);
        var keys = user.Client.Keys!;
        var current = await CurrentAuthKeyAsync(a, a.Password);
        using var http = Authorized(user);

        // Two copies of one signed request at once: exactly one goes through.
        var body = Material(ProtocolTags.PasswordChange, a.Id, await NonceAsync(http), keys, "raced pass", keys.Signing.PrivateKey, current);
        var statuses = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var c = Authorized(user);
            return (await c.PostJson("/api/auth/password", body)).StatusCode;
        }));
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.NoContent));
        Assert.All(statuses.Where(s => s != HttpStatusCode.NoContent), s => Assert.Equal(HttpStatusCode.Conflict, s));

        var now = await CurrentAuthKeyAsync(a, "raced pass");
        var late = await NonceAsync(http);
        Host.Clock.Advance(TimeSpan.FromMinutes(6));
        var expired = await http.PostJson("/api/auth/password", Material(ProtocolTags.PasswordChange, a.Id, late, keys, "late pass", keys.Signing.PrivateKey, now));
        Assert.Equal(HttpStatusCode.Conflict, expired.StatusCode);

        // Another account's nonce is no good either.
        var b = await RegisterAsync();
        var other = await LoginAsync(b);
        using var otherHttp = Authorized(other);
        var foreign = await http.PostJson("/api/auth/password", Material(ProtocolTags.PasswordChange, a.Id, await NonceAsync(otherHttp), keys, "foreign pass", keys.Signing.PrivateKey, now));
        Assert.Equal(HttpStatusCode.Conflict, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await LoginStatusAsync(a, "raced pass"));
    }
}
