using System.Net.Http.Json;
using MedLedger.Crypto;

namespace MedLedger.Client;

/// <summary>Wire shape of POST /api/auth/password (all derived on this device; the server never sees a password or a private key).</summary>
public sealed record ChangePasswordRequest(byte[] CurrentAuthKey, byte[] NewAuthKey, KdfParameters NewKdf, byte[] NewPasswordWrappedPrivateKeys, byte[] Signature);

/// <summary>Answer to POST /api/auth/recovery/start. The same for registered and unknown emails.</summary>
public sealed record RecoveryStart(string Ticket);

/// <summary>
/// Answer to POST /api/auth/recovery/verify: what is needed to unlock the recovery wrap, and a short-lived
/// single-use ticket for <see cref="MedLedgerClient.CompleteRecoveryAsync(AccountRecoveryBundle, string, string, CancellationToken)"/>.
/// </summary>
public sealed record AccountRecoveryBundle(Guid UserId, KdfParameters Kdf, byte[] SigningPublicKey, byte[] EncryptionPublicKey, byte[] RecoveryWrappedPrivateKeys,
    string RecoveryTicket, DateTimeOffset ExpiresAt);

/// <summary>Wire shape of POST /api/auth/recovery/complete.</summary>
public sealed record RecoveryCompleteRequest(string RecoveryTicket, byte[] NewAuthKey, KdfParameters NewKdf, byte[] NewPasswordWrappedPrivateKeys, byte[] Signature);

public sealed partial class MedLedgerClient
{
    public const string PasswordChangeTag = ProtocolTags.PasswordChange;
    public const string RecoveryTag = ProtocolTags.Recovery;

    /// <summary>The bytes signed for a password change or recovery; the layout is <see cref="PasswordMaterial.SignedBytes(string, Guid, byte[], PasswordParameters, byte[])"/>.</summary>
    public static byte[] PasswordMaterialBytes(string tag, Guid userId, byte[] newAuthKey, PasswordParameters kdf, byte[] newPasswordWrappedPrivateKeys) =>
        PasswordMaterial.SignedBytes(tag, userId, newAuthKey, kdf, newPasswordWrappedPrivateKeys);

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
        var signature = Signatures.Sign(keys.Signing.PrivateKey, PasswordMaterialBytes(PasswordChangeTag, own.UserId, update.AuthenticationKey, kdf, wrap));
        await SendAsync<object?>(HttpMethod.Post, "/api/auth/password",
            new ChangePasswordRequest(current, update.AuthenticationKey, Kdf(kdf), wrap, signature), authorize: true, ct);
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
        var signature = Signatures.Sign(keys.Signing.PrivateKey, PasswordMaterialBytes(RecoveryTag, bundle.UserId, update.AuthenticationKey, kdf, wrap));
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
