using System.Text.Json;

namespace MedLedger.Crypto.Tests;

/// <summary>RFC 9180 Appendix A.3 (DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM) known answers.</summary>
public class HpkeRfcVectorTests
{
    public static TheoryData<string> DeriveKeyPairSections()
    {
        var data = new TheoryData<string>();
        using var doc = TestData.Load("rfc9180-p256.json");
        foreach (var v in doc.RootElement.GetProperty("deriveKeyPair").EnumerateArray())
        {
            data.Add(v.Str("section"));
        }
        return data;
    }

    private static JsonElement DeriveVector(string section)
    {
        using var doc = TestData.Load("rfc9180-p256.json");
        return doc.RootElement.GetProperty("deriveKeyPair").EnumerateArray().Single(v => v.Str("section") == section).Clone();
    }

    private static JsonElement BaseVector()
    {
        using var doc = TestData.Load("rfc9180-p256.json");
        return doc.RootElement.GetProperty("base")[0].Clone();
    }

    [Theory]
    [MemberData(nameof(DeriveKeyPairSections))]
    public void DeriveKeyPair_matches_rfc(string section)
    {
        var v = DeriveVector(section);
        var (sk, pk) = Hpke.DeriveKeyPair(v.Hex("ikm"));
        Assert.Equal(v.Str("sk"), sk.ToHex());
        Assert.Equal(v.Str("pk"), pk.ToHex());
    }

    [Fact]
    public void SealBase_with_rfc_ephemeral_ikm_reproduces_enc_and_first_ciphertext()
    {
        var v = BaseVector();
        Assert.Equal(16, v.GetProperty("kem_id").GetInt32());
        Assert.Equal(1, v.GetProperty("kdf_id").GetInt32());
        Assert.Equal(1, v.GetProperty("aead_id").GetInt32());
        var e = v.GetProperty("encryptions")[0];
        var (enc, ct) = Hpke.SealBase(v.Hex("pkRm"), v.Hex("info"), e.Hex("aad"), e.Hex("pt"), HpkeAead.Aes128Gcm, v.Hex("ikmE"));
        Assert.Equal(v.Str("enc"), enc.ToHex());
        Assert.Equal(e.Str("ct"), ct.ToHex());
    }

    [Fact]
    public void OpenBase_decrypts_rfc_ciphertext_with_rfc_private_key()
    {
        var v = BaseVector();
        var e = v.GetProperty("encryptions")[0];
        var pt = Hpke.OpenBase(v.Hex("skRm"), v.Hex("enc"), v.Hex("info"), e.Hex("aad"), e.Hex("ct"), HpkeAead.Aes128Gcm);
        Assert.Equal(e.Str("pt"), pt.ToHex());
    }

    [Fact]
    public void The_rfc_answers_hold_on_the_bcl_path_too()
    {
        // On Linux the tests above run on OpenSSL (OpenSslP256); this thread takes the other path, used elsewhere.
        using var bcl = OpenSslP256.BclOnThisThread();
        using (var doc = TestData.Load("rfc9180-p256.json"))
        {
            foreach (var v0 in doc.RootElement.GetProperty("deriveKeyPair").EnumerateArray())
            {
                DeriveKeyPair_matches_rfc(v0.Str("section"));
            }
        }
        SealBase_with_rfc_ephemeral_ikm_reproduces_enc_and_first_ciphertext();
        OpenBase_decrypts_rfc_ciphertext_with_rfc_private_key();
        var v = BaseVector();
        var (sk, pk) = (v.Hex("skRm"), v.Hex("pkRm"));
        var e = v.GetProperty("encryptions")[0];
        Assert.Equal(e.Str("pt"), Hpke.OpenBase(new UserKeyPair(sk, pk), v.Hex("enc"), v.Hex("info"), e.Hex("aad"), e.Hex("ct"), HpkeAead.Aes128Gcm).ToHex());
    }

    [Fact]
    public void OpenBase_with_a_loaded_pair_decrypts_rfc_ciphertext()
    {
        var v = BaseVector();
        var e = v.GetProperty("encryptions")[0];
        var pair = new UserKeyPair(v.Hex("skRm"), v.Hex("pkRm"));
        Assert.Equal(e.Str("pt"), Hpke.OpenBase(pair, v.Hex("enc"), v.Hex("info"), e.Hex("aad"), e.Hex("ct"), HpkeAead.Aes128Gcm).ToHex());
    }

    [Fact]
    public void OpenBase_rejects_rfc_ciphertext_under_wrong_aead_or_info()
    {
        var v = BaseVector();
        var e = v.GetProperty("encryptions")[0];
        Assert.Throws<CryptoIntegrityException>(() =>
            Hpke.OpenBase(v.Hex("skRm"), v.Hex("enc"), v.Hex("info"), e.Hex("aad"), e.Hex("ct"), HpkeAead.Aes256Gcm));
        Assert.Throws<CryptoIntegrityException>(() =>
            Hpke.OpenBase(v.Hex("skRm"), v.Hex("enc"), [1, 2, 3], e.Hex("aad"), e.Hex("ct"), HpkeAead.Aes128Gcm));
        Assert.Throws<CryptoIntegrityException>(() =>
            Hpke.OpenBase(v.Hex("skRm"), v.Hex("enc"), v.Hex("info"), [], e.Hex("ct"), HpkeAead.Aes128Gcm));
    }

    // The key schedule remembers the last info's hash per thread (docs/benchmarks.md, HPKE key schedule): an info that
    // differs only in its last byte, or the caller's own array changed after a call, must never reuse that hash.
    [Fact]
    public void The_remembered_info_hash_never_answers_for_another_info()
    {
        var v = BaseVector();
        var e = v.GetProperty("encryptions")[0];
        var info = v.Hex("info");
        Assert.Equal(e.Str("pt"), Hpke.OpenBase(v.Hex("skRm"), v.Hex("enc"), info, e.Hex("aad"), e.Hex("ct"), HpkeAead.Aes128Gcm).ToHex());
        info[^1] ^= 1;
        Assert.Throws<CryptoIntegrityException>(() =>
            Hpke.OpenBase(v.Hex("skRm"), v.Hex("enc"), info, e.Hex("aad"), e.Hex("ct"), HpkeAead.Aes128Gcm));
        var (enc, ct) = Hpke.SealBase(v.Hex("pkRm"), info, [], [7, 7, 7], HpkeAead.Aes128Gcm);
        Assert.Throws<CryptoIntegrityException>(() =>
            Hpke.OpenBase(v.Hex("skRm"), enc, v.Hex("info"), [], ct, HpkeAead.Aes128Gcm));
        Assert.Equal(new byte[] { 7, 7, 7 }, Hpke.OpenBase(v.Hex("skRm"), enc, info, [], ct, HpkeAead.Aes128Gcm));
        Assert.Equal(e.Str("pt"), Hpke.OpenBase(v.Hex("skRm"), v.Hex("enc"), v.Hex("info"), e.Hex("aad"), e.Hex("ct"), HpkeAead.Aes128Gcm).ToHex());
    }
}
