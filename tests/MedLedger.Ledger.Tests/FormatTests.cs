using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MedLedger.Ledger.Ordering;

namespace MedLedger.Ledger.Tests;

/// <summary>Pins the documented byte layouts (docs/ledger.md) with an encoder written independently here.</summary>
public class FormatTests
{
    private static void Str(List<byte> b, string s) => Blob(b, Encoding.UTF8.GetBytes(s));

    private static void Blob(List<byte> b, byte[] v)
    {
        var len = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(len, (uint)v.Length);
        b.AddRange(len);
        b.AddRange(v);
    }

    private static void I64(List<byte> b, long v)
    {
        var x = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(x, v);
        b.AddRange(x);
    }

    [Fact]
    public void Transaction_bytes_id_and_leaf_follow_the_documented_layout()
    {
        var (priv, pub) = LedgerCrypto.GenerateKeyPair();
        var tx = LedgerTransaction.Create("records.write", "u-1", 42, 1_700_000_000_123,
            new Dictionary<string, string> { ["recordId"] = "r-9", ["hash"] = "ab01", ["Zeta"] = "1" }, priv);
        var expected = new List<byte>();
        Str(expected, "medledger.ledger.tx.v1");
        Str(expected, "records.write");
        Str(expected, "u-1");
        I64(expected, 42);
        I64(expected, 1_700_000_000_123);
        Blob(expected, pub);
        I64(expected, 3);
        foreach (var (k, v) in new[] { ("Zeta", "1"), ("hash", "ab01"), ("recordId", "r-9") }) // ordinal: 'Z' < 'h' < 'r'
        {
            Str(expected, k);
            Str(expected, v);
        }
        Assert.Equal(expected.ToArray(), tx.SigningBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected.ToArray())), tx.Id);
        Assert.True(LedgerCrypto.Verify(pub, expected.ToArray(), tx.Signature));
        Assert.Equal(64, tx.Signature.Length);

        var entry = new List<byte>();
        Str(entry, "medledger.ledger.entry.v1");
        Blob(entry, expected.ToArray());
        Blob(entry, tx.Signature);
        entry.Add(1);
        Assert.Equal(SHA256.HashData([0, .. entry]), tx.LeafHash(true));
        Assert.NotEqual(tx.LeafHash(true), tx.LeafHash(false));

        // Re-signing changes the signature, not the id.
        var again = LedgerTransaction.Create(tx.Type, tx.ActorId, tx.Nonce, tx.TimestampMs, tx.Payload, priv);
        Assert.Equal(tx.Id, again.Id);
        Assert.NotEqual(tx.Signature, again.Signature);

        var parsed = LedgerTransaction.FromSigningBytes(tx.SigningBytes, tx.Signature);
        Assert.Equal(tx.Id, parsed.Id);
        Assert.Equal(tx.Payload, parsed.Payload);
        Assert.True(parsed.VerifySignature());
        Assert.Throws<FormatException>(() => LedgerTransaction.FromSigningBytes(tx.SigningBytes[..^1], tx.Signature));
        Assert.Throws<FormatException>(() => LedgerTransaction.FromSigningBytes([.. tx.SigningBytes, 0], tx.Signature));
    }

    [Fact]
    public void Tampered_transactions_and_free_text_are_caught()
    {
        var (priv, _) = LedgerCrypto.GenerateKeyPair();
        var tx = LedgerTransaction.Create("t.x", "u-1", 1, 2, new Dictionary<string, string> { ["a"] = "1" }, priv);
        Assert.True(tx.VerifySignature());
        var other = new LedgerTransaction(tx.Type, tx.ActorId, tx.Nonce, tx.TimestampMs, tx.SignerPublicKey,
            new Dictionary<string, string> { ["a"] = "2" }, tx.Signature);
        Assert.False(other.VerifySignature());
        var badSig = (byte[])tx.Signature.Clone();
        badSig[0] ^= 1;
        Assert.False(new LedgerTransaction(tx.Type, tx.ActorId, tx.Nonce, tx.TimestampMs, tx.SignerPublicKey, tx.Payload, badSig).VerifySignature());
        Assert.False(LedgerCrypto.Verify(new byte[65], tx.SigningBytes, tx.Signature)); // not a curve point: false, no throw
        Assert.False(LedgerCrypto.Verify(null, tx.SigningBytes, tx.Signature));
        Assert.Null(tx.CheckWellFormed());
        Assert.NotNull(LedgerTransaction.Create("t.x", "u-1", 1, 2, new Dictionary<string, string> { ["diagnosis"] = "Type 2 diabetes" }, priv).CheckWellFormed());
        Assert.NotNull(LedgerTransaction.Create("t.x", "u 1", 1, 2, new Dictionary<string, string>(), priv).CheckWellFormed());
        Assert.NotNull(LedgerTransaction.Create("t.x", "u-1", 1, 2, Enumerable.Range(0, 65).ToDictionary(i => "k" + i, i => "v"), priv).CheckWellFormed());
    }

    [Fact]
    public void Header_bytes_follow_the_documented_layout_and_sign()
    {
        var (priv, pub) = LedgerCrypto.GenerateKeyPair();
        using var key = new LedgerSigningKey(priv);
        var prev = new byte[32];
        var root = SHA256.HashData([1]);
        var state = SHA256.HashData([2]);
        var h = BlockHeader.Create(3, prev, 2, 10, root, state, 1_700_000_000_000, "peer-1", key);
        var expected = new List<byte>();
        Str(expected, "medledger.ledger.block.v1");
        I64(expected, 3);
        Blob(expected, prev);
        I64(expected, 2);
        I64(expected, 10);
        Blob(expected, root);
        Blob(expected, state);
        I64(expected, 1_700_000_000_000);
        Str(expected, "peer-1");
        Assert.Equal(expected.ToArray(), h.SigningBytes());
        Assert.Equal(SHA256.HashData(expected.ToArray()), h.Hash());
        Assert.True(h.VerifySignature(pub));
        Assert.False((h with { TreeSize = 11 }).VerifySignature(pub));
        Assert.Equal(8, h.FirstIndex);
    }

    [Fact]
    public void Block_header_v2_names_proposer_and_revision_and_no_signer()
    {
        var prev = Enumerable.Repeat((byte)7, 32).ToArray();
        var root = Enumerable.Repeat((byte)9, 32).ToArray();
        var state = Enumerable.Repeat((byte)5, 32).ToArray();
        var (priv, pub) = LedgerCrypto.GenerateKeyPair();
        using var key = new LedgerSigningKey(priv);
        var h = BlockHeader.CreateV2(3, prev, 2, 10, root, state, 1_700_000_000_000, "hospital-a", 4242, "insurer-c", key);
        var expected = new List<byte>();
        Str(expected, "medledger.ledger.block.v2");
        I64(expected, 3);
        Blob(expected, prev);
        I64(expected, 2);
        I64(expected, 10);
        Blob(expected, root);
        Blob(expected, state);
        I64(expected, 1_700_000_000_000);
        Str(expected, "hospital-a");
        I64(expected, 4242);
        Assert.Equal(expected.ToArray(), h.SigningBytes());
        Assert.Equal(SHA256.HashData(expected.ToArray()), h.Hash());
        // The signer is not in the bytes: another peer's signature over the same block gives the same hash.
        var (priv2, _) = LedgerCrypto.GenerateKeyPair();
        using var key2 = new LedgerSigningKey(priv2);
        var other = BlockHeader.CreateV2(3, prev, 2, 10, root, state, 1_700_000_000_000, "hospital-a", 4242, "hospital-b", key2);
        Assert.Equal(h.Hash(), other.Hash());
        Assert.True(h.VerifySignature(pub));
        Assert.Equal([new PeerSignature("insurer-c", h.Signature)], h.Certificate!);
        Assert.False((h with { OrderingRevision = 4243 }).VerifySignature(pub));
        Assert.False((h with { Version = 1 }).VerifySignature(pub));
        Assert.False((h with { Version = 3 }).VerifySignature(pub));
        Assert.Throws<FormatException>(() => (h with { Version = 3 }).SigningBytes());
    }

    [Fact]
    public void Consortium_bytes_sort_members_and_the_fingerprint_is_their_hash()
    {
        var a = LedgerCrypto.GenerateKeyPair().PublicKey;
        var b = LedgerCrypto.GenerateKeyPair().PublicKey;
        var c = LedgerCrypto.GenerateKeyPair().PublicKey;
        var view = new ConsortiumView([new("peer-c", c), new("peer-a", a), new("peer-b", b)]);
        var expected = new List<byte>();
        Str(expected, "medledger.ledger.consortium.v1");
        I64(expected, 2);
        I64(expected, 3);
        Str(expected, "peer-a");
        Blob(expected, a);
        Str(expected, "peer-b");
        Blob(expected, b);
        Str(expected, "peer-c");
        Blob(expected, c);
        Assert.Equal(expected.ToArray(), view.CanonicalBytes());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected.ToArray()))[..32], view.Fingerprint);
        Assert.NotEqual(view.Fingerprint, new ConsortiumView(view.Members, 3).Fingerprint);
    }

    [Fact]
    public void State_root_chains_sorted_writes()
    {
        var w1 = new SortedDictionary<string, string?>(StringComparer.Ordinal) { ["b"] = "2", ["a"] = null };
        var r1 = BlockProcessor.NextStateRoot(new byte[32], w1);
        var expected = new List<byte>();
        Str(expected, "medledger.ledger.state.v1");
        Blob(expected, new byte[32]);
        I64(expected, 2);
        Str(expected, "a");
        expected.Add(0);
        Str(expected, "b");
        expected.Add(1);
        Str(expected, "2");
        Assert.Equal(SHA256.HashData(expected.ToArray()), r1);
        Assert.NotEqual(r1, BlockProcessor.NextStateRoot(SHA256.HashData([9]), w1));
    }

    [Fact]
    public async Task Embedded_orderer_cuts_by_size_and_keeps_order()
    {
        var (priv, _) = LedgerCrypto.GenerateKeyPair();
        await using var ordering = new EmbeddedOrderingService(3, TimeSpan.FromSeconds(5));
        var txs = Enumerable.Range(0, 7).Select(i => LedgerTransaction.Create("t.x", "u-1", i, 0, new Dictionary<string, string>(), priv)).ToList();
        foreach (var t in txs)
        {
            await ordering.EnqueueAsync(t, default);
        }
        ordering.Complete();
        var batches = new List<OrderedBatch>();
        await foreach (var b in ordering.ReadBatchesAsync(default))
        {
            batches.Add(b);
        }
        Assert.Equal([3, 3, 1], batches.Select(b => b.Transactions.Count));
        Assert.Equal(txs.Select(t => t.Nonce), batches.SelectMany(b => b.Transactions).Select(t => t.Nonce));
        Assert.All(batches, b => Assert.True(b.SignaturesVerified));
    }
}
