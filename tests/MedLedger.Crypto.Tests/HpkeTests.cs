using System.Security.Cryptography;

namespace MedLedger.Crypto.Tests;

public class HpkeTests
{
    private static readonly (byte[] Sk, byte[] Pk) Recipient = Hpke.DeriveKeyPair(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    [Theory]
    [InlineData(HpkeAead.Aes128Gcm, 0)]
    [InlineData(HpkeAead.Aes128Gcm, 1)]
    [InlineData(HpkeAead.Aes256Gcm, 0)]
    [InlineData(HpkeAead.Aes256Gcm, 4097)]
    public void Seal_then_open_round_trips(HpkeAead aead, int size)
    {
        var pt = RandomNumberGenerator.GetBytes(size);
        var (enc, ct) = Hpke.SealBase(Recipient.Pk, "info"u8.ToArray(), "aad"u8.ToArray(), pt, aead);
        Assert.Equal(65, enc.Length);
        Assert.Equal(size + 16, ct.Length);
        Assert.Equal(pt, Hpke.OpenBase(Recipient.Sk, enc, "info"u8.ToArray(), "aad"u8.ToArray(), ct, aead));
    }

    [Fact]
    public void Random_ephemeral_keys_differ_and_derived_ones_repeat()
    {
        var pt = new byte[] { 1, 2, 3 };
        var a = Hpke.SealBase(Recipient.Pk, [], [], pt, HpkeAead.Aes256Gcm);
        var b = Hpke.SealBase(Recipient.Pk, [], [], pt, HpkeAead.Aes256Gcm);
        Assert.NotEqual(a.Enc, b.Enc);
        var ikm = new byte[32];
        var c = Hpke.SealBase(Recipient.Pk, [], [], pt, HpkeAead.Aes256Gcm, ikm);
        var d = Hpke.SealBase(Recipient.Pk, [], [], pt, HpkeAead.Aes256Gcm, ikm);
        Assert.Equal(c.Enc, d.Enc);
        Assert.Equal(c.Ciphertext, d.Ciphertext);
        Assert.Equal(Hpke.DeriveKeyPair(ikm).PublicKey, c.Enc);
    }

    [Fact]
    public void Aes128_and_aes256_produce_different_ciphertexts_for_same_ephemeral()
    {
        var ikm = new byte[32];
        var a = Hpke.SealBase(Recipient.Pk, [], [], [9], HpkeAead.Aes128Gcm, ikm);
        var b = Hpke.SealBase(Recipient.Pk, [], [], [9], HpkeAead.Aes256Gcm, ikm);
        Assert.Equal(a.Enc, b.Enc);
        Assert.NotEqual(a.Ciphertext, b.Ciphertext);
    }

    [Fact]
    public void Wrong_recipient_key_fails_integrity()
    {
        var other = Hpke.DeriveKeyPair(new byte[32]);
        var (enc, ct) = Hpke.SealBase(Recipient.Pk, [], [], [1], HpkeAead.Aes256Gcm);
        Assert.Throws<CryptoIntegrityException>(() => Hpke.OpenBase(other.PrivateKey, enc, [], [], ct, HpkeAead.Aes256Gcm));
    }

    [Fact]
    public void Malformed_public_keys_are_format_errors()
    {
        var offCurve = (byte[])Recipient.Pk.Clone();
        offCurve[64] ^= 1;
        var compressedPrefix = (byte[])Recipient.Pk.Clone();
        compressedPrefix[0] = 0x02;
        foreach (var bad in new[] { offCurve, compressedPrefix, Recipient.Pk[..64], new byte[65] })
        {
            Assert.Throws<CryptoFormatException>(() => Hpke.SealBase(bad, [], [], [1], HpkeAead.Aes256Gcm));
        }
        var (enc, ct) = Hpke.SealBase(Recipient.Pk, [], [], [1], HpkeAead.Aes256Gcm);
        enc[10] ^= 0x40;
        Assert.ThrowsAny<Exception>(() => Hpke.OpenBase(Recipient.Sk, enc, [], [], ct, HpkeAead.Aes256Gcm));
        Assert.True(Record(() => Hpke.OpenBase(Recipient.Sk, enc, [], [], ct, HpkeAead.Aes256Gcm)) is CryptoFormatException or CryptoIntegrityException);
    }

    [Fact]
    public void Invalid_private_keys_and_short_ikm_are_rejected()
    {
        var (enc, ct) = Hpke.SealBase(Recipient.Pk, [], [], [1], HpkeAead.Aes256Gcm);
        Assert.Throws<CryptoFormatException>(() => Hpke.OpenBase(new byte[32], enc, [], [], ct, HpkeAead.Aes256Gcm));
        Assert.Throws<CryptoFormatException>(() => Hpke.OpenBase(Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"), enc, [], [], ct, HpkeAead.Aes256Gcm));
        Assert.Throws<CryptoFormatException>(() => Hpke.DeriveKeyPair(new byte[31]));
        Assert.Throws<CryptoFormatException>(() => Hpke.SealBase(Recipient.Pk, [], [], [1], (HpkeAead)3));
    }

    [Fact]
    public void Public_key_is_computed_from_private_scalar_only()
    {
        // Order n - 1 is the largest valid scalar; its public key is -G, i.e. G with Y negated.
        var nMinus1 = Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632550");
        var one = new byte[32];
        one[31] = 1;
        var g = P256.PublicKeyFromPrivate(one);
        Assert.Equal("046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5", g.ToHex());
        var minusG = P256.PublicKeyFromPrivate(nMinus1);
        Assert.Equal(g[..33], minusG[..33]);
        Assert.NotEqual(g[33..], minusG[33..]);
    }

    private static Exception? Record(Action a)
    {
        try
        {
            a();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
