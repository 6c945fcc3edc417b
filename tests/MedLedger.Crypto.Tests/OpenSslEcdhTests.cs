using System.Security.Cryptography;

namespace MedLedger.Crypto.Tests;

/// <summary>
/// The OpenSSL key-agreement path HPKE uses on Linux must give exactly the BCL's bytes, refuse every point the BCL
/// refuses, and interoperate with the BCL path in both directions (a browser or another OS seals with the other one).
/// </summary>
public class OpenSslEcdhTests
{
    [Fact]
    public void The_openssl_path_is_in_use_on_this_linux_machine()
    {
        // CI and the demo run on Debian with libcrypto.so.3; if this fails HPKE silently fell back to the slower BCL path.
        Assert.True(!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MEDLEDGER_CRYPTO_OPENSSL") == "0" || OpenSslEcdh.Available);
    }

    [Fact]
    public void Agreements_match_the_bcl_in_both_directions_for_random_keys()
    {
        if (!OpenSslEcdh.Available)
        {
            return; // other platforms: the BCL path, covered by HpkeTests; availability here is asserted above
        }
        for (var i = 0; i < 40; i++)
        {
            using var bcl = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            var p = bcl.ExportParameters(true);
            var pub = P256.Encode(p.Q);
            using var ephemeral = OpenSslEcdh.Generate(out var ephemeralPublic);
            using var recipient = OpenSslEcdh.ImportPublic(pub);
            var ours = OpenSslEcdh.Derive(ephemeral, recipient);

            using var bclEphemeral = P256.ImportDhPublic(ephemeralPublic);
            using var bclEphemeralKey = bclEphemeral.PublicKey;
            Assert.Equal(bcl.DeriveRawSecretAgreement(bclEphemeralKey), ours);

            using var pair = OpenSslEcdh.ImportKeyPair(p.D, pub);
            using var ephemeralAsPeer = OpenSslEcdh.ImportPublic(ephemeralPublic);
            Assert.Equal(ours, OpenSslEcdh.Derive(pair, ephemeralAsPeer));
        }
    }

    [Fact]
    public void Points_that_are_not_on_p256_are_refused_at_import()
    {
        if (!OpenSslEcdh.Available)
        {
            return; // other platforms: the BCL path, covered by HpkeTests; availability here is asserted above
        }
        var (_, pub) = P256.Generate();
        var offCurve = (byte[])pub.Clone();
        offCurve[64] ^= 1;
        var compressed = (byte[])pub.Clone();
        compressed[0] = 0x02;
        // x = p (the field prime) is not a field element; (0, 0) is not on the curve.
        var xIsPrime = new byte[65];
        xIsPrime[0] = 4;
        Convert.FromHexString("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff").CopyTo(xIsPrime, 1);
        pub.AsSpan(33).CopyTo(xIsPrime.AsSpan(33));
        var zero = new byte[65];
        zero[0] = 4;
        foreach (var bad in new[] { offCurve, compressed, pub[..64], zero, xIsPrime, new byte[65] })
        {
            Assert.Throws<CryptoFormatException>(() => OpenSslEcdh.ImportPublic(bad));
            Assert.Throws<CryptoFormatException>(() => P256.ImportDhPublic(bad));
        }
    }

    [Fact]
    public void Hpke_sealed_on_the_openssl_path_opens_on_the_bcl_path_and_back()
    {
        if (!OpenSslEcdh.Available)
        {
            return; // other platforms: the BCL path, covered by HpkeTests; availability here is asserted above
        }
        var (sk, pk) = Hpke.DeriveKeyPair(RandomNumberGenerator.GetBytes(32));
        var pair = new UserKeyPair(sk, pk);
        var message = RandomNumberGenerator.GetBytes(100);
        // SealBase without ikm takes the OpenSSL path; OpenBase(byte[] sk, …) is the BCL path.
        var (enc, ct) = Hpke.SealBase(pk, [9], [8], message, HpkeAead.Aes256Gcm);
        Assert.Equal(message, Hpke.OpenBase(sk, enc, [9], [8], ct, HpkeAead.Aes256Gcm));
        // SealBase with ikm takes the BCL path; OpenBase(UserKeyPair, …) is the OpenSSL path.
        var (enc2, ct2) = Hpke.SealBase(pk, [9], [8], message, HpkeAead.Aes256Gcm, RandomNumberGenerator.GetBytes(32));
        Assert.Equal(message, Hpke.OpenBase(pair, enc2, [9], [8], ct2, HpkeAead.Aes256Gcm));
        Assert.Equal(message, Hpke.OpenBase(pair, enc, [9], [8], ct, HpkeAead.Aes256Gcm));
        // A doctored ephemeral point is refused before any key agreement.
        enc[64] ^= 1;
        Assert.Throws<CryptoFormatException>(() => Hpke.OpenBase(pair, enc, [9], [8], ct, HpkeAead.Aes256Gcm));
    }
}
