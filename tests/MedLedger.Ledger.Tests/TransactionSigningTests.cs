namespace MedLedger.Ledger.Tests;

public class TransactionSigningTests
{
    private static readonly Dictionary<string, string> Payload = new() { ["recordId"] = "r-1", ["hash"] = new string('a', 64) };

    [Fact]
    public void A_transaction_signed_by_a_loaded_key_has_the_same_bytes_as_one_signed_with_the_raw_key_and_verifies()
    {
        var (privateKey, publicKey) = LedgerCrypto.GenerateKeyPair();
        using var loaded = new LedgerSigningKey(privateKey);
        var raw = LedgerTransaction.Create("bench.anchor", "u-1", 42, 1_700_000_000_000, Payload, privateKey);
        var viaSigner = LedgerTransaction.Create("bench.anchor", "u-1", 42, 1_700_000_000_000, Payload, publicKey, b => loaded.Sign(b));
        Assert.Equal(raw.SigningBytes, viaSigner.SigningBytes);
        Assert.True(raw.VerifySignature());
        Assert.True(viaSigner.VerifySignature());
        Assert.True(LedgerTransaction.FromSigningBytes(viaSigner.SigningBytes, viaSigner.Signature).VerifySignature());
    }

    [Fact]
    public void A_signer_holding_another_key_makes_a_transaction_that_does_not_verify()
    {
        var (_, publicKey) = LedgerCrypto.GenerateKeyPair();
        var (otherPrivate, _) = LedgerCrypto.GenerateKeyPair();
        var tx = LedgerTransaction.Create("bench.anchor", "u-1", 1, 1, Payload, publicKey, b => LedgerCrypto.Sign(otherPrivate, b));
        Assert.False(tx.VerifySignature());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(72)]
    public void A_signer_that_returns_no_64_byte_signature_is_refused(int length)
    {
        var (_, publicKey) = LedgerCrypto.GenerateKeyPair();
        Assert.Throws<ArgumentException>(() => LedgerTransaction.Create("bench.anchor", "u-1", 1, 1, Payload, publicKey, _ => new byte[length]));
    }
}
