using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MedLedger.Crypto;

namespace MedLedger.Ledger;

/// <summary>
/// A signed ledger transaction. Payload is ids, hashes and counts only (a string→string map; the
/// character rules below keep free text — names, notes — out). Canonical bytes (docs/ledger.md):
/// <code>
/// CanonicalWriter("medledger.ledger.tx.v1")
///   .String(type).String(actorId).Int64(nonce).Int64(timestampMs).Bytes(signerPublicKey)
///   .Int64(payload.Count) then for each entry, keys sorted ordinally: .String(key).String(value)
/// </code>
/// The signature (P1363, P-256/SHA-256) covers exactly these bytes. The id is the lowercase hex
/// SHA-256 of these bytes WITHOUT the signature: ECDSA signatures are randomised, so excluding it
/// keeps one id per intended transaction and a re-signed replay maps to the same id.
/// </summary>
public sealed class LedgerTransaction
{
    public const string Domain = "medledger.ledger.tx.v1";
    public const string EntryDomain = "medledger.ledger.entry.v1";
    /// <summary>Actor ids of system events: "peer:" + peer id, signed with that peer's key.</summary>
    public const string SystemActorPrefix = "peer:";
    public const int MaxPayloadEntries = 64;
    public const int MaxValueLength = 512;
    public const int MaxNameLength = 128;

    private byte[]? _signingBytes;
    private string? _id;

    public LedgerTransaction(string type, string actorId, long nonce, long timestampMs, byte[] signerPublicKey,
        IReadOnlyDictionary<string, string> payload, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(actorId);
        ArgumentNullException.ThrowIfNull(signerPublicKey);
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(signature);
        Type = type;
        ActorId = actorId;
        Nonce = nonce;
        TimestampMs = timestampMs;
        SignerPublicKey = signerPublicKey;
        Payload = Sorted(payload);
        Signature = signature;
    }

    public string Type { get; }
    public string ActorId { get; }
    /// <summary>Unique per actor (any unused value; random or a counter). A reused nonce is a replay.</summary>
    public long Nonce { get; }
    /// <summary>Unix milliseconds chosen by the submitter; contracts use it instead of a clock.</summary>
    public long TimestampMs { get; }
    public byte[] SignerPublicKey { get; }
    /// <summary>Sorted ordinally by key.</summary>
    public IReadOnlyDictionary<string, string> Payload { get; }
    public byte[] Signature { get; }

    public bool IsSystemEvent => ActorId.StartsWith(SystemActorPrefix, StringComparison.Ordinal);

    /// <summary>The canonical bytes that are signed and hashed.</summary>
    public byte[] SigningBytes => _signingBytes ??= ComputeSigningBytes(Type, ActorId, Nonce, TimestampMs, SignerPublicKey, Payload);

    /// <summary>Lowercase hex SHA-256 of <see cref="SigningBytes"/>.</summary>
    public string Id => _id ??= Convert.ToHexStringLower(SHA256.HashData(SigningBytes));

    public string? Get(string key) => Payload.TryGetValue(key, out var v) ? v : null;

    /// <summary>The Merkle leaf: the signed transaction plus the committer's verdict.</summary>
    public byte[] EntryBytes(bool valid) =>
        new CanonicalWriter(EntryDomain).Bytes(SigningBytes).Bytes(Signature).Bool(valid).ToArray();

    public byte[] LeafHash(bool valid) => Rfc6962.LeafHash(EntryBytes(valid));

    /// <summary>Builds and signs a transaction (what clients call).</summary>
    public static LedgerTransaction Create(string type, string actorId, long nonce, long timestampMs,
        IReadOnlyDictionary<string, string> payload, byte[] privateKey)
    {
        var pub = LedgerCrypto.PublicKeyFromPrivate(privateKey);
        var bytes = ComputeSigningBytes(type, actorId, nonce, timestampMs, pub, Sorted(payload));
        return new LedgerTransaction(type, actorId, nonce, timestampMs, pub, payload, LedgerCrypto.Sign(privateKey, bytes));
    }

    public static LedgerTransaction Create(string type, string actorId, long nonce, long timestampMs,
        IReadOnlyDictionary<string, string> payload, LedgerSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var bytes = ComputeSigningBytes(type, actorId, nonce, timestampMs, key.PublicKey, Sorted(payload));
        return new LedgerTransaction(type, actorId, nonce, timestampMs, key.PublicKey, payload, key.Sign(bytes));
    }

