using System.Security.Cryptography;

namespace MedLedger.Crypto.Tests;

/// <summary>The LRU of imported public keys (issue 15) and the loaded private keys kept in their own pair.</summary>
public class PublicKeyCacheTests
{
    private static (PublicKeyCache<ECDsa> Cache, Func<int> Imports) Counting(int capacity)
    {
        var imports = 0;
        var cache = new PublicKeyCache<ECDsa>(k =>
        {
            Interlocked.Increment(ref imports);
            return P256.ImportEcdsaPublic(k);
        }, capacity);
        return (cache, () => Volatile.Read(ref imports));
    }

    [Fact]
    public void A_key_is_imported_once_and_found_again_by_its_bytes()
    {
        var (cache, imports) = Counting(8);
        var key = Signatures.GenerateKeyPair().PublicKey;
        var data = "x"u8.ToArray();
        var signature = Signatures.Sign(Signatures.GenerateKeyPair().PrivateKey, data);
        for (var i = 0; i < 5; i++)
        {
            // A fresh array with the same bytes each time: the cache is keyed by content, not by reference.
            cache.Use((byte[])key.Clone(), e => e.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        }
        Assert.Equal(1, imports());
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Changing_the_callers_array_afterwards_does_not_change_the_cached_key()
    {
        var (cache, imports) = Counting(8);
        var a = Signatures.GenerateKeyPair().PublicKey;
        var b = Signatures.GenerateKeyPair().PublicKey;
        var buffer = (byte[])a.Clone();
        var first = cache.Use(buffer, e => P256.Encode(e.ExportParameters(false).Q));
        b.CopyTo(buffer, 0);
        // b was never imported: it must not be answered by a's cached object.
        var second = cache.Use(buffer, e => P256.Encode(e.ExportParameters(false).Q));
        Assert.Equal(a, first);
        Assert.Equal(b, second);
        Assert.Equal(2, imports());
    }

    [Fact]
    public void The_least_recently_used_key_is_evicted_at_capacity()
    {
        var (cache, imports) = Counting(2);
        var keys = Enumerable.Range(0, 3).Select(_ => Signatures.GenerateKeyPair().PublicKey).ToArray();
        cache.Use(keys[0], _ => 0);
        cache.Use(keys[1], _ => 0);
        cache.Use(keys[0], _ => 0); // 0 is now more recent than 1
        cache.Use(keys[2], _ => 0); // evicts 1
        Assert.Equal(3, imports());
        Assert.Equal(2, cache.Count);
        cache.Use(keys[0], _ => 0);
        Assert.Equal(3, imports());
        cache.Use(keys[1], _ => 0);
        Assert.Equal(4, imports());
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void A_point_off_the_curve_is_refused_every_time_and_never_cached()
    {
        var (cache, imports) = Counting(8);
        var offCurve = Signatures.GenerateKeyPair().PublicKey;
        offCurve[64] ^= 1;
        Assert.Throws<CryptoFormatException>(() => cache.Use(offCurve, _ => 0));
        Assert.Throws<CryptoFormatException>(() => cache.Use(offCurve, _ => 0));
        Assert.Equal(2, imports());
        Assert.Equal(0, cache.Count);
        Assert.False(Signatures.Verify(offCurve, "x"u8.ToArray(), new byte[64]));
    }

    [Fact]
    public async Task Concurrent_verifications_through_the_shared_cache_give_the_right_answer_each_time()
    {
        var signers = Enumerable.Range(0, 3).Select(_ => Signatures.GenerateKeyPair()).ToArray();
        var data = Enumerable.Range(0, 3).Select(i => new[] { (byte)i, (byte)(i * 7) }).ToArray();
        var signatures = signers.Select((s, i) => s.Sign(data[i])).ToArray();
        var wrong = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var n = 0; n < 150; n++)
            {
                var k = (t + n) % 3;
                var other = (k + 1) % 3;
                // Right key verifies; another signer's signature over the same data does not.
                if (!Signatures.Verify(signers[k].PublicKey, data[k], signatures[k]) || Signatures.Verify(signers[k].PublicKey, data[k], signatures[other]))
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        })));
        Assert.Equal(0, wrong);
    }

    [Fact]
    public async Task A_pair_signs_with_its_loaded_key_from_many_threads()
    {
        var pair = Signatures.GenerateKeyPair();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
            Enumerable.Range(0, 50).All(n =>
            {
                var data = new[] { (byte)t, (byte)n };
                return Signatures.Verify(pair.PublicKey, data, pair.Sign(data));
            }))));
        Assert.All(results, Assert.True);
        // The loaded key signs exactly as the raw-bytes API does (both verify under the same public key).
        var message = "same key"u8.ToArray();
        Assert.True(Signatures.Verify(pair.PublicKey, message, Signatures.Sign(pair.PrivateKey, message)));
        Assert.False(Signatures.Verify(Signatures.GenerateKeyPair().PublicKey, message, pair.Sign(message)));
    }

    [Fact]
    public void Opening_with_the_loaded_pair_matches_opening_with_the_raw_private_key()
    {
        var recipient = KeyBundle.Generate().Encryption;
        var info = "medledger/v1/record-key"u8.ToArray();
        var secret = RandomNumberGenerator.GetBytes(32);
        var (enc, ct) = Hpke.SealBase(recipient.PublicKey, info, [], secret, HpkeAead.Aes256Gcm);
        Assert.Equal(secret, Hpke.OpenBase(recipient, enc, info, [], ct, HpkeAead.Aes256Gcm));
        Assert.Equal(secret, Hpke.OpenBase(recipient.PrivateKey, enc, info, [], ct, HpkeAead.Aes256Gcm));
        var stranger = KeyBundle.Generate().Encryption;
        Assert.Throws<CryptoIntegrityException>(() => Hpke.OpenBase(stranger, enc, info, [], ct, HpkeAead.Aes256Gcm));
        var badEnc = (byte[])enc.Clone();
        badEnc[64] ^= 1;
        Assert.Throws<CryptoFormatException>(() => Hpke.OpenBase(recipient, badEnc, info, [], ct, HpkeAead.Aes256Gcm));
    }
}
