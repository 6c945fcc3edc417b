using System.Security.Cryptography;
using System.Text.Json.Serialization;
using MedLedger.Crypto;

namespace MedLedger.Ledger;

/// <summary>
/// A signed block header; with its signature it is the log's signed tree head. Canonical bytes:
/// <code>
/// CanonicalWriter("medledger.ledger.block.v1")
///   .Int64(height).Bytes(previousHash).Int64(transactionCount).Int64(treeSize).Bytes(rootHash)
///   .Bytes(stateRoot).Int64(timeMs).String(peerId)
/// </code>
/// Hash = SHA-256 of those bytes (the signature is not hashed; it signs exactly those bytes).
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
    byte[] Signature)
{
    public const string Domain = "medledger.ledger.block.v1";

    /// <summary>Index of the block's first transaction in the log.</summary>
    [JsonIgnore]
    public long FirstIndex => TreeSize - TransactionCount;

    public byte[] SigningBytes() => ComputeSigningBytes(Height, PreviousHash, TransactionCount, TreeSize, RootHash, StateRoot, TimeMs, PeerId);

    public byte[] Hash() => SHA256.HashData(SigningBytes());

    public bool VerifySignature(byte[] peerPublicKey) => LedgerCrypto.Verify(peerPublicKey, SigningBytes(), Signature);

    internal static byte[] ComputeSigningBytes(long height, byte[] previousHash, long count, long treeSize, byte[] root,
        byte[] stateRoot, long timeMs, string peerId) =>
        new CanonicalWriter(Domain).Int64(height).Bytes(previousHash).Int64(count).Int64(treeSize).Bytes(root)
            .Bytes(stateRoot).Int64(timeMs).String(peerId).ToArray();

    internal static BlockHeader Create(long height, byte[] previousHash, long count, long treeSize, byte[] root,
        byte[] stateRoot, long timeMs, string peerId, LedgerSigningKey key)
    {
        var bytes = ComputeSigningBytes(height, previousHash, count, treeSize, root, stateRoot, timeMs, peerId);
        return new BlockHeader(height, previousHash, count, treeSize, root, stateRoot, timeMs, peerId, key.Sign(bytes));
    }
}

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
        if (!tx.VerifySignature())
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
