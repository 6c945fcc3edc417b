namespace MedLedger.Crypto.Tests;

public class SignatureTests
{
    private static readonly UserKeyPair Key = Signatures.GenerateKeyPair();

    [Fact]
    public void Sign_produces_64_byte_p1363_signature_that_verifies()
    {
        var data = "consent granted"u8.ToArray();
        var sig = Signatures.Sign(Key.PrivateKey, data);
        Assert.Equal(64, sig.Length);
        Assert.True(Signatures.Verify(Key.PublicKey, data, sig));
    }

    [Fact]
    public void Verify_is_false_for_tampering_and_never_throws_on_malformed_input()
    {
        var data = "x"u8.ToArray();
        var sig = Signatures.Sign(Key.PrivateKey, data);
        var other = Signatures.GenerateKeyPair();
        Assert.False(Signatures.Verify(other.PublicKey, data, sig));
        Assert.False(Signatures.Verify(Key.PublicKey, "y"u8.ToArray(), sig));
        for (var bit = 0; bit < 64 * 8; bit += 7)
        {
            var t = (byte[])sig.Clone();
            t[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(Signatures.Verify(Key.PublicKey, data, t));
        }
        var offCurve = (byte[])Key.PublicKey.Clone();
        offCurve[40] ^= 1;
        Assert.False(Signatures.Verify(offCurve, data, sig));
        Assert.False(Signatures.Verify(null, data, sig));
        Assert.False(Signatures.Verify(Key.PublicKey, null, sig));
        Assert.False(Signatures.Verify(Key.PublicKey, data, null));
        Assert.False(Signatures.Verify(Key.PublicKey, data, sig[..63]));
        Assert.False(Signatures.Verify(Key.PublicKey, data, [.. sig, 0]));
        Assert.False(Signatures.Verify([], data, sig));
        Assert.False(Signatures.Verify(Key.PublicKey, data, new byte[64]));
        Assert.False(Signatures.Verify(Key.PublicKey, data, Enumerable.Repeat((byte)0xff, 64).ToArray()));
    }

    [Fact]
    public void Sign_rejects_invalid_private_key()
    {
        Assert.Throws<CryptoFormatException>(() => Signatures.Sign(new byte[32], [1]));
        Assert.Throws<CryptoFormatException>(() => Signatures.Sign(new byte[31], [1]));
    }
}
