using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Ledger;
using Spectre.Console;

namespace MedLedger.Cli;

/// <summary>The options every client verb accepts; each falls back to its MEDLEDGER_* environment variable.</summary>
public static class CommonOptions
{
    public static readonly Option<string?> Url = new("--url") { Description = "Server URL (env MEDLEDGER_URL, default http://127.0.0.1:5080)", Recursive = true };
    public static readonly Option<string?> Email = new("--email") { Description = "Sign in as (env MEDLEDGER_EMAIL)", Recursive = true };
    public static readonly Option<string?> Password = new("--password") { Description = "Password (env MEDLEDGER_PASSWORD); prompted when interactive", Recursive = true };
    public static readonly Option<string?> Otp = new("--otp") { Description = "One-time code: TOTP, or the emailed code (env MEDLEDGER_OTP)", Recursive = true };

    public static readonly Option<string?> PeerKey = new("--peer-key") { Description = "Pin this ledger peer public key (base64) instead of trusting the server on first contact (env MEDLEDGER_PEER_KEY)", Recursive = true };

    public static string? ResolvePeerKey(ParseResult p) => p.GetValue(PeerKey) ?? Environment.GetEnvironmentVariable("MEDLEDGER_PEER_KEY");

    // Not "--consortium": `serve --consortium <file>` is the server's own option.
    public static readonly Option<string?> PinConsortium = new("--pin-consortium") { Description = "Pin this consortium (a JSON file shaped like GET /api/ledger/consortium) instead of trusting the server on first contact (env MEDLEDGER_CONSORTIUM)", Recursive = true };

    public static string? ResolvePinConsortium(ParseResult p) => p.GetValue(PinConsortium) ?? Environment.GetEnvironmentVariable("MEDLEDGER_CONSORTIUM");

    public static string ResolveUrl(ParseResult p) =>
        p.GetValue(Url) ?? Environment.GetEnvironmentVariable("MEDLEDGER_URL") ?? "http://127.0.0.1:5080";

    public static string? ResolveEmail(ParseResult p) => p.GetValue(Email) ?? Environment.GetEnvironmentVariable("MEDLEDGER_EMAIL");

    public static string? ResolvePassword(ParseResult p) => p.GetValue(Password) ?? Environment.GetEnvironmentVariable("MEDLEDGER_PASSWORD");

    public static string? ResolveOtp(ParseResult p) => p.GetValue(Otp) ?? Environment.GetEnvironmentVariable("MEDLEDGER_OTP");
}

