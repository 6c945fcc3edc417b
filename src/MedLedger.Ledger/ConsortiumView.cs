using System.Security.Cryptography;
using MedLedger.Crypto;

namespace MedLedger.Ledger;

/// <summary>A consortium member: a peer id and its 65-byte SEC1 P-256 ledger key.</summary>
public sealed record ConsortiumMember(string PeerId, byte[] PublicKey);

/// <summary>
/// The peers a client (or a peer) trusts to certify blocks, and how many must agree. A header is
/// certified when at least <see cref="Threshold"/> distinct members signed its signing bytes; a
/// signature by anyone else, a second signature by one member, or one over other bytes counts for
/// nothing. The single embedded peer is the consortium of one with threshold 1, so the same check
/// covers both deployments. Membership is pinned by the client (configuration, not the server's word).
/// Canonical bytes (the fingerprint is the first 32 hex digits of their SHA-256):
/// <code>
/// CanonicalWriter("medledger.ledger.consortium.v1").Int64(threshold).Int64(n)
///   then per member, sorted by peer id (ordinal): .String(peerId).Bytes(publicKey)
/// </code>
/// </summary>
public sealed class ConsortiumView
{
    public const string Domain = "medledger.ledger.consortium.v1";

    private readonly Dictionary<string, byte[]> _keys;