    /// <summary>
    /// Signed by a key the caller already holds loaded (a client's own key pair), so that no raw key is imported per
    /// transaction: <paramref name="sign"/> returns the ECDSA P-256/SHA-256 signature (P1363, 64 bytes) of the bytes it
    /// is given, by the private key of <paramref name="publicKey"/>.
    /// </summary>
    public static LedgerTransaction Create(string type, string actorId, long nonce, long timestampMs,
        IReadOnlyDictionary<string, string> payload, byte[] publicKey, Func<byte[], byte[]> sign)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(sign);
        var bytes = ComputeSigningBytes(type, actorId, nonce, timestampMs, publicKey, Sorted(payload));
        var signature = sign(bytes);
        if (signature is not { Length: LedgerCrypto.SignatureSize })
        {
            throw new ArgumentException($"The signer returned {signature?.Length ?? 0} bytes, not a {LedgerCrypto.SignatureSize}-byte P1363 signature.", nameof(sign));
        }
        return new LedgerTransaction(type, actorId, nonce, timestampMs, publicKey, payload, signature);
    }

    /// <summary>A random positive nonce; collisions are negligible (2^-63 per pair).</summary>
    public static long RandomNonce() => BinaryPrimitives.ReadInt64BigEndian(RandomNumberGenerator.GetBytes(8)) & long.MaxValue;

    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Checks the signature against <see cref="SignerPublicKey"/> (whether that key may act for the actor is the committer's job).</summary>
    public bool VerifySignature() => LedgerCrypto.Verify(SignerPublicKey, SigningBytes, Signature);

    /// <summary>As <see cref="VerifySignature()"/>, answered from <paramref name="memo"/> when this verifier checked the same signature before.</summary>
    public bool VerifySignature(SignatureMemo? memo) => memo is null ? VerifySignature() : memo.Verify(SignerPublicKey, SigningBytes, Signature);

    /// <summary>Shape rules; null when well formed.</summary>
    public string? CheckWellFormed()
    {
        if (!IsName(Type) || !IsName(ActorId))
        {
            return "type and actor id must be 1-128 characters of [A-Za-z0-9._:@-]";
        }
        if (SignerPublicKey.Length != LedgerCrypto.PublicKeySize || Signature.Length != LedgerCrypto.SignatureSize)
        {
            return "signer key must be 65 bytes and signature 64 bytes";
        }
        if (Payload.Count > MaxPayloadEntries)
        {
            return $"payload has more than {MaxPayloadEntries} entries";
        }
        foreach (var (k, v) in Payload)
        {
            if (!IsName(k))
            {
                return $"payload key '{Truncate(k)}' must be 1-128 characters of [A-Za-z0-9._:@-]";
            }
            if (!IsValue(v))
            {
                return $"payload value of '{k}' must be at most {MaxValueLength} characters of [A-Za-z0-9+/=._:@-] (ids, hashes, counts; no free text)";
            }
        }
        return null;
    }

    internal static bool IsName(string s)
    {
        if (s.Length is 0 or > MaxNameLength)
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '@' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsValue(string s)
    {
        if (s.Length > MaxValueLength)
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '.' or '_' or ':' or '@' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    private static string Truncate(string s) => s.Length > 40 ? s[..40] : s;

    private static SortedDictionary<string, string> Sorted(IReadOnlyDictionary<string, string> payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in payload)
        {
            sorted.Add(k ?? throw new ArgumentException("Payload keys cannot be null.", nameof(payload)),
                v ?? throw new ArgumentException($"Payload value of '{k}' is null.", nameof(payload)));
        }
        return sorted;
    }

    internal static byte[] ComputeSigningBytes(string type, string actorId, long nonce, long timestampMs, byte[] signer,
        IReadOnlyDictionary<string, string> sortedPayload)
    {
        var w = new CanonicalWriter(Domain).String(type).String(actorId).Int64(nonce).Int64(timestampMs).Bytes(signer)
            .Int64(sortedPayload.Count);
        foreach (var (k, v) in sortedPayload)
        {
            w.String(k).String(v);
        }
        return w.ToArray();
    }

    /// <summary>Parses <see cref="SigningBytes"/> back (the store keeps the canonical bytes, not a second format).</summary>
    public static LedgerTransaction FromSigningBytes(byte[] signingBytes, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(signingBytes);
        var r = new CanonicalReader(signingBytes);
        if (r.String() != Domain)
        {
            throw new FormatException("not a MedLedger transaction");
        }
        var type = r.String();
        var actor = r.String();
        var nonce = r.Int64();
        var ts = r.Int64();
        var signer = r.Bytes();
        var count = r.Int64();
        if (count is < 0 or > MaxPayloadEntries)
        {
            throw new FormatException("bad payload count");
        }
        var payload = new Dictionary<string, string>(StringComparer.Ordinal);
        string? previous = null;
        for (var i = 0; i < count; i++)
        {
            var k = r.String();
            if (previous is not null && string.CompareOrdinal(previous, k) >= 0)
            {
                throw new FormatException("payload keys are not sorted and unique");
            }
            payload[k] = r.String();
            previous = k;
        }
        r.End();
        var tx = new LedgerTransaction(type, actor, nonce, ts, signer, payload, signature) { _signingBytes = signingBytes };
        return tx;
    }
}

/// <summary>Reads what <see cref="CanonicalWriter"/> writes.</summary>
internal ref struct CanonicalReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public string String() => Encoding.UTF8.GetString(Chunk());

    public byte[] Bytes() => Chunk().ToArray();

    public long Int64()
    {
        Need(8);
        var v = BinaryPrimitives.ReadInt64BigEndian(_data[_pos..]);
        _pos += 8;
        return v;
    }

    public bool Bool()
    {
        Need(1);
        return _data[_pos++] switch
        {
            0 => false,
            1 => true,
            _ => throw new FormatException("bad bool"),
        };
    }

    public readonly void End()
    {
        if (_pos != _data.Length)
        {
            throw new FormatException("trailing bytes");
        }
    }

    private ReadOnlySpan<byte> Chunk()
    {
        Need(4);
        var len = BinaryPrimitives.ReadUInt32BigEndian(_data[_pos..]);
        _pos += 4;
        if (len > int.MaxValue)
        {
            throw new FormatException("length out of range");
        }
        Need((int)len);
        var s = _data.Slice(_pos, (int)len);
        _pos += (int)len;
        return s;
    }

    private readonly void Need(int n)
    {
        if (_data.Length - _pos < n)
        {
            throw new FormatException("truncated canonical encoding");
        }
    }
}
