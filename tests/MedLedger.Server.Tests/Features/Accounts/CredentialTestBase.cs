using System.Net;
using System.Net.Http.Headers;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>
/// Shared by the password-change and recovery suites: SDK-registered patients with their recovery code,
/// snapshots of the stored credential material, and password material built by hand as a third-party client would.
/// </summary>
public abstract class CredentialTestBase : SdkTestBase
{
    protected sealed record Account(Guid Id, string Email, string Password, string RecoveryCode);

    protected async Task<Account> RegisterAsync()
    {
        var email = $"pw-{Guid.NewGuid().ToString("N")[..10]}@sdk.example.org";
        var password = "pass phrase " + Guid.NewGuid().ToString("N")[..8];
        using var c = World.NewClient();
        var reg = await c.RegisterWithDevOutboxAsync(email, password, Role.Patient);
        return new Account(reg.UserId, email, password, reg.RecoveryCode);
    }

    protected Task<SdkUser> LoginAsync(Account a, string? password = null) => World.LoginAsync(a.Email, password ?? a.Password, Role.Patient, null);

    protected sealed record Snapshot(byte[] AuthKeyHash, byte[] KdfSalt, int KdfIterations, byte[] PasswordWrap, byte[] RecoveryWrap, byte[] SigningKey, byte[] EncryptionKey);

    protected Task<Snapshot> SnapshotAsync(Guid userId) => Db(async db =>
    {
        var u = await db.Users.AsNoTracking().FirstAsync(x => x.Id == userId);
        var k = await db.KeyBundles.AsNoTracking().FirstAsync(x => x.UserId == userId);
        return new Snapshot(u.AuthKeyHash, u.KdfSalt, u.KdfIterations, k.PasswordWrappedPrivateKeys, k.RecoveryWrappedPrivateKeys, k.SigningPublicKey, k.EncryptionPublicKey);
    });

    protected static void AssertUnchanged(Snapshot before, Snapshot after)
    {
        Assert.Equal(before.AuthKeyHash, after.AuthKeyHash);
        Assert.Equal(before.KdfSalt, after.KdfSalt);
        Assert.Equal(before.PasswordWrap, after.PasswordWrap);
        Assert.Equal(before.RecoveryWrap, after.RecoveryWrap);
    }

    protected async Task<HttpStatusCode> LoginStatusAsync(Account a, string password)
    {
        using var c = World.NewClient();
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

    protected async Task<string> LatestCodeAsync(string email, string subjectContains)
    {
        using var http = Host.CreateClient();
        var latest = (await new MedLedgerClient(http).ReadDevOutboxAsync(email))[0];
        Assert.Contains(subjectContains, latest.Subject);
        return MedLedgerClient.CodeIn(latest);
    }

    protected async Task<int> OutboxCountAsync(string email)
    {
        using var http = Host.CreateClient();
        return (await new MedLedgerClient(http).ReadDevOutboxAsync(email)).Count;
    }

    protected async Task<Guid> CreateRecordAsync(SdkUser u) =>
        (await u.Client.CreateFhirRecordAsync(File.ReadAllText(Repo.TestData("fhir-r4", "Condition-For-Patient-f001.json")))).RecordId;

    protected HttpClient Authorized(SdkUser u)
    {
        var http = Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", u.Client.Tokens!.AccessToken);
        return http;
    }

    /// <summary>A fresh single-use password-change nonce for the session behind <paramref name="authorized"/>.</summary>
    protected static async Task<string> NonceAsync(HttpClient authorized)
    {
        var res = await authorized.PostAsync("/api/auth/password/nonce", null);
        res.EnsureSuccessStatusCode();
        return (await res.Read<PasswordChangeNonceResponse>()).Nonce;
    }

    /// <summary>New password material built by hand (as a third-party client would), signed with <paramref name="signer"/> over <paramref name="nonce"/>.</summary>
    protected static object Material(string tag, Guid userId, string nonce, KeyBundle keys, string newPassword, byte[] signer, byte[]? currentAuthKey = null, string? recoveryTicket = null)
    {
        var p = PasswordParameters.CreateNew();
        var derived = PasswordKeys.Derive(newPassword, p);
        var wrap = KeyVault.WrapPrivateKeys(keys, userId.ToString(), KeyVault.PasswordPurpose, derived.KeyEncryptionKey).ToBytes();
        var signature = Signatures.Sign(signer, MedLedgerClient.PasswordMaterialBytes(tag, userId, nonce, derived.AuthenticationKey, p, wrap));
        var kdf = new { algorithm = p.Algorithm, iterations = p.Iterations, salt = p.Salt };
        return recoveryTicket is null
            ? new { currentAuthKey, newAuthKey = derived.AuthenticationKey, newKdf = kdf, newPasswordWrappedPrivateKeys = wrap, signature, nonce }
            : new { recoveryTicket, newAuthKey = derived.AuthenticationKey, newKdf = kdf, newPasswordWrappedPrivateKeys = wrap, signature };
    }

    protected async Task<byte[]> CurrentAuthKeyAsync(Account a, string password)
    {
        using var http = Host.CreateClient();
        var pre = await (await http.PostJson("/api/auth/prelogin", new PreloginRequest(a.Email))).Read<MedLedger.Server.Features.Accounts.PreloginResponse>();
        return PasswordKeys.Derive(password, new PasswordParameters(pre.Kdf.Algorithm, pre.Kdf.Iterations, pre.Kdf.Salt)).AuthenticationKey;
    }
}
