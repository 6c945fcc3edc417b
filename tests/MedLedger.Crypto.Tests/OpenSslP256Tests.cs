using System.Security.Cryptography;

namespace MedLedger.Crypto.Tests;

/// <summary>
/// The OpenSSL P-256 path (key agreement, public keys, signing) must give exactly the BCL's bytes, refuse every point
/// the BCL refuses, produce signatures anyone verifies, and interoperate with the BCL path in both directions (a browser
/// or another OS uses the other one).
/// </summary>
public class OpenSslP256Tests
{
    [Fact]
    public void The_openssl_path_is_in_use_on_this_linux_machine_and_a_thread_can_opt_out()
    {
        // CI and the demo run on Debian with libcrypto.so.3; if this fails the library silently fell back to the slower BCL path.
        Assert.True(!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MEDLEDGER_CRYPTO_OPENSSL") == "0" || OpenSslP256.Available);
        using (OpenSslP256.BclOnThisThread())
        {
            Assert.False(OpenSslP256.Available);
        }
        Assert.True(!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MEDLEDGER_CRYPTO_OPENSSL") == "0" || OpenSslP256.Available);
    }

    [Fact]
    public void Agreements_and_public_keys_match_the_bcl_for_random_keys()
    {
        if (!OpenSslP256.Available)
        {
            return; // other platforms: the BCL path, covered by HpkeTests; availability here is asserted above
        }
        for (var i = 0; i < 40; i++)
        {
            using var a = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            using var b = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            var pa = a.ExportParameters(true);
            var pb = b.ExportParameters(true);
            Assert.Equal(P256.Encode(pa.Q), OpenSslP256.PublicKey(pa.D));
            using var bPublic = b.PublicKey;
            var bcl = a.DeriveRawSecretAgreement(bPublic);
            Assert.Equal(bcl, OpenSslP256.Agree(pa.D, P256.Encode(pb.Q)));
            Assert.Equal(bcl, OpenSslP256.Agree(pb.D, P256.Encode(pa.Q)));
        }
    }

    [Fact]
    public void A_scalar_with_leading_zero_bytes_gives_the_bcls_public_key()
    {
        if (!OpenSslP256.Available)
        {
            return;
        }
        // Scalars 1 and 2 (almost all zero bytes): G and 2G, the published generator and its double.
        var one = new byte[32];
        one[31] = 1;
        var two = new byte[32];
        two[31] = 2;
        Assert.Equal("046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
            Convert.ToHexStringLower(OpenSslP256.PublicKey(one)));
        Assert.Equal(P256.Encode(ImportD(two).ExportParameters(false).Q), OpenSslP256.PublicKey(two));
    }

    private static ECDiffieHellman ImportD(byte[] d)
    {
        var dh = ECDiffieHellman.Create();
        dh.ImportParameters(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d });
        return dh;
    }

    [Fact]
    public void Points_that_are_not_on_p256_and_scalars_outside_the_group_are_refused()
    {
        if (!OpenSslP256.Available)
        {
            return; // other platforms: the BCL path, covered by HpkeTests; availability here is asserted above
        }
        var (sk, pub) = P256.Generate();
        var offCurve = (byte[])pub.Clone();
        offCurve[64] ^= 1;
        var compressed = (byte[])pub.Clone();
        compressed[0] = 0x02;
        var hybrid = (byte[])pub.Clone();
        hybrid[0] = (byte)(0x06 | (pub[64] & 1)); // the hybrid form of the same point: OpenSSL's decoder would take it
        // x = p (the field prime) is not a field element; (0, 0) is not on the curve.
        var xIsPrime = new byte[65];
        xIsPrime[0] = 4;
        Convert.FromHexString("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff").CopyTo(xIsPrime, 1);
        pub.AsSpan(33).CopyTo(xIsPrime.AsSpan(33));
        var zero = new byte[65];
        zero[0] = 4;
        foreach (var bad in new[] { offCurve, compressed, hybrid, pub[..64], zero, xIsPrime, new byte[65], [0] })
        {
            Assert.Throws<CryptoFormatException>(() => OpenSslP256.Agree(sk, bad));
            Assert.Throws<CryptoFormatException>(() => P256.ImportDhPublic(bad));
        }
        foreach (var badScalar in new[] { new byte[32], P256.Order, sk[..31] })
        {
            Assert.Throws<CryptoFormatException>(() => OpenSslP256.Agree(badScalar, pub));
            Assert.Throws<CryptoFormatException>(() => OpenSslP256.PublicKey(badScalar));
        }
        // A refused point leaves the thread's objects usable.
        using var bcl = ImportD(sk);
        using var self = bcl.PublicKey;
        Assert.Equal(bcl.DeriveRawSecretAgreement(self), OpenSslP256.Agree(sk, pub));
    }

    [Fact]
    public void Signatures_made_on_either_path_verify_on_both_and_a_changed_byte_fails()
    {
        var pair = Signatures.GenerateKeyPair();
        var data = RandomNumberGenerator.GetBytes(1024);
        var native = pair.Sign(data);
        byte[] bcl;
        using (OpenSslP256.BclOnThisThread())
        {
            bcl = pair.Sign(data);
            Assert.True(Signatures.Verify(pair.PublicKey, data, native));
        }
        Assert.True(Signatures.Verify(pair.PublicKey, data, bcl));
        Assert.True(Signatures.Verify(pair.PublicKey, data, native));
        using var verifier = P256.ImportEcdsaPublic(pair.PublicKey);
        Assert.True(verifier.VerifyData(data, native, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        // ECDSA is randomised: two signatures of the same data differ.
        Assert.NotEqual(native, pair.Sign(data));
        data[0] ^= 1;
        Assert.False(Signatures.Verify(pair.PublicKey, data, native));
    }

    [Fact]
    public void Many_threads_signing_and_agreeing_at_once_all_get_correct_results()
    {
        var pair = Signatures.GenerateKeyPair();
        var peer = KeyBundle.Generate().Encryption;
        var expected = peer.DeriveRawSecretAgreement(pair.PublicKey);
        var failures = 0;
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var data = BitConverter.GetBytes(i);
            if (!Signatures.Verify(pair.PublicKey, data, pair.Sign(data)) || !OpenSslOrBclAgree(pair, peer).AsSpan().SequenceEqual(expected))
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }

    [Fact]
    public void Threads_that_end_get_correct_agreements_and_finalizing_their_openssl_objects_breaks_no_later_thread()
    {
        var pair = Signatures.GenerateKeyPair();
        var peer = KeyBundle.Generate().Encryption;
        var expected = peer.DeriveRawSecretAgreement(pair.PublicKey);
        var results = new byte[64][];
        var threads = Enumerable.Range(0, results.Length).Select(i => new Thread(() => results[i] = pair.DeriveRawSecretAgreement(peer.PublicKey))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        // The ended threads' objects are now unreachable: collect and finalize them (a double free would crash here). This
        // does not prove they are freed; it proves that finalizing them is safe and later threads are unaffected.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.All(results, r => Assert.Equal(expected, r));
        var after = new byte[1][];
        var later = new Thread(() => after[0] = pair.DeriveRawSecretAgreement(peer.PublicKey));
        later.Start();
        later.Join();
        Assert.Equal(expected, after[0]);
    }

    private static byte[] OpenSslOrBclAgree(UserKeyPair pair, UserKeyPair peer) => pair.DeriveRawSecretAgreement(peer.PublicKey);

    [Fact]
    public void Der_signatures_become_r_and_s_padded_to_32_bytes_and_other_shapes_are_refused()
    {
        var r = Enumerable.Repeat((byte)0x80, 32).ToArray(); // high bit set: DER writes a leading zero
        var s = new byte[] { 0x01, 0x02 };                  // short: padded on the left
        byte[] der = [0x30, (byte)(2 + 33 + 2 + 2), 0x02, 33, 0x00, .. r, 0x02, 2, .. s];
        var p1363 = OpenSslP256.DerToP1363(der);
        Assert.Equal(r, p1363[..32]);
        Assert.Equal(new byte[30].Concat(s), p1363[32..]);
        byte[] trailing = [.. der, 0x00];
        trailing[1]++;
        byte[] notSequence = [0x31, .. der[1..]];
        byte[] wrongLength = [0x30, (byte)(der[1] - 1), .. der[2..]];
        byte[] badPad = [0x30, der[1], 0x02, 33, 0x01, .. r, 0x02, 2, .. s];
        foreach (var bad in new[] { trailing, notSequence, wrongLength, badPad, der[..7] })
        {
            Assert.Throws<CryptographicException>(() => OpenSslP256.DerToP1363(bad));
        }
    }

    [Fact]
    public void Hpke_sealed_on_the_openssl_path_opens_on_the_bcl_path_and_back()
    {
        var (sk, pk) = Hpke.DeriveKeyPair(RandomNumberGenerator.GetBytes(32));
        var pair = new UserKeyPair(sk, pk);
        var message = RandomNumberGenerator.GetBytes(100);
        var (enc, ct) = Hpke.SealBase(pk, [9], [8], message, HpkeAead.Aes256Gcm);
        (byte[] Enc, byte[] Ct) bclSealed;
        using (OpenSslP256.BclOnThisThread())
        {
            Assert.Equal(message, Hpke.OpenBase(sk, enc, [9], [8], ct, HpkeAead.Aes256Gcm));
            Assert.Equal(message, Hpke.OpenBase(pair, enc, [9], [8], ct, HpkeAead.Aes256Gcm));
            bclSealed = Hpke.SealBase(pk, [9], [8], message, HpkeAead.Aes256Gcm);
        }
        Assert.Equal(message, Hpke.OpenBase(pair, bclSealed.Enc, [9], [8], bclSealed.Ct, HpkeAead.Aes256Gcm));
        Assert.Equal(message, Hpke.OpenBase(sk, bclSealed.Enc, [9], [8], bclSealed.Ct, HpkeAead.Aes256Gcm));
        // A doctored ephemeral point is refused before any key agreement, on both paths.
        enc[64] ^= 1;
        Assert.Throws<CryptoFormatException>(() => Hpke.OpenBase(pair, enc, [9], [8], ct, HpkeAead.Aes256Gcm));
        using (OpenSslP256.BclOnThisThread())
        {
            Assert.Throws<CryptoFormatException>(() => Hpke.OpenBase(pair, enc, [9], [8], ct, HpkeAead.Aes256Gcm));
        }
    }
}
