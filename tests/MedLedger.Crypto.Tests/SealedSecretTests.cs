namespace MedLedger.Crypto.Tests;

public class SealedSecretTests
{
    private static readonly KeyBundle Hospital = KeyBundle.Generate();
    private static readonly KeyBundle Doctor = KeyBundle.Generate();

    [Fact]
    public void Emergency_key_sealed_for_a_doctor_opens_only_with_same_purpose_and_context()
    {
        var secret = Hospital.Encryption.PrivateKey;
        var sealedSecret = SealedSecret.Seal(Doctor.Encryption.PublicKey, "emergency-key", "hospital-7", secret);
        var parsed = SealedSecret.FromJson(sealedSecret.ToJsonBytes());
        Assert.Equal(secret, parsed.Open(Doctor.Encryption, "emergency-key", "hospital-7"));
        Assert.Throws<CryptoIntegrityException>(() => parsed.Open(Doctor.Encryption, "organization-key", "hospital-7"));
        Assert.Throws<CryptoIntegrityException>(() => parsed.Open(Doctor.Encryption, "emergency-key", "hospital-8"));
        Assert.Throws<CryptoIntegrityException>(() => parsed.Open(Hospital.Encryption, "emergency-key", "hospital-7"));
        var ct = (byte[])parsed.Ciphertext.Clone();
        ct[0] ^= 1;
        Assert.Throws<CryptoIntegrityException>(() => (parsed with { Ciphertext = ct }).Open(Doctor.Encryption, "emergency-key", "hospital-7"));
    }
}
