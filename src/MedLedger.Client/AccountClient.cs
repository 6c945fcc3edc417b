using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Account (web/src/sdk/account.ts): sign-up, sign-in, TOTP, sign-out; password change and recovery are in AccountRecoveryClient.cs.

public enum OtpMethod { Totp, Email }

public sealed record KdfParameters(string Algorithm, int Iterations, byte[] Salt);

public sealed record KeyBundleUpload(byte[] SigningPublicKey, byte[] EncryptionPublicKey, byte[] PasswordWrappedPrivateKeys, byte[] RecoveryWrappedPrivateKeys);

public sealed record NewOrganization(OrganizationKind Kind, string Name, string Address, double Latitude, double Longitude, string? ContactPhone, string? ContactEmail);

public sealed record RegisterRequest(Guid UserId, string Email, Role Role, byte[] AuthKey, KdfParameters Kdf, KeyBundleUpload Keys, SignedTransaction KeyRegistration,
    Guid? OrganizationId = null, NewOrganization? NewOrganization = null, string? LicenseNumber = null, byte[]? EncryptedProfile = null);

public sealed record CreateAdminRequest(Guid UserId, string Email, byte[] AuthKey, KdfParameters Kdf, KeyBundleUpload Keys, SignedTransaction KeyRegistration);

public sealed record RegisterResponse(Guid UserId, Role Role, VerificationStatus Verification, Guid? OrganizationId, MedLedger.Ledger.LedgerReceipt KeyRegistrationReceipt);

public sealed record PreloginResponse(KdfParameters Kdf);

public sealed record LoginChallenge(string Ticket, IReadOnlyList<OtpMethod> Methods, DateTimeOffset ExpiresAt, bool EmailCodeSent);

public sealed record TotpEnrollment(string Secret, string OtpAuthUri, string QrPngBase64);

public sealed record OwnKeyBundle(Guid UserId, KdfParameters Kdf, byte[] SigningPublicKey, byte[] EncryptionPublicKey, byte[] PasswordWrappedPrivateKeys, byte[] RecoveryWrappedPrivateKeys);

/// <summary>What sign-up hands back once: the recovery code must be shown to the user and never stored by us.</summary>
public sealed record Registration(Guid UserId, string Email, Role Role, string RecoveryCode, LedgerReceipt KeyRegistrationReceipt, VerificationStatus Verification, Guid? OrganizationId);

public sealed partial class MedLedgerClient
{
    /// <summary>
    /// Sign-up: generates key pairs on this device, derives the authentication key from the password
    /// (PBKDF2 600,000 rounds, then HKDF), wraps the private keys under the password and a fresh
    /// recovery code, signs the ledger key registration, and uploads only the results.
    /// </summary>
    public async Task<Registration> RegisterAsync(string email, string password, Role role, Guid? organizationId = null,
        NewOrganization? newOrganization = null, string? licenseNumber = null, CancellationToken ct = default)
    {
        var userId = Guid.NewGuid();
        var account = await Task.Run(() => KeyVault.Create(userId.ToString(), password), ct);
        var request = new RegisterRequest(userId, email, role, account.AuthenticationKey, Kdf(account.Stored.PasswordParameters),
            Upload(account.Stored), KeyRegistration(userId, role, account.Keys), organizationId, newOrganization, licenseNumber);
        var res = await SendAsync<RegisterResponse>(HttpMethod.Post, "/api/auth/register", request, authorize: false, ct);
        await VerifyReceiptAsync(res.KeyRegistrationReceipt, ct);
        return new Registration(res.UserId, email, role, account.RecoveryCode, res.KeyRegistrationReceipt, res.Verification, res.OrganizationId);
    }

    /// <summary>Builds the request `medledger admin create` hands to the server's account service (no HTTP: it runs on the server machine).</summary>
    public static (CreateAdminRequest Request, string RecoveryCode) PrepareAdmin(string email, string password)
    {
        var userId = Guid.NewGuid();
        var account = KeyVault.Create(userId.ToString(), password);
        return (new CreateAdminRequest(userId, email, account.AuthenticationKey, Kdf(account.Stored.PasswordParameters), Upload(account.Stored),
            KeyRegistration(userId, Role.PlatformAdmin, account.Keys)), account.RecoveryCode);
    }

    private byte[]? _pendingKek;
    private string? _pendingEmail;

