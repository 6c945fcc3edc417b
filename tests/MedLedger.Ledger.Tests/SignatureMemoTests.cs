namespace MedLedger.Ledger.Tests;

/// <summary>A remembered signature answers only for exactly the key, bytes and signature that verified; nothing else passes through it.</summary>
public sealed class SignatureMemoTests : IDisposable
{
    private readonly LedgerSigningKey _key = new(LedgerCrypto.GenerateKeyPair().PrivateKey);
    private readonly LedgerSigningKey _other = new(LedgerCrypto.GenerateKeyPair().PrivateKey);

    public void Dispose()
    {
        _key.Dispose();
        _other.Dispose();
    }

    [Fact]
    public void A_verified_signature_is_remembered_and_answers_again()
    {
        var memo = new SignatureMemo();
        var data = "block 7"u8.ToArray();
        var signature = _key.Sign(data);
        Assert.True(memo.Verify(_key.PublicKey, data, signature));
        Assert.Equal(1, memo.Count);
        Assert.True(memo.Verify(_key.PublicKey, data, signature));
        Assert.Equal(1, memo.Count);
    }

    [Fact]
    public void After_a_hit_any_change_to_key_bytes_or_signature_is_verified_for_real_and_refused()
    {
        var memo = new SignatureMemo();
        var data = "block 7"u8.ToArray();
        var signature = _key.Sign(data);
        Assert.True(memo.Verify(_key.PublicKey, data, signature));

        var otherData = "block 8"u8.ToArray();
        var flipped = (byte[])signature.Clone();
        flipped[^1] ^= 1;
        Assert.False(memo.Verify(_key.PublicKey, otherData, signature));
        Assert.False(memo.Verify(_key.PublicKey, data, flipped));
        Assert.False(memo.Verify(_other.PublicKey, data, signature));
        Assert.False(memo.Verify(_key.PublicKey[..64], data, signature));
        Assert.False(memo.Verify(_key.PublicKey, data, null));
        // Failures are not remembered: only the one good signature is held.
        Assert.Equal(1, memo.Count);
    }

    [Fact]
    public void An_own_signature_answers_for_exactly_its_bytes_and_nothing_near_them()
    {
        var memo = new SignatureMemo();
        var tx = LedgerTransaction.Create("records.write", "u1", LedgerTransaction.RandomNonce(), 1_700_000_000_000,
            new Dictionary<string, string> { ["recordId"] = "r1" }, _key.PublicKey, b => _key.Sign(b));
        memo.RememberOwn(tx.SignerPublicKey, tx.SigningBytes, tx.Signature);
        Assert.Equal(1, memo.Count);
        Assert.True(tx.VerifySignature(memo));

        // The same transaction id space, other bytes or another signer: verified for real.
        var flipped = (byte[])tx.Signature.Clone();
        flipped[^1] ^= 1;
        Assert.False(memo.Verify(tx.SignerPublicKey, tx.SigningBytes, flipped));
        Assert.False(memo.Verify(_other.PublicKey, tx.SigningBytes, tx.Signature));
        Assert.False(memo.Verify(tx.SignerPublicKey, tx.SigningBytes[..^1], tx.Signature));
        Assert.Equal(1, memo.Count);
        Assert.Throws<ArgumentException>(() => memo.RememberOwn(tx.SignerPublicKey[..64], tx.SigningBytes, tx.Signature));
        Assert.Throws<ArgumentException>(() => memo.RememberOwn(tx.SignerPublicKey, tx.SigningBytes, tx.Signature[..63]));
    }

    [Fact]
    public void A_full_memo_starts_again_and_still_answers_correctly()
    {
        var memo = new SignatureMemo(capacity: 3);
        var items = Enumerable.Range(0, 5).Select(i => new[] { (byte)i }).Select(d => (Data: d, Signature: _key.Sign(d))).ToList();
        foreach (var (d, s) in items)
        {
            Assert.True(memo.Verify(_key.PublicKey, d, s));
        }
        Assert.InRange(memo.Count, 1, 3);
        Assert.All(items, i => Assert.True(memo.Verify(_key.PublicKey, i.Data, i.Signature)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SignatureMemo(0));
    }

    [Fact]
    public void A_certificate_judged_with_a_memo_is_judged_the_same_as_without()
    {
        var peers = new[] { ("a", _key), ("b", _other) };
        var view = new ConsortiumView(peers.Select(p => new ConsortiumMember(p.Item1, p.Item2.PublicKey)), 2);
        var header = BlockHeader.CreateV2(3, new byte[32], 2, 10, new byte[32], new byte[32], 1_700_000_000_000, "a", 0, "a", _key);
        var both = header with { Certificate = [new PeerSignature("a", _key.Sign(header.SigningBytes())), new PeerSignature("b", _other.Sign(header.SigningBytes()))] };
        var forgedB = header with { Certificate = [both.Certificate![0], new PeerSignature("b", _key.Sign(header.SigningBytes()))] };
        var memo = new SignatureMemo();

        Assert.Null(view.VerifyCertificate(both, memo));
        Assert.Null(view.VerifyCertificate(both, memo));
        // a's signature is remembered, but b's slot now holds a's key's signature: still only one member signed.
        Assert.NotNull(view.VerifyCertificate(forgedB, memo));
        Assert.Equal(view.VerifyCertificate(forgedB), view.VerifyCertificate(forgedB, memo));
        // A header with other bytes under the same signatures is not certified by what the memo holds.
        var moved = both with { TreeSize = 11 };
        Assert.NotNull(view.VerifyCertificate(moved, memo));
    }
}
