using System.Security.Cryptography;
using System.Text.Json.Serialization;
using MedLedger.Crypto;

namespace MedLedger.Ledger;

/// <summary>
/// A signed block header; with its signature(s) it is the log's signed tree head. Canonical bytes:
/// <code>
/// v1: CanonicalWriter("medledger.ledger.block.v1")
///       .Int64(height).Bytes(previousHash).Int64(transactionCount).Int64(treeSize).Bytes(rootHash)
///       .Bytes(stateRoot).Int64(timeMs).String(peerId)
/// v2: CanonicalWriter("medledger.ledger.block.v2")
///       ... the same fields ... .String(proposerId).Int64(orderingRevision)
/// </code>
/// v2 names the proposer (the peer whose envelope or whose own orderer made the block) and the shared
/// orderer's revision (0 for the embedded orderer), and no signer: every honest peer computes the same
/// v2 bytes from the same envelope, and each signs them. <see cref="PeerId"/> is the proposer in v2 (in v1
/// the signing peer, which is the proposer too). Hash = SHA-256 of the bytes; signatures are not hashed.
/// <see cref="Signature"/> is the serving peer's own signature; <see cref="Certificate"/> holds every
/// member signature the serving peer has collected (its own included) — see <see cref="ConsortiumView"/>.
/// Height starts at 1; block 1's previous hash is 32 zero bytes.
/// </summary>
public sealed record BlockHeader(
    long Height,
    byte[] PreviousHash,
    long TransactionCount,
    long TreeSize,
    byte[] RootHash,
    byte[] StateRoot,
    long TimeMs,
    string PeerId,
    byte[] Signature,
    int Version = 1,
    long OrderingRevision = 0)
{
    public const string Domain = "medledger.ledger.block.v1";
    public const string DomainV2 = "medledger.ledger.block.v2";

    /// <summary>Member signatures over <see cref="SigningBytes"/> (not hashed). Null or empty: only <see cref="Signature"/>.</summary>
    public IReadOnlyList<PeerSignature>? Certificate { get; init; }

    /// <summary>Index of the block's first transaction in the log.</summary>
    [JsonIgnore]
    public long FirstIndex => TreeSize - TransactionCount;

    public byte[] SigningBytes() => ComputeSigningBytes(Version, Height, PreviousHash, TransactionCount, TreeSize, RootHash, StateRoot, TimeMs, PeerId, OrderingRevision);

    public byte[] Hash() => SHA256.HashData(SigningBytes());

    /// <summary>False for a bad signature and for a header of an unknown version; never throws.</summary>
    public bool VerifySignature(byte[] peerPublicKey) => VerifySignature(peerPublicKey, Signature);

    /// <summary>
    /// Whether <paramref name="signature"/> is <paramref name="peerPublicKey"/>'s over these bytes; false for an unknown version.
    /// With a <paramref name="memo"/>, a signature this verifier already checked is not checked again.
    /// </summary>
    public bool VerifySignature(byte[] peerPublicKey, byte[]? signature, SignatureMemo? memo = null) =>
        Version is 1 or 2 && (Version == 2 || OrderingRevision == 0)
        && (memo is null ? LedgerCrypto.Verify(peerPublicKey, SigningBytes(), signature) : memo.Verify(peerPublicKey, SigningBytes(), signature));

    /// <summary>The header's bytes for a version; throws <see cref="FormatException"/> for an unknown version.</summary>
    public static byte[] ComputeSigningBytes(int version, long height, byte[] previousHash, long count, long treeSize, byte[] root,
        byte[] stateRoot, long timeMs, string peerId, long orderingRevision)
    {
        var w = version switch
        {
            1 => new CanonicalWriter(Domain),
            2 => new CanonicalWriter(DomainV2),
            _ => throw new FormatException($"unknown block header version {version}"),
        };
        w.Int64(height).Bytes(previousHash).Int64(count).Int64(treeSize).Bytes(root).Bytes(stateRoot).Int64(timeMs).String(peerId);
        if (version == 1)
        {
            if (orderingRevision != 0)
            {
                throw new FormatException("a v1 header has no ordering revision");
            }
        }
        else
        {
            w.Int64(orderingRevision);
        }
        return w.ToArray();
    }

    internal static byte[] ComputeSigningBytes(long height, byte[] previousHash, long count, long treeSize, byte[] root,
        byte[] stateRoot, long timeMs, string peerId) =>
        ComputeSigningBytes(1, height, previousHash, count, treeSize, root, stateRoot, timeMs, peerId, 0);

    internal static BlockHeader Create(long height, byte[] previousHash, long count, long treeSize, byte[] root,
        byte[] stateRoot, long timeMs, string peerId, LedgerSigningKey key)
    {
        var bytes = ComputeSigningBytes(height, previousHash, count, treeSize, root, stateRoot, timeMs, peerId);
        return new BlockHeader(height, previousHash, count, treeSize, root, stateRoot, timeMs, peerId, key.Sign(bytes));
    }

    /// <summary>A v2 header signed by <paramref name="signerId"/>'s key; the certificate starts with that one signature.</summary>
    public static BlockHeader CreateV2(long height, byte[] previousHash, long count, long treeSize, byte[] root,
        byte[] stateRoot, long timeMs, string proposerId, long orderingRevision, string signerId, LedgerSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var bytes = ComputeSigningBytes(2, height, previousHash, count, treeSize, root, stateRoot, timeMs, proposerId, orderingRevision);
        var signature = key.Sign(bytes);
        return new BlockHeader(height, previousHash, count, treeSize, root, stateRoot, timeMs, proposerId, signature, 2, orderingRevision)
        {
            Certificate = [new PeerSignature(signerId, signature)],
        };
    }
}