/// <summary>
/// The CLI's saved sign-in, in the user's profile directory (MEDLEDGER_HOME overrides):
/// session.json holds tokens and the pinned consortium (consortia.json: the genesis view per server URL; peers.json from
/// older versions is read as a consortium of one; ledger-consortium-&lt;genesis fingerprint&gt;.json the membership changes
/// accepted since, with their approval receipts, re-verified on load); the private keys are stored AES-256-GCM
/// encrypted under a device key in device.key (mode 0600). This protects a copied session file,
/// not a fully compromised account on this machine — the same bar as `gh`'s token store.
/// </summary>
public sealed class CliSession
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public static string Home =>
        Environment.GetEnvironmentVariable("MEDLEDGER_HOME")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".medledger");

    // Peer: sessions saved before consortia (a consortium of one); Consortium: the pinned one (null in such older files).
    private sealed record Saved(string Url, string Email, Tokens Tokens, PeerInfo? Peer, byte[] KeyNonce, byte[] EncryptedKeys, ConsortiumInfo? Consortium = null);

    /// <summary>A signed-in client for this command: the saved session when it matches, otherwise a fresh login.</summary>
    public static async Task<MedLedgerClient> ConnectAsync(ParseResult p, CancellationToken ct)
    {
        var url = CommonOptions.ResolveUrl(p);
        var email = CommonOptions.ResolveEmail(p);
        var saved = Load();
        if (saved is not null && saved.Url == url && (email is null || string.Equals(saved.Email, email, StringComparison.OrdinalIgnoreCase))
            && saved.Tokens.RefreshTokenExpiresAt > DateTimeOffset.UtcNow)
        {
            var client = NewClient(url, ExplicitPeer(p), PinnedConsortium(p, url) ?? SavedConsortium(saved));
            client.Restore(saved.Tokens, DecryptKeys(saved));
            try
            {
                var consortium = await CheckPinAsync(client, p, ct);
                client.TokensChanged += t => Save(url, saved.Email, t, consortium, client.Keys!);
                await client.GetAccessTokenAsync(ct);
                return client;
            }
            catch (MedLedgerApiException)
            {
                client.Dispose();
                // Session ended server-side; fall through to a fresh login.
            }
        }
        return await LoginAsync(p, ct);
    }

    public static async Task<MedLedgerClient> LoginAsync(ParseResult p, CancellationToken ct)
    {
        var url = CommonOptions.ResolveUrl(p);
        var email = CommonOptions.ResolveEmail(p) ?? Ask("Email");
        var password = CommonOptions.ResolvePassword(p) ?? Ask("Password", secret: true);
        var client = NewClient(url, ExplicitPeer(p), PinnedConsortium(p, url));
        // Before the password is used: a server presenting another consortium (or peer key) than the pinned one is refused here.
        var consortium = await CheckPinAsync(client, p, ct);
        PinConsortium(url, consortium);
        LoginChallenge challenge = null!;
        await AnsiConsole.Status().StartAsync("Deriving keys from your password…", async _ => challenge = await client.StartLoginAsync(email, password, ct));
        var method = challenge.Methods.Contains(OtpMethod.Totp) ? OtpMethod.Totp : OtpMethod.Email;
        var code = CommonOptions.ResolveOtp(p);
        if (code is null)
        {
            if (method == OtpMethod.Email && !challenge.EmailCodeSent)
            {
                await client.RequestEmailCodeAsync(challenge, ct);
            }
            code = Ask(method == OtpMethod.Totp ? "Authenticator code" : "Code sent to your email");
        }
        await client.CompleteLoginAsync(challenge, method, code, ct);
        Save(url, email, client.Tokens!, consortium, client.Keys!);
        client.TokensChanged += t => Save(url, email, t, consortium, client.Keys!);
        return client;
    }

    /// <summary>A client (not signed in) whose consortium pin was checked against the server and saved at first contact.</summary>
    public static async Task<(MedLedgerClient Client, ConsortiumView Consortium)> PinnedAsync(ParseResult p, CancellationToken ct)
    {
        var url = CommonOptions.ResolveUrl(p);
        var client = NewClient(url, ExplicitPeer(p), PinnedConsortium(p, url));
        try
        {
            var consortium = await CheckPinAsync(client, p, ct);
            PinConsortium(url, consortium);
            return (client, consortium);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// --peer-key pins one key (compared by key alone, then pinned under the id the server gives it); otherwise the
    /// consortium the server presents must be the pinned one (or becomes it, at first contact).
    /// </summary>
    private static async Task<ConsortiumView> CheckPinAsync(MedLedgerClient client, ParseResult p, CancellationToken ct)
    {
        if (ExplicitPeer(p) is not null)
        {
            var peer = await client.CheckPeerKeyAsync(ct);
            var single = ConsortiumView.Single(peer.PeerId, peer.PublicKey);
            client.PinConsortium(single);
            return single;
        }
        return await client.CheckConsortiumAsync(ct);
    }

    /// <summary>
    /// A client that trusts the pinned consortium (or --peer-key) and remembers its ledger view in the session folder, so
    /// a restarted CLI still demands consistency with the newest head it verified (docs/ledger.md "Client view").
    /// </summary>
    private static MedLedgerClient NewClient(string url, PeerInfo? explicitPeer, ConsortiumView? pinned) =>
        new(new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(5) },
            new LedgerTrustOptions { Peer = explicitPeer, Consortium = explicitPeer is null ? pinned : null, ViewStore = new FileLedgerViewStore(Home) }, ownsHttp: true);

    /// <summary>--peer-key: one key to trust; its peer id is learnt from the server (only the key is compared).</summary>
    private static PeerInfo? ExplicitPeer(ParseResult p) =>
        CommonOptions.ResolvePeerKey(p) is { } explicitKey ? new PeerInfo("pinned", Convert.FromBase64String(explicitKey)) : null;

    /// <summary>
    /// The consortium for this server: --pin-consortium, else the one pinned at first contact (consortia.json), else a
    /// peer key pinned by an older version (peers.json) as a consortium of one, else none yet.
    /// </summary>
    private static ConsortiumView? PinnedConsortium(ParseResult p, string url)
    {
        if (CommonOptions.ResolvePinConsortium(p) is { } file)
        {
            var info = JsonSerializer.Deserialize<ConsortiumInfo>(File.ReadAllText(file), Json)
                ?? throw new InvalidOperationException($"{file} holds no consortium.");
            return info.ToView();
        }
        if (LoadConsortiumPins().GetValueOrDefault(url) is { } pinned)
        {
            return pinned.ToView();
        }
        return LoadPins().GetValueOrDefault(url) is { } peer ? ConsortiumView.Single(peer.PeerId, peer.PublicKey) : null;
    }

    private static ConsortiumView? SavedConsortium(Saved saved) =>
        saved.Consortium?.ToView() ?? (saved.Peer is { } peer ? ConsortiumView.Single(peer.PeerId, peer.PublicKey) : null);

    /// <summary>Saves the pin at first contact (trust on first use), printed with its fingerprint to compare out of band.</summary>
    private static void PinConsortium(string url, ConsortiumView consortium)
    {
        var pins = LoadConsortiumPins();
        if (pins.TryGetValue(url, out var known) && known.ToView().Fingerprint == consortium.Fingerprint)
        {
            return;
        }
        pins[url] = ConsortiumInfo.Of(consortium);
        Directory.CreateDirectory(Home);
        var path = Path.Combine(Home, "consortia.json");
        File.WriteAllText(path, JsonSerializer.Serialize(pins, Json));
        Restrict(path);
        AnsiConsole.MarkupLine($"Pinned ledger consortium for {Markup.Escape(url)}: {consortium.Threshold} of {consortium.Members.Count} "
            + $"({Markup.Escape(string.Join(", ", consortium.Members.Select(m => m.PeerId)))}), fingerprint {consortium.Fingerprint}");
    }

    private static Dictionary<string, PeerInfo> LoadPins()
    {
        var path = Path.Combine(Home, "peers.json");
        return File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, PeerInfo>>(File.ReadAllText(path), Json) ?? [] : [];
    }

    private static Dictionary<string, ConsortiumInfo> LoadConsortiumPins()
    {
        var path = Path.Combine(Home, "consortia.json");
        return File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, ConsortiumInfo>>(File.ReadAllText(path), Json) ?? [] : [];
    }

    public static void Clear()
    {
        var path = Path.Combine(Home, "session.json");
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>Asks on the terminal (hidden when secret); refuses when input is redirected, so scripts get a clear error.</summary>
    internal static string Ask(string what, bool secret = false)
    {
        if (Console.IsInputRedirected)
        {
            throw new InvalidOperationException($"{what} is required: pass it as an option or environment variable when running non-interactively.");
        }
        var prompt = new TextPrompt<string>($"{what}:");
        if (secret)
        {
            prompt.Secret();
        }
        return AnsiConsole.Prompt(prompt);
    }

    /// <summary>
    /// A user id from an id or a verified professional's email (the directory finds no one else); no value means the
    /// signed-in user. Patients are named by id: professionals reach them through the patient's own grants and bookings.
    /// </summary>
    internal static async Task<Guid> ResolveUserAsync(MedLedgerClient client, string? idOrEmail, CancellationToken ct)
    {
        if (idOrEmail is null)
        {
            return client.UserId;
        }
        if (Guid.TryParse(idOrEmail, out var id))
        {
            return id;
        }
        if (!idOrEmail.Contains('@', StringComparison.Ordinal))
        {
            // A short id as the web app shows it: matched among the people this account already works with.
            return await IdPrefix.ResolveAsync(idOrEmail, "person", () => KnownPeopleAsync(client, ct));
        }
        return (await client.LookUpProfessionalAsync(idOrEmail, ct)).UserId;
    }

    private static async Task<IEnumerable<Guid>> KnownPeopleAsync(MedLedgerClient client, CancellationToken ct)
    {
        var people = new HashSet<Guid> { client.UserId };
        foreach (var a in await client.AssignmentsAsync(ct))
        {
            people.Add(a.PatientId);
            people.Add(a.DoctorId);
        }
        people.UnionWith((await client.SharedProfilesAsync(ct)).Keys);
        if (client.Tokens?.User.Role == Role.HospitalStaff)
        {
            people.UnionWith((await client.RelatedPatientsAsync(ct)).Select(r => r.PatientId));
        }
        return people;
    }

    /// <summary>
    /// Prints a professional's checked identity card (name, specialty, organization, verified or not, key fingerprint)
    /// and refuses, before anything is signed or sent, if it is not admin-verified or not the pinned fingerprint.
    /// </summary>
    internal static async Task<CheckedIdentityCard> ShowTrustedCardAsync(MedLedgerClient client, Guid userId, string? expectedFingerprint, CancellationToken ct)
    {
        var card = await client.IdentityCardAsync(userId, ct);
        AnsiConsole.MarkupLine($"{Markup.Escape(card.DisplayLine)}");
        AnsiConsole.MarkupLine($"  {card.Card.Role}, licence {Markup.Escape(card.Card.LicenceNumber ?? "-")}");
        // On a line of its own so a narrow terminal never wraps it: scripts copy it into --expect-fingerprint.
        AnsiConsole.MarkupLine($"  key fingerprint {card.Fingerprint}");
        return MedLedgerClient.RequireTrusted(card, expectedFingerprint);
    }

    private static Saved? Load()
    {
        var path = Path.Combine(Home, "session.json");
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<Saved>(File.ReadAllText(path), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Save(string url, string email, Tokens tokens, ConsortiumView consortium, KeyBundle keys)
    {
        Directory.CreateDirectory(Home);
        var deviceKey = DeviceKey();
        var nonce = RandomNumberGenerator.GetBytes(12);
        byte[] plain = [.. keys.Encryption.PrivateKey, .. keys.Signing.PrivateKey];
        var sealedKeys = Seal(deviceKey, nonce, System.Text.Encoding.UTF8.GetBytes("medledger/cli-session/" + tokens.User.Id), plain);
        CryptographicOperations.ZeroMemory(plain);
        var path = Path.Combine(Home, "session.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new Saved(url, email, tokens, null, nonce, sealedKeys, ConsortiumInfo.Of(consortium)), Json));
        Restrict(path);
    }

    private static KeyBundle? DecryptKeys(Saved s)
    {
        try
        {
            var plain = Open(DeviceKey(), s.KeyNonce, System.Text.Encoding.UTF8.GetBytes("medledger/cli-session/" + s.Tokens.User.Id), s.EncryptedKeys);
            return new KeyBundle(UserKeyPair.FromPrivateKey(plain[..32]), UserKeyPair.FromPrivateKey(plain[32..]));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static byte[] Seal(byte[] key, byte[] nonce, byte[] aad, byte[] plain)
    {
        using var gcm = new AesGcm(key, 16);
        var output = new byte[plain.Length + 16];
        gcm.Encrypt(nonce, plain, output.AsSpan(0, plain.Length), output.AsSpan(plain.Length), aad);
        return output;
    }

    private static byte[] Open(byte[] key, byte[] nonce, byte[] aad, byte[] sealedData)
    {
        using var gcm = new AesGcm(key, 16);
        var plain = new byte[sealedData.Length - 16];
        gcm.Decrypt(nonce, sealedData.AsSpan(0, plain.Length), sealedData.AsSpan(plain.Length), plain, aad);
        return plain;
    }

    private static byte[] DeviceKey()
    {
        Directory.CreateDirectory(Home);
        var path = Path.Combine(Home, "device.key");
        if (!File.Exists(path))
        {
            File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(32));
            Restrict(path);
        }
        return File.ReadAllBytes(path);
    }

    private static void Restrict(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
