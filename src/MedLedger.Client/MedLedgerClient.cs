using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

/// <summary>What sign-up hands back once: the recovery code must be shown to the user and never stored by us.</summary>
public sealed record Registration(Guid UserId, string Email, Role Role, string RecoveryCode, LedgerReceipt KeyRegistrationReceipt, VerificationStatus Verification, Guid? OrganizationId);

/// <summary>
/// Typed client for the MedLedger API. Every encryption, decryption and signature happens here,
/// on the user's device; the server receives only ciphertext, wraps, public keys and signed transactions.
/// </summary>
public sealed partial class MedLedgerClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private PeerInfo? _peer;

    public MedLedgerClient(HttpClient http, bool ownsHttp = false)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _ownsHttp = ownsHttp;
    }

    public MedLedgerClient(Uri baseAddress) : this(new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) }, ownsHttp: true) { }

    public Uri? BaseAddress => _http.BaseAddress;

    /// <summary>The signed-in user's tokens (null before login).</summary>
    public Tokens? Tokens { get; private set; }

    /// <summary>The signed-in user's unlocked key pairs; they exist only in this process's memory.</summary>
    public KeyBundle? Keys { get; private set; }

    public Guid UserId => Tokens?.User.Id ?? throw new InvalidOperationException("Not signed in.");

    /// <summary>Raised after tokens rotate so a caller (the CLI) can persist them.</summary>
    public event Action<Tokens>? TokensChanged;

    /// <summary>Restores a saved session (CLI): tokens plus keys that were kept encrypted on disk.</summary>
    public void Restore(Tokens tokens, KeyBundle? keys)
    {
        Tokens = tokens;
        Keys = keys;
    }

    // ---------- accounts ----------

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

    /// <summary>A valid access token, refreshing (and rotating the refresh token) when it is close to expiry.</summary>
    public async Task<string> GetAccessTokenAsync(CancellationToken ct = default)
    {
        var t = Tokens ?? throw new InvalidOperationException("Not signed in.");
        if (t.AccessTokenExpiresAt > DateTimeOffset.UtcNow.AddSeconds(30))
        {
            return t.AccessToken;
        }
        await _refreshLock.WaitAsync(ct);
        try
        {
            t = Tokens!;
            if (t.AccessTokenExpiresAt > DateTimeOffset.UtcNow.AddSeconds(30))
            {
                return t.AccessToken;
            }
            var fresh = await SendAsync<Tokens>(HttpMethod.Post, "/api/auth/refresh", new { refreshToken = t.RefreshToken }, authorize: false, ct);
            SetTokens(fresh);
            return fresh.AccessToken;
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    public Task<PublicKeys> GetPublicKeysAsync(Guid userId, CancellationToken ct = default) =>
        SendAsync<PublicKeys>(HttpMethod.Get, $"/api/users/{userId}/keys", null, authorize: true, ct);

    public Task<PublicKeys> GetPublicKeysByEmailAsync(string email, CancellationToken ct = default) =>
        SendAsync<PublicKeys>(HttpMethod.Post, "/api/users/lookup", new { email }, authorize: true, ct);

    /// <summary>
    /// Public keys of someone we are about to encrypt for, checked against the ledger registration
    /// (the server could otherwise substitute its own key).
    /// </summary>
    public async Task<PublicKeys> GetVerifiedPublicKeysAsync(Guid userId, CancellationToken ct = default)
    {
        var keys = await GetPublicKeysAsync(userId, ct);
        await EnsureKeysOnLedgerAsync(userId, keys.SigningPublicKey, keys.EncryptionPublicKey, ct);
        return keys;
    }

    // ---------- organizations and admin ----------

    public Task<IReadOnlyList<Organization>> OrganizationsAsync(OrganizationKind? kind = null, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<Organization>>(HttpMethod.Get, "/api/organizations" + (kind is null ? "" : $"?kind={kind}"), null, authorize: false, ct);

    public Task<VerificationQueue> VerificationQueueAsync(CancellationToken ct = default) =>
        SendAsync<VerificationQueue>(HttpMethod.Get, "/api/admin/verifications", null, authorize: true, ct);

    public Task DecideOrganizationAsync(Guid organizationId, bool approve, string? reason = null, CancellationToken ct = default) =>
        SendAsync<object?>(HttpMethod.Post, $"/api/admin/organizations/{organizationId}/verification", new { approve, reason }, authorize: true, ct);

    public Task DecideProfessionalAsync(Guid userId, bool approve, string? reason = null, CancellationToken ct = default) =>
        SendAsync<object?>(HttpMethod.Post, $"/api/admin/users/{userId}/verification", new { approve, reason }, authorize: true, ct);

    // ---------- ledger ----------

    /// <summary>The peer's public key. Fetched once per client and pinned for its lifetime (trust on first use; the CLI pins it per server).</summary>
    public async Task<PeerInfo> PeerAsync(CancellationToken ct = default) =>
        _peer ??= await SendAsync<PeerInfo>(HttpMethod.Get, "/api/ledger/peer", null, authorize: false, ct);

    /// <summary>Pins a peer key known from elsewhere (e.g. saved by an earlier session).</summary>
    public void PinPeer(PeerInfo peer) => _peer = peer;

    /// <summary>Checks a receipt offline against the peer's key: signed head, leaf, inclusion proof.</summary>
    public async Task VerifyReceiptAsync(LedgerReceipt receipt, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        var peer = await PeerAsync(ct);
        if (receipt.Verify(peer.PublicKey) is { } error)
        {
            throw new MedLedgerVerificationException("The ledger receipt does not verify: " + error);
        }
        if (!receipt.Valid)
        {
            throw new MedLedgerVerificationException("The ledger recorded the transaction as invalid: " + receipt.Reason);
        }
    }

    public Task<IReadOnlyList<TransactionSummary>> MyLedgerEntriesAsync(int limit = 50, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<TransactionSummary>>(HttpMethod.Get, $"/api/ledger/mine?limit={limit}", null, authorize: true, ct);

    public Task<LedgerReceipt> ReceiptAsync(string transactionId, CancellationToken ct = default) =>
        SendAsync<LedgerReceipt>(HttpMethod.Get, $"/api/ledger/receipts/{transactionId}", null, authorize: true, ct);

    private async Task EnsureKeysOnLedgerAsync(Guid userId, byte[] signingKey, byte[] encryptionKey, CancellationToken ct)
    {
        var registered = await SendAsync<RegisteredKeysResponse>(HttpMethod.Get, $"/api/ledger/keys/{userId}", null, authorize: true, ct);
        var receipt = registered.Receipt;
        await VerifyReceiptAsync(receipt, ct);
        var tx = receipt.Transaction();
        if (tx.Type is not (RegisterKeysContract.TypeName or RotateKeysContract.TypeName) || tx.Get("userId") != userId.ToString()
            || tx.Get("signingKey") != Convert.ToBase64String(signingKey) || tx.Get("encryptionKey") != Convert.ToBase64String(encryptionKey))
        {
            throw new MedLedgerVerificationException($"The keys served for user {userId} are not the keys registered on the ledger.");
        }
    }

    // ---------- plumbing ----------

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

    internal static SignedTransaction Sign(LedgerTransaction tx) => new(tx.SigningBytes, tx.Signature);

    /// <summary>A transaction signed with the signed-in user's own signing key.</summary>
    internal LedgerTransaction NewTransaction(string type, IReadOnlyDictionary<string, string> payload)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        return LedgerTransaction.Create(type, UserId.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(), payload, keys.Signing.PrivateKey);
    }

    private void SetTokens(Tokens tokens)
    {
        Tokens = tokens;
        TokensChanged?.Invoke(tokens);
    }

    internal async Task<T> SendAsync<T>(HttpMethod method, string url, object? body, bool authorize, CancellationToken ct, HttpContent? content = null)
    {
        var res = await SendOnceAsync(method, url, body, authorize, content, ct);
        if (res.StatusCode == HttpStatusCode.Unauthorized && authorize && content is null && Tokens is not null)
        {
            // The access token may have expired by the server's clock: rotate once and retry.
            res.Dispose();
            await ForceRefreshAsync(ct);
            res = await SendOnceAsync(method, url, body, authorize, content, ct);
        }
        using (res)
        {
            if (!res.IsSuccessStatusCode)
            {
                throw await MedLedgerApiException.FromResponseAsync(res, ct);
            }
            if (typeof(T) == typeof(object) || res.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Accepted)
            {
                return default!;
            }
            if (typeof(T) == typeof(byte[]))
            {
                return (T)(object)await res.Content.ReadAsByteArrayAsync(ct);
            }
            return (await res.Content.ReadFromJsonAsync<T>(ApiJson.Options, ct))!;
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpMethod method, string url, object? body, bool authorize, HttpContent? content, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(method, url);
        if (content is not null)
        {
            req.Content = content;
        }
        else if (body is not null)
        {
            req.Content = JsonContent.Create(body, body.GetType(), options: ApiJson.Options);
        }
        if (authorize)
        {
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await GetAccessTokenAsync(ct));
        }
        return await _http.SendAsync(req, HttpCompletionOption.ResponseContentRead, ct);
    }

    private async Task ForceRefreshAsync(CancellationToken ct)
    {
        await _refreshLock.WaitAsync(ct);
        try
        {
            var fresh = await SendAsync<Tokens>(HttpMethod.Post, "/api/auth/refresh", new { refreshToken = Tokens!.RefreshToken }, authorize: false, ct);
            SetTokens(fresh);
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    public void Dispose()
    {
        _refreshLock.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}

/// <summary>The ledger's current key registration for a user, with its receipt.</summary>
public sealed record RegisteredKeysResponse(Guid UserId, byte[] SigningPublicKey, byte[] EncryptionPublicKey, LedgerReceipt Receipt);
