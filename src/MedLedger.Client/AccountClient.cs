using System.Net.Http.Json;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Account (web/src/sdk/account.ts): sign-up, sign-in, TOTP, sign-out, password change and account recovery.

public enum OtpMethod { Totp, Email }

public sealed record KdfParameters(string Algorithm, int Iterations, byte[] Salt);

public sealed record KeyBundleUpload(byte[] SigningPublicKey, byte[] EncryptionPublicKey, byte[] PasswordWrappedPrivateKeys, byte[] RecoveryWrappedPrivateKeys);

/// <summary>An organization founded at registration; <paramref name="RegistrationNumber"/> is its registration or licence number, on the card the admin verifies.</summary>
public sealed record NewOrganization(OrganizationKind Kind, string Name, string Address, double Latitude, double Longitude, string? ContactPhone, string? ContactEmail, string RegistrationNumber);

public sealed record RegisterRequest(Guid UserId, string Email, Role Role, byte[] AuthKey, KdfParameters Kdf, KeyBundleUpload Keys, SignedTransaction KeyRegistration,
    Guid? OrganizationId = null, NewOrganization? NewOrganization = null, string? LicenseNumber = null, byte[]? EncryptedProfile = null,
    string? DisplayName = null, string? Specialty = null);

public sealed record CreateAdminRequest(Guid UserId, string Email, byte[] AuthKey, KdfParameters Kdf, KeyBundleUpload Keys, SignedTransaction KeyRegistration);

public sealed record RegisterResponse(Guid UserId, Role Role, VerificationStatus Verification, Guid? OrganizationId, MedLedger.Ledger.LedgerReceipt KeyRegistrationReceipt);

public sealed record PreloginResponse(KdfParameters Kdf);

public sealed record LoginChallenge(string Ticket, IReadOnlyList<OtpMethod> Methods, DateTimeOffset ExpiresAt, bool EmailCodeSent);

public sealed record TotpEnrollment(string Secret, string OtpAuthUri, string QrPngBase64);

public sealed record OwnKeyBundle(Guid UserId, KdfParameters Kdf, byte[] SigningPublicKey, byte[] EncryptionPublicKey, byte[] PasswordWrappedPrivateKeys, byte[] RecoveryWrappedPrivateKeys);

/// <summary>
/// A started sign-up: the server emailed a code to the address (or, for a taken one, a notice to its owner; the answer
/// looks the same). <see cref="MedLedgerClient.ConfirmRegistrationAsync"/> with the code creates the account.
/// </summary>
public sealed record PendingRegistration(string Ticket, Guid UserId, string Email, Role Role, string RecoveryCode);

internal sealed record RegistrationStartResponse(string Ticket);

/// <summary>What sign-up hands back once: the recovery code must be shown to the user and never stored by us.</summary>
public sealed record Registration(Guid UserId, string Email, Role Role, string RecoveryCode, LedgerReceipt KeyRegistrationReceipt, VerificationStatus Verification, Guid? OrganizationId);

public sealed partial class MedLedgerClient
{
    /// <summary>
    /// Sign-up step one: generates key pairs on this device, derives the authentication key from the password
    /// (PBKDF2 600,000 rounds, then HKDF), wraps the private keys under the password and a fresh recovery code, signs
    /// the ledger key registration, and uploads only the results. The server emails a code; nothing exists until
    /// <see cref="ConfirmRegistrationAsync"/>.
    /// </summary>
    public async Task<PendingRegistration> RegisterAsync(string email, string password, Role role, Guid? organizationId = null,
        NewOrganization? newOrganization = null, string? licenseNumber = null, CancellationToken ct = default,
        string? displayName = null, string? specialty = null)
    {
        var userId = Guid.NewGuid();
        var account = await Task.Run(() => KeyVault.Create(userId.ToString(), password), ct);
        // displayName and specialty are a professional's public identity card (directory data); a patient's name goes only into the sealed profile.
        var request = new RegisterRequest(userId, email, role, account.AuthenticationKey, Kdf(account.Stored.PasswordParameters),
            Upload(account.Stored), KeyRegistration(userId, role, account.Keys), organizationId, newOrganization, licenseNumber, null, displayName, specialty);
        // 202 Accepted with a body: read it here (SendAsync treats 202 as bodiless).
        using var res = await _http.PostAsJsonAsync("/api/auth/register", request, ApiJson.Options, ct);
        if (!res.IsSuccessStatusCode)
        {
            throw await MedLedgerApiException.FromResponseAsync(res, ct);
        }
        var started = await res.Content.ReadFromJsonAsync<RegistrationStartResponse>(ApiJson.Options, ct)
            ?? throw new MedLedgerApiException("The registration start answer had no ticket.");
        return new PendingRegistration(started.Ticket, userId, email, role, account.RecoveryCode);
    }

