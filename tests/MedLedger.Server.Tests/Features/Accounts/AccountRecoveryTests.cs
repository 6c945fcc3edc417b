using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>Account recovery with the emailed code and the recovery code, end to end through the SDK and the real pipeline.</summary>
public sealed class AccountRecoveryTests : CredentialTestBase
{
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

        using var c = World.NewClient();
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
        using var c = World.NewClient();

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
        using var c = World.NewClient();
        var start = await c.StartRecoveryAsync(a.Email);
        var code = await LatestCodeAsync(a.Email, "recovery");

        // A recovery ticket is not a sign-in ticket, even with the right emailed code.
        using (var http = Host.CreateClient())
        {
            var asLogin = await http.PostJson("/api/auth/login/verify", new VerifyOtpRequest(start.Ticket, MedLedger.Server.Features.Accounts.OtpMethod.Email, code));
            Assert.Equal(HttpStatusCode.Unauthorized, asLogin.StatusCode);
            await asLogin.Problem();
        }

        var bundle = await c.VerifyRecoveryAsync(start, code);
        Assert.Equal(a.Id, bundle.UserId);
        var replayedEmail = await Assert.ThrowsAsync<MedLedgerApiException>(() => c.VerifyRecoveryAsync(start, code));
        Assert.Equal(HttpStatusCode.Unauthorized, replayedEmail.Status);
        using (var http = Host.CreateClient())
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
        Host.Clock.Advance(TimeSpan.FromMinutes(6));
        var expired = await Assert.ThrowsAsync<MedLedgerApiException>(() => c.CompleteRecoveryAsync(lateBundle, a.RecoveryCode, "third new pass"));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
        AssertUnchanged(before, await SnapshotAsync(a.Id));

        // Expired start ticket.
        var stale = await c.StartRecoveryAsync(a.Email);
        var staleCode = await LatestCodeAsync(a.Email, "recovery");
        Host.Clock.Advance(TimeSpan.FromMinutes(6));
        var staleRes = await Assert.ThrowsAsync<MedLedgerApiException>(() => c.VerifyRecoveryAsync(stale, staleCode));
        Assert.Equal(HttpStatusCode.Unauthorized, staleRes.Status);
    }

    [Fact]
    public async Task Wrong_emailed_codes_count_and_a_ticket_allows_only_a_few_guesses()
    {
        var a = await RegisterAsync();
        using var c = World.NewClient();
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
        using var c = World.NewClient();
        var start = await c.StartRecoveryAsync(a.Email);
        var bundle = await c.VerifyRecoveryAsync(start, await LatestCodeAsync(a.Email, "recovery"));
        var before = await SnapshotAsync(a.Id);

        using var http = Host.CreateClient();
        var forged = await http.PostJson("/api/auth/recovery/complete",
            Material(ProtocolTags.Recovery, a.Id, bundle.Nonce, keys, "forged pass", KeyBundle.Generate().Signing.PrivateKey, recoveryTicket: bundle.RecoveryTicket));
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
            Material(ProtocolTags.PasswordChange, a.Id, second.Nonce, keys, "cross pass", keys.Signing.PrivateKey, recoveryTicket: second.RecoveryTicket));
        Assert.Equal((HttpStatusCode)422, crossTag.StatusCode);
        AssertUnchanged(before, await SnapshotAsync(a.Id));
        Assert.Equal(HttpStatusCode.OK, await LoginStatusAsync(a, a.Password));
    }

    [Fact]
    public async Task A_captured_recovery_signature_cannot_be_replayed_with_a_later_ticket()
    {
        var a = await RegisterAsync();
        var keys = (await LoginAsync(a)).Client.Keys!;
        using var c = World.NewClient();
        using var http = Host.CreateClient();
        var first = await c.VerifyRecoveryAsync(await c.StartRecoveryAsync(a.Email), await LatestCodeAsync(a.Email, "recovery"));
        var captured = Material(ProtocolTags.Recovery, a.Id, first.Nonce, keys, "recovered once", keys.Signing.PrivateKey, recoveryTicket: first.RecoveryTicket);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostJson("/api/auth/recovery/complete", captured)).StatusCode);
        var afterFirst = await SnapshotAsync(a.Id);

        // Whoever captured that request (and can read the mailbox once more) gets a new ticket, but the old signature
        // was made over the old ticket's nonce.
        var second = await c.VerifyRecoveryAsync(await c.StartRecoveryAsync(a.Email), await LatestCodeAsync(a.Email, "recovery"));
        Assert.NotEqual(first.Nonce, second.Nonce);
        var body = System.Text.Json.JsonSerializer.SerializeToNode(captured, TestHost.Json)!.AsObject();
        body["recoveryTicket"] = second.RecoveryTicket;
        var replay = await http.PostJson("/api/auth/recovery/complete", body);
        Assert.Equal((HttpStatusCode)422, replay.StatusCode);
        Assert.True((await replay.Problem()).GetProperty("errors").TryGetProperty("signature", out _));
        AssertUnchanged(afterFirst, await SnapshotAsync(a.Id));
        Assert.Equal(HttpStatusCode.OK, await LoginStatusAsync(a, "recovered once"));
    }

    [Fact]
    public async Task Unknown_email_recovery_is_indistinguishable_and_sends_nothing()
    {
        var a = await RegisterAsync();
        using var http = Host.CreateClient();
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
        // The unknown email stores a decoy challenge too, so both answers cost the same database work.
        Assert.Equal(challengesBefore + 2, await Db(db => db.LoginChallenges.CountAsync()));

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
    public async Task A_decoy_recovery_ticket_never_verifies_even_with_its_stored_code()
    {
        using var http = Host.CreateClient();
        var start = await http.PostJson("/api/auth/recovery/start", new { email = "nobody-at-all@sdk.example.org" });
        var ticket = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticket").GetString()!;
        // Nobody is sent the decoy's code; put a known one on it to show that even the right code is refused.
        var ticketHash = MedLedger.Server.Infrastructure.Auth.SessionAuthenticationHandler.TokenHash(ticket);
        await Db(async db =>
        {
            var decoy = await db.LoginChallenges.SingleAsync(c => c.TicketHash == ticketHash);
            Assert.Equal(Guid.Empty, decoy.UserId);
            decoy.EmailCodeHash = AccountRules.EmailCodeHash(decoy.Id, "246810");
            return await db.SaveChangesAsync();
        });

        var res = await http.PostJson("/api/auth/recovery/verify", new { ticket, code = "246810" });
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        Assert.Equal(1, await Db(db => db.LoginChallenges.Where(c => c.TicketHash == ticketHash).Select(c => c.Attempts).SingleAsync()));
    }

    [Fact]
    public async Task Bad_recovery_input_is_always_a_problem_never_a_500()
    {
        using var http = Host.CreateClient();
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