/// <summary>One consortium member's P-256 P1363 signature over a header's signing bytes.</summary>
public sealed record PeerSignature(string PeerId, byte[] Signature);

/// <summary>
/// Proof that a transaction was committed: the transaction, its verdict, its log position, the
/// signed head of the block that committed it, and the inclusion proof against that head.
/// Verifiable offline with only the peer's public key (<see cref="Verify"/>).
/// </summary>
public sealed record LedgerReceipt(
    string TransactionId,
    bool Valid,
    string? Reason,
    long BlockHeight,
    long LogIndex,
    byte[] LeafHash,
    BlockHeader Head,
    IReadOnlyList<byte[]> InclusionProof,
    byte[] TransactionBytes,
    byte[] TransactionSignature)
{
    /// <summary>SHA-256 of the signed head's bytes (what the next block links to).</summary>
    public byte[] HeaderHash => Head.Hash();

    /// <summary>Null when the receipt holds: the head is signed by the key, the transaction hashes to the leaf, the leaf is in the head's tree.</summary>
    public string? Verify(byte[] peerPublicKey)
    {
        if (Head is null || InclusionProof is null || TransactionBytes is null || TransactionSignature is null || LeafHash is null)
        {
            return "receipt is incomplete";
        }
        if (!Head.VerifySignature(peerPublicKey))
        {
            return "head signature does not verify with the peer key";
        }
        return VerifyBody();
    }

    /// <summary>
    /// Null when the receipt holds: the head carries the consortium's certificate (k member signatures), the transaction
    /// hashes to the leaf, the leaf is in the head's tree. With a <paramref name="memo"/>, signatures the same verifier
    /// already checked (the head's, most often) are not checked again.
    /// </summary>
    public string? Verify(ConsortiumView consortium, SignatureMemo? memo = null)
    {
        ArgumentNullException.ThrowIfNull(consortium);
        if (Head is null || InclusionProof is null || TransactionBytes is null || TransactionSignature is null || LeafHash is null)
        {
            return "receipt is incomplete";
        }
        if (consortium.VerifyCertificate(Head, memo) is { } bad)
        {
            return bad;
        }
        return VerifyBody(memo);
    }

    private string? VerifyBody(SignatureMemo? memo = null)
    {
        LedgerTransaction tx;
        try
        {
            tx = LedgerTransaction.FromSigningBytes(TransactionBytes, TransactionSignature);
        }
        catch (FormatException e)
        {
            return "transaction bytes do not parse: " + e.Message;
        }
        if (tx.Id != TransactionId)
        {
            return "transaction id does not match its bytes";
        }
        if (!tx.VerifySignature(memo))
        {
            return "transaction signature does not verify";
        }
        if (!tx.LeafHash(Valid).AsSpan().SequenceEqual(LeafHash))
        {
            return "leaf hash does not match the transaction and verdict";
        }
        if (LogIndex < Head.FirstIndex || LogIndex >= Head.TreeSize || BlockHeight != Head.Height)
        {
            return "log index is not inside the committing block";
        }
        return Rfc6962.VerifyInclusion(LogIndex, Head.TreeSize, LeafHash, InclusionProof, Head.RootHash)
            ? null
            : "inclusion proof does not verify against the signed root";
    }

    public LedgerTransaction Transaction() => LedgerTransaction.FromSigningBytes(TransactionBytes, TransactionSignature);
}