    /// <summary>Sign-up step two: the emailed code creates the account; its ledger key registration receipt is checked here.</summary>
    public async Task<Registration> ConfirmRegistrationAsync(PendingRegistration pending, string code, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var res = await SendAsync<RegisterResponse>(HttpMethod.Post, "/api/auth/register/confirm", new { ticket = pending.Ticket, code }, authorize: false, ct);
        if (res.UserId != pending.UserId || res.Role != pending.Role)
        {
            throw new InvalidOperationException("The server confirmed a different account than this device registered.");
        }
        await VerifyReceiptAsync(res.KeyRegistrationReceipt, ct);
        return new Registration(res.UserId, pending.Email, res.Role, pending.RecoveryCode, res.KeyRegistrationReceipt, res.Verification, res.OrganizationId);
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
        if (tokens.User.Role == Role.Patient)
        {
            // A hospital may have rotated its emergency key since the last sign-in: wrap the summary for the new key now.
            await RewrapStaleEmergencySummariesAsync(ct);
        }
        return tokens.User;
    }

    /// <summary>Begins authenticator enrolment, re-authenticated with the current password (only its derived auth key is sent).</summary>
    public async Task<TotpEnrollment> BeginTotpEnrollmentAsync(string currentPassword, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(currentPassword);
        var own = await SendAsync<OwnKeyBundle>(HttpMethod.Get, "/api/me/keys", null, authorize: true, ct);
        var parameters = ToEncryptedBundle(own).PasswordParameters;
        var derived = await Task.Run(() => PasswordKeys.Derive(currentPassword, parameters), ct);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(derived.KeyEncryptionKey);
        return await SendAsync<TotpEnrollment>(HttpMethod.Post, "/api/auth/totp/enroll", new { currentAuthKey = derived.AuthenticationKey }, authorize: true, ct);
    }

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
            RegisterKeysContract.Payload(userId, role.ToString(), keys.Signing.PublicKey, keys.Encryption.PublicKey), keys.Signing.PrivateKey));
}

// ---- password change and account recovery ----

/// <summary>Wire shape of POST /api/auth/password (all derived on this device; the server never sees a password or a private key).</summary>
public sealed record ChangePasswordRequest(byte[] CurrentAuthKey, byte[] NewAuthKey, KdfParameters NewKdf, byte[] NewPasswordWrappedPrivateKeys, byte[] Signature, string Nonce);

/// <summary>Answer to POST /api/auth/password/nonce: the single-use value one password change signs over.</summary>
public sealed record PasswordChangeNonce(string Nonce, DateTimeOffset ExpiresAt);

/// <summary>Answer to POST /api/auth/recovery/start. The same for registered and unknown emails.</summary>
public sealed record RecoveryStart(string Ticket);

