using System.Text.RegularExpressions;

namespace MedLedger.Crypto.Tests;

public class KeyBundleTests
{
    [Fact]
    public void Generated_bundle_has_distinct_valid_pairs()
    {
        var bundle = KeyBundle.Generate();
        Assert.Equal(32, bundle.Encryption.PrivateKey.Length);
        Assert.Equal(65, bundle.Encryption.PublicKey.Length);
        Assert.Equal(0x04, bundle.Signing.PublicKey[0]);
        Assert.NotEqual(bundle.Encryption.PublicKey, bundle.Signing.PublicKey);
        Assert.Equal(bundle.Encryption, UserKeyPair.FromPrivateKey(bundle.Encryption.PrivateKey));
        Assert.DoesNotContain(Convert.ToHexStringLower(bundle.Signing.PrivateKey), bundle.Signing.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatched_pair_is_rejected()
    {
        var a = KeyBundle.Generate();
        Assert.Throws<CryptoFormatException>(() => new UserKeyPair(a.Encryption.PrivateKey, a.Signing.PublicKey));
    }

    [Fact]
    public void Fingerprint_is_stable_order_sensitive_and_displayed_in_groups()
    {
        var a = KeyBundle.Generate().Public;
        Assert.Equal(a.Fingerprint(), new PublicKeyBundle(a.EncryptionPublicKey, a.SigningPublicKey).Fingerprint());
        Assert.NotEqual(a.Fingerprint(), new PublicKeyBundle(a.SigningPublicKey, a.EncryptionPublicKey).Fingerprint());
        Assert.Matches(new Regex("^([0-9A-HJKMNP-TV-Z]{4} ){7}[0-9A-HJKMNP-TV-Z]{4}$"), a.DisplayFingerprint());
        Assert.Matches(new Regex("^[0-9a-f]{64}$"), a.EncryptionKeyId);
        Assert.NotEqual(a.EncryptionKeyId, KeyFingerprints.EncryptionKeyId(a.SigningPublicKey));
    }

    [Fact]
    public void Public_bundle_rejects_points_off_the_curve()
    {
        var a = KeyBundle.Generate().Public;
        var bad = (byte[])a.SigningPublicKey.Clone();
        bad[5] ^= 1;
        Assert.Throws<CryptoFormatException>(() => new PublicKeyBundle(a.EncryptionPublicKey, bad));
    }
}
