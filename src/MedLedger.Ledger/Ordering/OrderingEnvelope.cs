using System.Buffers.Binary;
using MedLedger.Crypto;

namespace MedLedger.Ledger.Ordering;

/// <summary>
/// Where an ordered batch came from in a shared orderer: the orderer's position (etcd revision),
/// the peer that proposed it and the proposer's time. Every peer builds the block's header from
/// these (not from its own clock or id), so all peers compute the same header hash.
/// </summary>
public sealed record OrderingPosition(long Revision, string ProposerId, long TimeMs);

/// <summary>
/// One peer's signed batch for a shared orderer (docs/ledger.md, "Ordering on etcd"). Signed bytes:
/// <code>
/// CanonicalWriter("medledger.ledger.envelope.v1")
///   .String(peerId).Int64(timeMs).Int64(count) then per transaction .Bytes(txSigningBytes).Bytes(txSignature)
/// </code>
/// Stored value: u32 big-endian length of the signed bytes, the signed bytes, then the 64-byte
/// P1363 P-256 signature of the proposing peer's ledger key.
/// </summary>
public sealed class OrderingEnvelope
{
    public const string Domain = "medledger.ledger.envelope.v1";
    public const int MaxTransactions = 1000;
    /// <summary>Envelopes stay below 1 MiB so one fits etcd's request limit with room for the key and framing.</summary>
    public const int MaxBytes = 1024 * 1024 - 4096;
    /// <summary>What a batch may hold before the envelope framing (domain, ids, counts, signature).</summary>
    public const int FramingBytes = 512;

    private OrderingEnvelope(string peerId, long timeMs, IReadOnlyList<LedgerTransaction> transactions, byte[] signedBytes, byte[] signature)
    {
        PeerId = peerId;
        TimeMs = timeMs;
        Transactions = transactions;
        SignedBytes = signedBytes;
        Signature = signature;
    }

    public string PeerId { get; }
    public long TimeMs { get; }
    public IReadOnlyList<LedgerTransaction> Transactions { get; }
    public byte[] SignedBytes { get; }
    public byte[] Signature { get; }

    /// <summary>Bytes one transaction adds to an envelope (two length-prefixed fields).</summary>
    public static int SizeOf(LedgerTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return 8 + transaction.SigningBytes.Length + transaction.Signature.Length;
    }

    public static OrderingEnvelope Create(string peerId, long timeMs, IReadOnlyList<LedgerTransaction> transactions, LedgerSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentNullException.ThrowIfNull(key);
        if (transactions.Count is 0 or > MaxTransactions)
        {
            throw new ArgumentException($"An envelope holds 1-{MaxTransactions} transactions.", nameof(transactions));
        }
        var w = new CanonicalWriter(Domain).String(peerId).Int64(timeMs).Int64(transactions.Count);
        foreach (var tx in transactions)
        {
            w.Bytes(tx.SigningBytes).Bytes(tx.Signature);
        }
        var signed = w.ToArray();
        var envelope = new OrderingEnvelope(peerId, timeMs, transactions, signed, key.Sign(signed));
        if (envelope.Encode().Length > MaxBytes)
        {
            throw new ArgumentException($"An envelope must stay below {MaxBytes} bytes.", nameof(transactions));
        }
        return envelope;
    }

    public byte[] Encode()
    {
        var value = new byte[4 + SignedBytes.Length + Signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(value, (uint)SignedBytes.Length);
        SignedBytes.CopyTo(value, 4);
        Signature.CopyTo(value, 4 + SignedBytes.Length);
        return value;
    }

    /// <summary>Parses a stored value; throws <see cref="FormatException"/> for anything malformed (the signature is checked by <see cref="VerifySignature"/>).</summary>
    public static OrderingEnvelope Decode(ReadOnlySpan<byte> value)
    {
        if (value.Length > MaxBytes || value.Length < 4 + LedgerCrypto.SignatureSize)
        {
            throw new FormatException("envelope size out of range");
        }
        var len = BinaryPrimitives.ReadUInt32BigEndian(value);
        if (len != value.Length - 4 - LedgerCrypto.SignatureSize)
        {
            throw new FormatException("envelope length does not match");
        }
        var signed = value.Slice(4, (int)len).ToArray();
        var signature = value[(4 + (int)len)..].ToArray();
        var r = new CanonicalReader(signed);
        if (r.String() != Domain)
        {
            throw new FormatException("not a MedLedger ordering envelope");
        }
        var peerId = r.String();
        var time = r.Int64();
        var count = r.Int64();
        if (count is <= 0 or > MaxTransactions)
        {
            throw new FormatException("bad transaction count");
        }
        var txs = new List<LedgerTransaction>((int)count);
        for (var i = 0; i < count; i++)
        {
            var bytes = r.Bytes();
            var sig = r.Bytes();
            txs.Add(LedgerTransaction.FromSigningBytes(bytes, sig));
        }
        r.End();
        return new OrderingEnvelope(peerId, time, txs, signed, signature);
    }

    public bool VerifySignature(byte[] peerPublicKey) => LedgerCrypto.Verify(peerPublicKey, SignedBytes, Signature);
}
