using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using MedLedger.Ledger;

namespace MedLedger.Server.Features.Ledger;

/// <summary>
/// One organisation of a consortium: its peer's id and public ledger key, who runs it and where its API answers.
/// <paramref name="Kind"/> (hospital, insurer, pharmacy; optional) only tells the demo which world to seed.
/// </summary>
public sealed record ConsortiumMember(string PeerId, byte[] PublicKey, string Organization, string ApiUrl, string? Kind = null);

/// <summary>
/// The shared consortium file (docs/ledger.md "Running a consortium"): name, optional threshold, the members and the
/// etcd cluster that orders. It holds public material only; each organisation keeps its peer key and its etcd client
/// certificate beside it, never inside it. Parsed and checked here once, then mapped onto the `Ledger:*` options.
/// </summary>
public sealed record ConsortiumFile(string Name, int Threshold, IReadOnlyList<ConsortiumMember> Members, IReadOnlyList<string> EtcdEndpoints, string EtcdCaFile)
{
    public const int MaxMembers = 64;

    /// <summary>A majority of the members when the file names no threshold (3 peers: 2; 4 peers: 3).</summary>
    public static int DefaultThreshold(int members) => members / 2 + 1;

    public ConsortiumMember? Find(string peerId) => Members.FirstOrDefault(m => m.PeerId == peerId);

