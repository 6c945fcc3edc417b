using System.Buffers.Binary;

namespace MedLedger.Ledger.Ordering;

/// <summary>
/// Where consortium members publish their block signatures and read each other's (docs/ledger.md, "Commit
/// certificates"). A shared orderer that can carry them implements this beside <see cref="IOrderingService"/>
/// (EtcdOrderingService: create-once keys under /medledger/certificates/&lt;peerId&gt;/); the peer verifies and
/// matches what it reads, the exchange only moves bytes.
/// </summary>
public interface ICertificateExchange
{
    /// <summary>Publishes this peer's signature over the block at <paramref name="height"/> once (a retry finds it present and writes nothing).</summary>
    Task PublishAsync(long height, byte[] value, CancellationToken ct);

    /// <summary>
    /// Publishes the signatures of several heights (a group commit) at once, each create-once on its own: a height
    /// already published keeps its first value and the rest are still written. The default publishes one by one;
    /// an exchange that can batch (etcd: one Txn) saves a round trip per height.
    /// </summary>
    async Task PublishAsync(IReadOnlyList<(long Height, byte[] Value)> signatures, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        foreach (var (height, value) in signatures)
        {
            await PublishAsync(height, value, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The highest height this peer has published (0 for none): a restarted peer republishes what follows.</summary>
    Task<long> LastPublishedHeightAsync(CancellationToken ct);

    /// <summary>Everyone's published signatures after <paramref name="afterRevision"/>, in the exchange's order; waits for new ones until cancelled.</summary>
    IAsyncEnumerable<PublishedSignature> ReadSignaturesAsync(long afterRevision, CancellationToken ct);
}

/// <summary>One published value: the member whose prefix it sits under, the bytes, and its position in the exchange.</summary>
public sealed record PublishedSignature(string PeerId, byte[] Value, long Revision);

/// <summary>
/// A member's signature as published: u32 big-endian length of the header's signing bytes, the bytes, then the
/// 64-byte P1363 signature. Carrying the signed bytes (not just a hash) makes a signature over a header no honest
/// peer computed non-repudiable evidence on its own.
/// </summary>
public sealed record SignedHeader(byte[] HeaderBytes, byte[] Signature)
{
    public byte[] Encode()
    {
        var value = new byte[4 + HeaderBytes.Length + Signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(value, (uint)HeaderBytes.Length);
        HeaderBytes.CopyTo(value, 4);
        Signature.CopyTo(value, 4 + HeaderBytes.Length);
        return value;
    }

    /// <summary>Throws <see cref="FormatException"/> unless the value frames a v1/v2 header and a 64-byte signature.</summary>
    public static SignedHeader Decode(ReadOnlySpan<byte> value)
    {
        if (value.Length < 4 + LedgerCrypto.SignatureSize || value.Length > 64 * 1024)
        {
            throw new FormatException("signed header size out of range");
        }
        var len = BinaryPrimitives.ReadUInt32BigEndian(value);
        if (len != value.Length - 4 - LedgerCrypto.SignatureSize)
        {
            throw new FormatException("signed header length does not match");
        }
        var signed = new SignedHeader(value.Slice(4, (int)len).ToArray(), value[(4 + (int)len)..].ToArray());
        _ = signed.Height();
        return signed;
    }

    /// <summary>The height the signed bytes name; throws <see cref="FormatException"/> for bytes that are not a block header.</summary>
    public long Height()
    {
        var r = new CanonicalReader(HeaderBytes);
        var domain = r.String();
        if (domain is not (BlockHeader.Domain or BlockHeader.DomainV2))
        {
            throw new FormatException("not a MedLedger block header");
        }
        return r.Int64();
    }
}