    /// <summary>Login step one: derive keys from the password locally and present only the authentication key.</summary>
    public async Task<LoginChallenge> StartLoginAsync(string email, string password, CancellationToken ct = default)
    {
        var pre = await SendAsync<PreloginResponse>(HttpMethod.Post, "/api/auth/prelogin", new { email }, authorize: false, ct);
        var parameters = new PasswordParameters(pre.Kdf.Algorithm, pre.Kdf.Iterations, pre.Kdf.Salt);
        var derived = await Task.Run(() => PasswordKeys.Derive(password, parameters), ct);
        var challenge = await SendAsync<LoginChallenge>(HttpMethod.Post, "/api/auth/login", new { email, authKey = derived.AuthenticationKey }, authorize: false, ct);
        _pendingKek = derived.KeyEncryptionKey;
        _pendingEmail = email;
        return challenge;
    }

    public Task RequestEmailCodeAsync(LoginChallenge challenge, CancellationToken ct = default) =>
        SendAsync<object?>(HttpMethod.Post, "/api/auth/login/email-code", new { ticket = challenge.Ticket }, authorize: false, ct);

    /// <summary>Login step two: the one-time code; then fetch the wrapped bundle and unlock it locally.</summary>
    public async Task<Me> CompleteLoginAsync(LoginChallenge challenge, OtpMethod method, string code, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        var kek = _pendingKek ?? throw new InvalidOperationException("Call StartLoginAsync first.");
        var tokens = await SendAsync<Tokens>(HttpMethod.Post, "/api/auth/login/verify", new { ticket = challenge.Ticket, method, code }, authorize: false, ct);
        SetTokens(tokens);
        var own = await SendAsync<OwnKeyBundle>(HttpMethod.Get, "/api/me/keys", null, authorize: true, ct);
        var stored = ToEncryptedBundle(own);
        // Key transparency: refuse to use keys that differ from the ledger's registration.
        await EnsureKeysOnLedgerAsync(own.UserId, own.SigningPublicKey, own.EncryptionPublicKey, ct);
        Keys = KeyVault.UnlockWithKeyEncryptionKey(stored, kek);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(kek);
        _pendingKek = null;
        _pendingEmail = null;
        return tokens.User;
    }

    public Task<TotpEnrollment> BeginTotpEnrollmentAsync(CancellationToken ct = default) =>
        SendAsync<TotpEnrollment>(HttpMethod.Post, "/api/auth/totp/enroll", null, authorize: true, ct);

    public Task ConfirmTotpAsync(string code, CancellationToken ct = default) =>
        SendAsync<object?>(HttpMethod.Post, "/api/auth/totp/confirm", new { code }, authorize: true, ct);

    public Task<Me> MeAsync(CancellationToken ct = default) => SendAsync<Me>(HttpMethod.Get, "/api/me", null, authorize: true, ct);

    public async Task LogoutAsync(CancellationToken ct = default)
    {
        await SendAsync<object?>(HttpMethod.Post, "/api/auth/logout", null, authorize: true, ct);
        Tokens = null;
        Keys = null;
    }

    // ---------- the key bundle in its wire form ----------

    internal static KdfParameters Kdf(PasswordParameters p) => new(p.Algorithm, p.Iterations, p.Salt);

    internal static KeyBundleUpload Upload(EncryptedKeyBundle stored) => new(stored.PublicKeys.SigningPublicKey, stored.PublicKeys.EncryptionPublicKey,
        [.. stored.PasswordWrap.Nonce, .. stored.PasswordWrap.Ciphertext], [.. stored.RecoveryWrap.Nonce, .. stored.RecoveryWrap.Ciphertext]);

    internal static EncryptedKeyBundle ToEncryptedBundle(OwnKeyBundle own) => new(own.UserId.ToString(),
        new PublicKeyBundle(own.EncryptionPublicKey, own.SigningPublicKey),
        new PasswordParameters(own.Kdf.Algorithm, own.Kdf.Iterations, own.Kdf.Salt),
        SplitWrap(own.PasswordWrappedPrivateKeys), SplitWrap(own.RecoveryWrappedPrivateKeys));

    private static PrivateKeyWrap SplitWrap(byte[] b) =>
        b.Length == 12 + PrivateKeyWrap.CiphertextLength
            ? new PrivateKeyWrap(b[..12], b[12..])
            : throw new MedLedgerVerificationException("The stored key wrap has the wrong length.");

    internal static SignedTransaction KeyRegistration(Guid userId, Role role, KeyBundle keys) =>
        Sign(LedgerTransaction.Create(RegisterKeysContract.TypeName, userId.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
            new Dictionary<string, string>
            {
                ["userId"] = userId.ToString(),
                ["role"] = role.ToString(),
                ["signingKey"] = Convert.ToBase64String(keys.Signing.PublicKey),
                ["encryptionKey"] = Convert.ToBase64String(keys.Encryption.PublicKey),
            }, keys.Signing.PrivateKey));
}