    /// <summary>Reads and checks <paramref name="path"/>; relative file names inside it are relative to its folder.</summary>
    /// <exception cref="ConsortiumFileException">The file is missing or wrong; the message says what to fix.</exception>
    public static ConsortiumFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConsortiumFileException($"cannot read the consortium file {path}: {e.Message}");
        }
        return Parse(text, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public static ConsortiumFile Parse(string json, string baseDirectory, bool requireCaFile = true)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(json);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ConsortiumFileException($"the consortium file is not JSON ({e.Message})");
        }
        var errors = new List<string>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ConsortiumFileException("the consortium file must be a JSON object");
        }
        var name = Text(root, "name", errors);
        var members = new List<ConsortiumMember>();
        // Counted as listed (valid or not), so a threshold above it is reported even when a member entry is wrong too.
        var listed = root.TryGetProperty("members", out var entries) && entries.ValueKind == JsonValueKind.Array ? entries.GetArrayLength() : 0;
        if (!root.TryGetProperty("members", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            errors.Add("members: a non-empty array is required");
        }
        else if (list.GetArrayLength() > MaxMembers)
        {
            errors.Add($"members: at most {MaxMembers}");
        }
        else
        {
            var i = 0;
            foreach (var m in list.EnumerateArray())
            {
                var at = $"members[{i++}]";
                if (m.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"{at}: must be an object");
                    continue;
                }
                var peerId = Text(m, "peerId", errors, at);
                if (peerId is not null && (peerId.Length > 64 || peerId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
                {
                    errors.Add($"{at}.peerId: at most 64 letters, digits, '-', '_' or '.'");
                }
                var key = Text(m, "publicKey", errors, at);
                var publicKey = key is null ? null : PublicKey(key);
                if (key is not null && publicKey is null)
                {
                    errors.Add($"{at}.publicKey: must be a base64 65-byte uncompressed P-256 point (SEC1)");
                }
                var organization = Text(m, "organization", errors, at);
                var apiUrl = Text(m, "apiUrl", errors, at);
                if (apiUrl is not null && !(Uri.TryCreate(apiUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"))
                {
                    errors.Add($"{at}.apiUrl: must be an absolute http(s) URL");
                }
                if (peerId is not null && members.Any(x => x.PeerId == peerId))
                {
                    errors.Add($"{at}.peerId: '{peerId}' is listed twice");
                }
                if (publicKey is not null && members.Any(x => x.PublicKey.AsSpan().SequenceEqual(publicKey)))
                {
                    errors.Add($"{at}.publicKey: the same key is listed for two members");
                }
                if (peerId is not null && publicKey is not null && organization is not null && apiUrl is not null)
                {
                    var kind = m.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
                    if (kind is not (null or "hospital" or "insurer" or "pharmacy"))
                    {
                        errors.Add($"{at}.kind: hospital, insurer or pharmacy when given");
                    }
                    members.Add(new ConsortiumMember(peerId, publicKey, organization, apiUrl, kind));
                }
            }
        }
        var threshold = 0;
        if (root.TryGetProperty("threshold", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            if (t.ValueKind != JsonValueKind.Number || !t.TryGetInt32(out threshold) || threshold < 1 || threshold > listed)
            {
                errors.Add($"threshold: must be a whole number from 1 to the number of members ({listed})");
            }
        }
        else
        {
            threshold = DefaultThreshold(listed);
        }
        var endpoints = new List<string>();
        string? caFile = null;
        if (!root.TryGetProperty("etcd", out var etcd) || etcd.ValueKind != JsonValueKind.Object)
        {
            errors.Add("etcd: an object with endpoints and caFile is required");
        }
        else
        {
            if (!etcd.TryGetProperty("endpoints", out var eps) || eps.ValueKind != JsonValueKind.Array || eps.GetArrayLength() == 0)
            {
                errors.Add("etcd.endpoints: a non-empty array of https://host:port is required");
            }
            else
            {
                foreach (var e in eps.EnumerateArray())
                {
                    if (e.ValueKind == JsonValueKind.String && Uri.TryCreate(e.GetString(), UriKind.Absolute, out var u) && u.Scheme == "https")
                    {
                        endpoints.Add(e.GetString()!);
                    }
                    else
                    {
                        errors.Add($"etcd.endpoints: '{e}' is not an https://host:port URL (members talk mutual TLS)");
                    }
                }
            }
            caFile = Text(etcd, "caFile", errors, "etcd");
            if (caFile is not null)
            {
                caFile = Path.GetFullPath(caFile, baseDirectory);
                if (requireCaFile && !File.Exists(caFile))
                {
                    errors.Add($"etcd.caFile: {caFile} does not exist");
                }
            }
        }
        if (errors.Count > 0)
        {
            throw new ConsortiumFileException("the consortium file is not valid:" + string.Concat(errors.Select(e => "\n  " + e)));
        }
        return new ConsortiumFile(name!, threshold, members, endpoints, caFile!);
    }

    /// <summary>
    /// The `Ledger:*` settings that make this process <paramref name="peerId"/>'s peer, ordered by the consortium's etcd
    /// cluster with its own client certificate. Refuses a peer the file does not list (unless <paramref name="joining"/>: a peer
    /// admitted after genesis by consortium.add-peer, whose membership the ledger it replays must show), or a key that is
    /// not the listed one.
    /// </summary>
    public Dictionary<string, string?> SettingsFor(string peerId, byte[] peerPrivateKey, string etcdCertFile, string etcdKeyFile, bool joining = false)
    {
        ArgumentNullException.ThrowIfNull(peerPrivateKey);
        var me = Find(peerId);
        if (me is null && !joining)
        {
            throw new ConsortiumFileException($"peer '{peerId}' is not a member of consortium '{Name}' (members: {string.Join(", ", Members.Select(m => m.PeerId))}); "
                + "a peer admitted later by consortium.add-peer starts with --join <member-url>");
        }
        byte[] publicKey;
        try
        {
            publicKey = LedgerCrypto.PublicKeyFromPrivate(peerPrivateKey);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new ConsortiumFileException($"the peer key is not a P-256 private key ({e.Message})");
        }
        if (me is not null && !publicKey.AsSpan().SequenceEqual(me.PublicKey))
        {
            throw new ConsortiumFileException($"the peer key is not the one the consortium file lists for '{peerId}'");
        }
        foreach (var (label, file) in new[] { ("etcd client certificate", etcdCertFile), ("etcd client key", etcdKeyFile) })
        {
            if (string.IsNullOrEmpty(file) || !File.Exists(file))
            {
                throw new ConsortiumFileException($"the {label} {file} does not exist");
            }
        }
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Ledger:Ordering"] = LedgerHostOptions.EtcdOrdering,
            ["Ledger:PeerId"] = peerId,
            ["Ledger:Threshold"] = Threshold.ToString(CultureInfo.InvariantCulture),
            ["Ledger:Etcd:CaFile"] = EtcdCaFile,
            ["Ledger:Etcd:CertFile"] = Path.GetFullPath(etcdCertFile),
            ["Ledger:Etcd:KeyFile"] = Path.GetFullPath(etcdKeyFile),
        };
        if (me is null)
        {
            settings["Ledger:AdmittedAfterGenesis"] = "true";
        }
        for (var i = 0; i < EtcdEndpoints.Count; i++)
        {
            settings[$"Ledger:Etcd:Endpoints:{i}"] = EtcdEndpoints[i];
        }
        foreach (var m in Members.Where(m => m.PeerId != peerId))
        {
            settings[$"Ledger:PeerKeys:{m.PeerId}"] = Convert.ToBase64String(m.PublicKey);
        }
        return settings;
    }

    /// <summary>Every member's public ledger key by peer id (for `ledger verify`, which accepts a block signed by any member).</summary>
    public Dictionary<string, byte[]> PeerKeys() => Members.ToDictionary(m => m.PeerId, m => m.PublicKey, StringComparer.Ordinal);

    /// <summary>The 32-byte P-256 scalar from a PEM EC private key (SEC1 or PKCS#8, as openssl makes) or a raw 32-byte file.</summary>
    public static byte[] ReadPeerKey(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConsortiumFileException($"cannot read the peer key {path}: {e.Message}");
        }
        if (bytes.Length == LedgerCrypto.PrivateKeySize)
        {
            return bytes;
        }
        try
        {
            using var ec = ECDsa.Create();
            ec.ImportFromPem(System.Text.Encoding.ASCII.GetString(bytes));
            var p = ec.ExportParameters(true);
            if (p.Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                throw new ConsortiumFileException($"the peer key {path} is not on P-256");
            }
            return p.D!;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new ConsortiumFileException($"the peer key {path} is neither a PEM EC private key nor 32 raw bytes ({e.Message})");
        }
    }

    private static bool IsOnCurve(byte[] point)
    {
        try
        {
            using var ec = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = point[1..33], Y = point[33..] } });
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static string? Text(JsonElement obj, string property, List<string> errors, string? at = null)
    {
        var label = at is null ? property : $"{at}.{property}";
        if (obj.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()) && v.GetString()!.Length <= 2048)
        {
            return v.GetString();
        }
        errors.Add($"{label}: a non-empty string is required");
        return null;
    }

    private static byte[]? PublicKey(string base64)
    {
        var bytes = new byte[LedgerCrypto.PublicKeySize + 3];
        return Convert.TryFromBase64String(base64, bytes, out var n) && n == LedgerCrypto.PublicKeySize && bytes[0] == 4 && IsOnCurve(bytes[..n])
            ? bytes[..n]
            : null;
    }
}

/// <summary>A consortium file, peer key or certificate that cannot be used; the message is for the operator (no stack trace).</summary>
public sealed class ConsortiumFileException(string message) : Exception(message);