    /// <summary>Throws <see cref="ArgumentException"/> unless ids and keys are unique and valid and the threshold is a majority (1 ≤ n/2 &lt; k ≤ n).</summary>
    public ConsortiumView(IEnumerable<ConsortiumMember> members, int? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        var list = members.OrderBy(m => m.PeerId, StringComparer.Ordinal).ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("A consortium needs at least one member.", nameof(members));
        }
        _keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var seenKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in list)
        {
            if (m is null || !LedgerTransaction.IsName(m.PeerId) || m.PeerId.Length > 64)
            {
                throw new ArgumentException("Every member needs a short peer id of [A-Za-z0-9._:@-].", nameof(members));
            }
            if (m.PublicKey is not { Length: LedgerCrypto.PublicKeySize } || m.PublicKey[0] != 4)
            {
                throw new ArgumentException($"Member '{m.PeerId}' has no 65-byte SEC1 P-256 public key.", nameof(members));
            }
            if (!_keys.TryAdd(m.PeerId, m.PublicKey.ToArray()))
            {
                throw new ArgumentException($"Member '{m.PeerId}' is listed twice.", nameof(members));
            }
            if (!seenKeys.Add(Convert.ToBase64String(m.PublicKey)))
            {
                throw new ArgumentException($"Member '{m.PeerId}' shares its key with another member.", nameof(members));
            }
        }
        var k = threshold ?? MajorityOf(list.Count);
        if (k < 1 || k > list.Count || k <= list.Count / 2)
        {
            // Two certificates for different headers at one height need two overlapping majorities,
            // so at least one member signed both: that member's two signatures are the evidence.
            throw new ArgumentOutOfRangeException(nameof(threshold), $"The threshold must be a majority of the {list.Count} members ({MajorityOf(list.Count)}..{list.Count}).");
        }
        Members = list.Select(m => new ConsortiumMember(m.PeerId, _keys[m.PeerId])).ToList();
        Threshold = k;
    }

    /// <summary>Members sorted by peer id.</summary>
    public IReadOnlyList<ConsortiumMember> Members { get; }

    /// <summary>Signatures of distinct members a header needs (k).</summary>
    public int Threshold { get; }

    /// <summary>The smallest majority of <paramref name="members"/>: 1 → 1, 3 → 2, 4 → 3.</summary>
    public static int MajorityOf(int members) => (members / 2) + 1;

    /// <summary>The embedded deployment: one peer, threshold 1.</summary>
    public static ConsortiumView Single(string peerId, byte[] publicKey) => new([new ConsortiumMember(peerId, publicKey)], 1);

    /// <summary>The member's key, or null for a non-member.</summary>
    public byte[]? KeyOf(string peerId) => _keys.GetValueOrDefault(peerId);

    public bool IsMember(string peerId) => _keys.ContainsKey(peerId);

    public byte[] CanonicalBytes()
    {
        var w = new CanonicalWriter(Domain).Int64(Threshold).Int64(Members.Count);
        foreach (var m in Members)
        {
            w.String(m.PeerId).Bytes(m.PublicKey);
        }
        return w.ToArray();
    }

    /// <summary>First 32 hex digits of SHA-256 over <see cref="CanonicalBytes"/>: what a user compares out of band.</summary>
    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(CanonicalBytes()))[..32];

    /// <summary>
    /// Distinct members whose signature in the header's certificate verifies over its signing bytes.
    /// A header without a certificate is judged by its one <see cref="BlockHeader.Signature"/>, credited to
    /// the first member whose key verifies it. Never throws.
    /// </summary>
    public IReadOnlyList<string> Signers(BlockHeader header, SignatureMemo? memo = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        var signers = new List<string>();
        if (header.Version is not (1 or 2))
        {
            return signers;
        }
        if (header.Certificate is { Count: > 0 } certificate)
        {
            foreach (var s in certificate)
            {
                if (s?.PeerId is null || signers.Contains(s.PeerId, StringComparer.Ordinal) || KeyOf(s.PeerId) is not { } key)
                {
                    continue;
                }
                if (header.VerifySignature(key, s.Signature, memo))
                {
                    signers.Add(s.PeerId);
                }
            }
            return signers;
        }
        foreach (var m in Members)
        {
            if (header.VerifySignature(m.PublicKey, header.Signature, memo))
            {
                signers.Add(m.PeerId);
                break;
            }
        }
        return signers;
    }

    /// <summary>Null when the header is certified (≥ <see cref="Threshold"/> distinct members signed it), otherwise the reason.</summary>
    public string? VerifyCertificate(BlockHeader header, SignatureMemo? memo = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header.Version is not (1 or 2))
        {
            return $"unknown block header version {header.Version}";
        }
        var n = Signers(header, memo).Count;
        return n >= Threshold
            ? null
            : Members.Count == 1
                ? "head signature does not verify with the peer key"
                : $"the head carries valid signatures of {n} distinct consortium members; {Threshold} of {Members.Count} are needed";
    }

    /// <summary>This view plus one member under a new threshold (validated like any view).</summary>
    public ConsortiumView WithMember(ConsortiumMember member, int threshold)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (IsMember(member.PeerId))
        {
            throw new ArgumentException($"'{member.PeerId}' is already a member.", nameof(member));
        }
        return new ConsortiumView(Members.Append(member), threshold);
    }

    /// <summary>True when both views have the same members, keys and threshold.</summary>
    public bool SameAs(ConsortiumView other) => other is not null && CanonicalBytes().AsSpan().SequenceEqual(other.CanonicalBytes());

    /// <summary>
    /// Parses <see cref="CanonicalBytes"/> (the form a genesis transaction and the ledger state carry).
    /// Throws <see cref="FormatException"/> for anything that is not exactly one valid view.
    /// </summary>
    public static ConsortiumView FromCanonicalBytes(ReadOnlySpan<byte> bytes)
    {
        var r = new Reader(bytes);
        if (r.String() != Domain)
        {
            throw new FormatException("not a consortium view (domain tag)");
        }
        var k = r.Int64();
        var n = r.Int64();
        if (n is < 1 or > 64 || k is < 1 or > 64)
        {
            throw new FormatException("member count or threshold out of range");
        }
        var members = new List<ConsortiumMember>((int)n);
        for (var i = 0; i < n; i++)
        {
            members.Add(new ConsortiumMember(r.String(), r.Bytes()));
        }
        if (!r.AtEnd)
        {
            throw new FormatException("trailing bytes after the consortium view");
        }
        ConsortiumView view;
        try
        {
            view = new ConsortiumView(members, (int)k);
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }
        // Canonical means one encoding per view: members must already be in sorted order.
        if (!view.CanonicalBytes().AsSpan().SequenceEqual(bytes))
        {
            throw new FormatException("consortium view bytes are not canonical");
        }
        return view;
    }

    /// <summary>Reads the CanonicalWriter encoding (u32 big-endian lengths, int64 big-endian).</summary>
    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private ReadOnlySpan<byte> _rest = bytes;

        public readonly bool AtEnd => _rest.IsEmpty;

        public long Int64()
        {
            var v = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(Take(8));
            return v;
        }

        public byte[] Bytes() => Take(Length()).ToArray();

        public string String()
        {
            try
            {
                return new System.Text.UTF8Encoding(false, true).GetString(Take(Length()));
            }
            catch (ArgumentException e)
            {
                throw new FormatException("invalid UTF-8", e);
            }
        }

        private int Length()
        {
            var n = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Take(4));
            return n > (uint)_rest.Length ? throw new FormatException("length runs past the end") : (int)n;
        }

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n > _rest.Length)
            {
                throw new FormatException("truncated consortium view");
            }
            var head = _rest[..n];
            _rest = _rest[n..];
            return head;
        }
    }
}