/// <summary>
/// Answer to POST /api/auth/recovery/verify: what is needed to unlock the recovery wrap, and a short-lived
/// single-use ticket for <see cref="MedLedgerClient.CompleteRecoveryAsync(AccountRecoveryBundle, string, string, CancellationToken)"/>.
/// </summary>
public sealed record AccountRecoveryBundle(Guid UserId, KdfParameters Kdf, byte[] SigningPublicKey, byte[] EncryptionPublicKey, byte[] RecoveryWrappedPrivateKeys,
    string RecoveryTicket, DateTimeOffset ExpiresAt, string Nonce);

/// <summary>Wire shape of POST /api/auth/recovery/complete.</summary>
public sealed record RecoveryCompleteRequest(string RecoveryTicket, byte[] NewAuthKey, KdfParameters NewKdf, byte[] NewPasswordWrappedPrivateKeys, byte[] Signature);

public sealed partial class MedLedgerClient
{
    public const string PasswordChangeTag = ProtocolTags.PasswordChange;
    public const string RecoveryTag = ProtocolTags.Recovery;

    /// <summary>The bytes signed for a password change or recovery; the layout is <see cref="PasswordMaterial.SignedBytes(string, Guid, string, byte[], PasswordParameters, byte[])"/>.</summary>
    public static byte[] PasswordMaterialBytes(string tag, Guid userId, string nonce, byte[] newAuthKey, PasswordParameters kdf, byte[] newPasswordWrappedPrivateKeys) =>
        PasswordMaterial.SignedBytes(tag, userId, nonce, newAuthKey, kdf, newPasswordWrappedPrivateKeys);

    /// <summary>A single-use nonce for one password change (the signature binds it, so the request cannot be replayed).</summary>
    public Task<PasswordChangeNonce> PasswordChangeNonceAsync(CancellationToken ct = default) =>
        SendAsync<PasswordChangeNonce>(HttpMethod.Post, "/api/auth/password/nonce", null, authorize: true, ct);

    /// <summary>
    /// Changes the signed-in user's password: unwraps the stored bundle with the current password (a wrong one throws
    /// <see cref="CryptoIntegrityException"/> before anything is sent), re-wraps the same keys under the new password
    /// (new salt), signs the new material and uploads it. The key pairs and the recovery code stay the same; every
    /// other session of the user is ended by the server.
    /// </summary>
    public async Task ChangePasswordAsync(string currentPassword, string newPassword, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(currentPassword);
        ArgumentException.ThrowIfNullOrEmpty(newPassword);
        var own = await SendAsync<OwnKeyBundle>(HttpMethod.Get, "/api/me/keys", null, authorize: true, ct);
        var stored = ToEncryptedBundle(own);
        // Key transparency: never re-wrap keys that are not the ones registered on the ledger.
        await EnsureKeysOnLedgerAsync(own.UserId, own.SigningPublicKey, own.EncryptionPublicKey, ct);
        var (current, keys, update) = await Task.Run(() =>
        {
            var currentKeys = PasswordKeys.Derive(currentPassword, stored.PasswordParameters);
            try
            {
                var unlocked = KeyVault.UnlockWithKeyEncryptionKey(stored, currentKeys.KeyEncryptionKey);
                return (currentKeys.AuthenticationKey, unlocked, KeyVault.ChangePassword(stored, currentPassword, newPassword));
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(currentKeys.KeyEncryptionKey);
            }
        }, ct);
        var wrap = update.Stored.PasswordWrap.ToBytes();
        var kdf = update.Stored.PasswordParameters;
        var nonce = (await PasswordChangeNonceAsync(ct)).Nonce;
        var signature = Signatures.Sign(keys.Signing.PrivateKey, PasswordMaterialBytes(PasswordChangeTag, own.UserId, nonce, update.AuthenticationKey, kdf, wrap));
        await SendAsync<object?>(HttpMethod.Post, "/api/auth/password",
            new ChangePasswordRequest(current, update.AuthenticationKey, Kdf(kdf), wrap, signature, nonce), authorize: true, ct);
    }

