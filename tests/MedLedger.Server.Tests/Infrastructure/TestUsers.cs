using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using MedLedger.Crypto;
using MedLedger.Server.Features.Accounts;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace MedLedger.Server.Tests.Infrastructure;

/// <summary>A registered user as a test sees it: credentials, keys and (after login) an authorised client.</summary>
public sealed class TestUser
{
    public required Guid Id { get; init; }
    public required string Email { get; init; }
    public required string Password { get; init; }
    public required Role Role { get; init; }
    public required byte[] AuthKey { get; init; }
    public required KeyBundle Keys { get; init; }
    public Guid? OrganizationId { get; init; }
    public HttpClient? Client { get; set; }
    public TokenResponse? Tokens { get; set; }
    public string? TotpSecret { get; set; }

    public HttpClient Api => Client ?? throw new InvalidOperationException("Log in first.");
}

/// <summary>
/// Registers and signs in users over HTTP the way a client does: derive the auth key from
/// the password on the "device" (PasswordKeys, real 600,000-iteration PBKDF2), upload keys.
/// </summary>
public sealed class TestUsers(TestHost host)
{
    private int _counter;

    public static (byte[] AuthKey, KdfParametersDto Kdf, KeyBundleUpload Upload, KeyBundle Keys) ClientSideKeys(string password)
    {
        var parameters = PasswordParameters.CreateNew();
        var derived = PasswordKeys.Derive(password, parameters);
        var keys = KeyBundle.Generate();
        var secret = keys.Encryption.PrivateKey.Concat(keys.Signing.PrivateKey).ToArray();
        return (derived.AuthenticationKey, new KdfParametersDto(parameters.Algorithm, parameters.Iterations, parameters.Salt),
            new KeyBundleUpload(keys.Signing.PublicKey, keys.Encryption.PublicKey, Wrap(derived.KeyEncryptionKey, secret), Wrap(RandomNumberGenerator.GetBytes(32), secret)), keys);
    }

    /// <summary>The client-signed identity.register-keys transaction (proof of possession of the signing key).</summary>
    public static SignedTransactionDto KeyRegistration(Guid userId, Role role, KeyBundle keys) =>
        SignedTransactionDto.From(LedgerTransaction.Create(RegisterKeysContract.TypeName, userId.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
            RegisterKeysContract.Payload(userId, role.ToString(), keys.Signing.PublicKey, keys.Encryption.PublicKey), keys.Signing.PrivateKey));

    private static byte[] Wrap(byte[] key, byte[] secret)
    {
        using var gcm = new AesGcm(key, 16);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var ct = new byte[secret.Length];
        var tag = new byte[16];
        gcm.Encrypt(nonce, secret, ct, tag);
        return [.. nonce, .. ct, .. tag];
    }

    public string NewEmail(string prefix) => $"{prefix}{Interlocked.Increment(ref _counter)}-{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 20)] + "@example.org";

    public async Task<TestUser> RegisterAsync(Role role, Guid? organizationId = null, NewOrganizationDto? newOrganization = null, string? licence = null, string? email = null,
        string? displayName = null, string? specialty = null)
    {
        email ??= NewEmail(role.ToString().ToLowerInvariant());
        var password = "correct horse battery " + Guid.NewGuid().ToString("N")[..6];
        var (authKey, kdf, upload, keys) = ClientSideKeys(password);
        if (role == Role.Doctor)
        {
            licence ??= "LIC-" + Random.Shared.Next(100000, 999999);
        }
        using var anon = host.CreateClient();
        var userId = Guid.NewGuid();
        var res = await anon.PostJson("/api/auth/register", new RegisterRequest(userId, email, role, authKey, kdf, upload, KeyRegistration(userId, role, keys), organizationId, newOrganization, licence,
            DisplayName: displayName, Specialty: specialty));
        if (res.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"register failed {res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
        }
        var started = await res.Read<RegistrationStartResponse>();
        var code = await RegistrationCodeAsync(email, anon);
        var confirmed = await anon.PostJson("/api/auth/register/confirm", new RegistrationConfirmRequest(started.Ticket, code));
        if (confirmed.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"register confirm failed {confirmed.StatusCode}: {await confirmed.Content.ReadAsStringAsync()}");
        }
        var body = await confirmed.Read<RegisterResponse>();
        return new TestUser { Id = body.UserId, Email = email, Password = password, Role = role, AuthKey = authKey, Keys = keys, OrganizationId = body.OrganizationId };
    }

    public async Task<TestUser> CreateAdminAsync()
    {
        var email = NewEmail("admin");
        var password = "admin passphrase " + Guid.NewGuid().ToString("N")[..6];
        var (authKey, kdf, upload, keys) = ClientSideKeys(password);
        await using var scope = host.App.Services.CreateAsyncScope();
        var adminId = Guid.NewGuid();
        var id = await scope.ServiceProvider.GetRequiredService<RegistrationService>().CreateAdminAsync(
            new CreateAdminRequest(adminId, email, authKey, kdf, upload, KeyRegistration(adminId, Role.PlatformAdmin, keys)), CancellationToken.None);
        var admin = new TestUser { Id = id, Email = email, Password = password, Role = Role.PlatformAdmin, AuthKey = authKey, Keys = keys };
        await LoginWithEmailCodeAsync(admin);
        return admin;
    }

    public async Task<LoginChallengeResponse> StartLoginAsync(TestUser user, HttpClient client)
    {
        var res = await client.PostJson("/api/auth/login", new LoginRequest(user.Email, user.AuthKey));
        if (res.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"login failed {res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
        }
        return await res.Read<LoginChallengeResponse>();
    }

    /// <summary>Reads the newest code sent to this user through the demo-only dev outbox endpoint.</summary>
    public async Task<string> LatestEmailCodeAsync(string email, HttpClient client)
    {
        var messages = await new MedLedger.Client.MedLedgerClient(client).ReadDevOutboxAsync(email);
        return MedLedger.Client.MedLedgerClient.CodeIn(messages[0]);
    }

    /// <summary>
    /// Both registration steps over raw HTTP for tests that build the request themselves: the start's answer when it
    /// is refused, otherwise the confirm's (with the code from the dev outbox).
    /// </summary>
    public static async Task<HttpResponseMessage> RegisterAndConfirmAsync(HttpClient client, RegisterRequest request)
    {
        var started = await client.PostJson("/api/auth/register", request);
        if (started.StatusCode != HttpStatusCode.Accepted)
        {
            return started;
        }
        var ticket = (await started.Read<RegistrationStartResponse>()).Ticket;
        return await client.PostJson("/api/auth/register/confirm", new RegistrationConfirmRequest(ticket, await RegistrationCodeAsync(request.Email, client)));
    }

    /// <summary>The newest registration code sent to an address (dev outbox); fails when none was sent, as for a taken email.</summary>
    public static async Task<string> RegistrationCodeAsync(string email, HttpClient client)
    {
        var messages = await new MedLedger.Client.MedLedgerClient(client).ReadDevOutboxAsync(email);
        var message = messages.FirstOrDefault(m => m.Subject.Contains("registration code", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No registration code for {email} in the dev outbox.");
        return MedLedger.Client.MedLedgerClient.CodeIn(message);
    }

    public async Task<TestUser> LoginWithEmailCodeAsync(TestUser user)
    {
        var client = host.CreateClient();
        var challenge = await StartLoginAsync(user, client);
        if (!challenge.EmailCodeSent)
        {
            (await client.PostJson("/api/auth/login/email-code", new EmailCodeRequest(challenge.Ticket))).EnsureSuccessStatusCode();
        }
        var code = await LatestEmailCodeAsync(user.Email, client);
        var res = await client.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Email, code));
        if (res.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"verify failed {res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
        }
        user.Tokens = await res.Read<TokenResponse>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Tokens.AccessToken);
        user.Client = client;
        return user;
    }

    public async Task EnrollTotpAsync(TestUser user)
    {
        var enrol = await (await user.Api.PostJson("/api/auth/totp/enroll", new TotpEnrollRequest(user.AuthKey))).Read<TotpEnrollmentResponse>();
        user.TotpSecret = enrol.Secret;
        var code = TotpCode(user, host.Clock.GetUtcNow());
        (await user.Api.PostJson("/api/auth/totp/confirm", new TotpConfirmRequest(code))).EnsureSuccessStatusCode();
        // The confirm consumed this step; later logins must use a later step.
        host.Clock.Advance(TimeSpan.FromSeconds(30));
    }

    public static string TotpCode(TestUser user, DateTimeOffset at) =>
        new Totp(Base32Encoding.ToBytes(user.TotpSecret!)).ComputeTotp(at.UtcDateTime);

    public async Task<TestUser> AdminDecideAsync(TestUser admin, Guid subject, bool organization, bool approve, string? reason = null)
    {
        var url = organization ? $"/api/admin/organizations/{subject}/verification" : $"/api/admin/users/{subject}/verification";
        // A professional's decision carries the admin's own signature over the card the directory shows and the subject's key fingerprint.
        SignedTransactionDto? signed;
        if (organization)
        {
            // An organization's decision carries the admin's own signature over the organization card the directory shows.
            var org = await admin.Api.GetFromJsonAsyncSafe<OrganizationResponse>($"/api/organizations/{subject}");
            signed = SignedTransactionDto.From(LedgerTransaction.Create(VerifyContract.TypeName, admin.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
                VerifyContract.OrganizationPayload(subject, approve, OrganizationCards.Hash(subject.ToString(), org.Kind.ToString(), org.Name, org.Address, org.Latitude, org.Longitude, org.RegistrationNumber)),
                admin.Keys.Signing.PrivateKey));
        }
        else
        {
            var card = await admin.Api.GetFromJsonAsyncSafe<IdentityCardResponse>($"/api/users/{subject}/card");
            signed = SignedTransactionDto.From(LedgerTransaction.Create(VerifyContract.TypeName, admin.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
                VerifyContract.ProfessionalPayload(subject, approve,
                    IdentityCards.Hash(subject.ToString(), card.Role.ToString(), card.DisplayName, card.LicenceNumber, card.Specialty, card.OrganizationId?.ToString(), card.OrganizationName),
                    IdentityCards.KeyFingerprintHex(card.EncryptionPublicKey, card.SigningPublicKey)), admin.Keys.Signing.PrivateKey));
        }
        var res = await admin.Api.PostJson(url, new VerificationDecision(approve, reason ?? (approve ? null : "licence could not be confirmed"), signed));
        if (res.StatusCode != HttpStatusCode.NoContent)
        {
            throw new InvalidOperationException($"decision failed {res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
        }
        return admin;
    }

    public static NewOrganizationDto Hospital(string name = "St. Test Hospital", double lat = 52.52, double lon = 13.405) =>
        new(OrganizationKind.Hospital, name, "1 Test Street, Berlin", lat, lon, "+49 30 000000", "front@hospital.example.org", "HRB 99001 B");
}

public static class HttpClientExtensions
{
    public static async Task<T> GetFromJsonAsyncSafe<T>(this HttpClient client, string url)
    {
        var res = await client.GetAsync(url);
        if (!res.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {url} -> {res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
        }
        return await res.Read<T>();
    }
}