    /// <summary>Recovery step one: asks the server to email a 6-digit code. Unknown emails get a ticket too (and no email).</summary>
    public async Task<RecoveryStart> StartRecoveryAsync(string email, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(email);
        // 202 Accepted with a body: read it here (SendAsync treats 202 as bodiless).
        using var res = await _http.PostAsJsonAsync("/api/auth/recovery/start", new { email }, ApiJson.Options, ct);
        if (!res.IsSuccessStatusCode)
        {
            throw await MedLedgerApiException.FromResponseAsync(res, ct);
        }
        return await res.Content.ReadFromJsonAsync<RecoveryStart>(ApiJson.Options, ct)
            ?? throw new MedLedgerApiException("The recovery start answer had no ticket.");
    }

    /// <summary>Recovery step two: the emailed code. Spends the ticket and returns the recovery-wrapped keys plus a completion ticket.</summary>
    public Task<AccountRecoveryBundle> VerifyRecoveryAsync(RecoveryStart start, string emailCode, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        return SendAsync<AccountRecoveryBundle>(HttpMethod.Post, "/api/auth/recovery/verify", new { ticket = start.Ticket, code = emailCode }, authorize: false, ct);
    }

    /// <summary>
    /// Recovery step three: unlocks the keys with the recovery code on this device (a mistyped code throws
    /// <see cref="CryptoFormatException"/>, a wrong one <see cref="CryptoIntegrityException"/>, both before anything is
    /// sent), sets the new password and proves possession of the keys with a signature. Afterwards the user signs
    /// in with the new password; all sessions were ended. Returns the user id.
    /// </summary>
    public async Task<Guid> CompleteRecoveryAsync(AccountRecoveryBundle bundle, string recoveryCode, string newPassword, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(recoveryCode);
        ArgumentException.ThrowIfNullOrEmpty(newPassword);
        var recoveryWrap = PrivateKeyWrap.FromBytes(bundle.RecoveryWrappedPrivateKeys);
        // The server does not hand out the password wrap during recovery (it would allow offline guessing of the old
        // password). RecoverWithCode reads only the user id, public keys and recovery wrap and replaces the password
        // wrap, so the recovery wrap stands in for it; UnlockWithPassword on this bundle could never succeed (other AAD purpose).
        var stored = new EncryptedKeyBundle(bundle.UserId.ToString(), new PublicKeyBundle(bundle.EncryptionPublicKey, bundle.SigningPublicKey),
            new PasswordParameters(bundle.Kdf.Algorithm, bundle.Kdf.Iterations, bundle.Kdf.Salt), recoveryWrap, recoveryWrap);
        var (keys, update) = await Task.Run(() =>
            (KeyVault.UnlockWithRecoveryCode(stored, recoveryCode), KeyVault.RecoverWithCode(stored, recoveryCode, newPassword)), ct);
        var wrap = update.Stored.PasswordWrap.ToBytes();
        var kdf = update.Stored.PasswordParameters;
        var signature = Signatures.Sign(keys.Signing.PrivateKey, PasswordMaterialBytes(RecoveryTag, bundle.UserId, bundle.Nonce, update.AuthenticationKey, kdf, wrap));
        await SendAsync<object?>(HttpMethod.Post, "/api/auth/recovery/complete",
            new RecoveryCompleteRequest(bundle.RecoveryTicket, update.AuthenticationKey, Kdf(kdf), wrap, signature), authorize: false, ct);
        return bundle.UserId;
    }

    /// <summary>
    /// Steps two and three together. The recovery code's check symbol is verified first, so a mistyped code
    /// fails (<see cref="CryptoFormatException"/>) without spending the emailed code.
    /// </summary>
    public async Task<Guid> CompleteRecoveryAsync(RecoveryStart start, string emailCode, string recoveryCode, string newPassword, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(recoveryCode);
        RecoveryCode.Normalize(recoveryCode);
        var bundle = await VerifyRecoveryAsync(start, emailCode, ct);
        return await CompleteRecoveryAsync(bundle, recoveryCode, newPassword, ct);
    }
}
