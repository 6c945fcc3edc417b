namespace MedLedger.Crypto.Tests;

/// <summary>FactCommitment: opens only to its own kind, value and salt (the byte layout is pinned by the cross-language vectors).</summary>
public sealed class FactCommitmentTests
{
    [Fact]
    public void A_commitment_opens_only_with_its_kind_value_and_salt()
    {
        var salt = FactCommitment.NewSalt();
        var c = FactCommitment.Compute(FactCommitment.BedType, "icu", salt);
        Assert.True(FactCommitment.Opens(c, FactCommitment.BedType, "icu", salt));
        Assert.False(FactCommitment.Opens(c, FactCommitment.BedType, "maternity", salt));
        Assert.False(FactCommitment.Opens(c, FactCommitment.ConsentPurpose, "icu", salt));
        Assert.False(FactCommitment.Opens(c, FactCommitment.BedType, "icu", FactCommitment.NewSalt()));
        Assert.False(FactCommitment.Opens(c, FactCommitment.BedType, "icu", salt[..16]));
        Assert.False(FactCommitment.Opens(null, FactCommitment.BedType, "icu", salt));
        // Same value, fresh salt: a different commitment, so equal bed types cannot be linked across bookings.
        Assert.NotEqual(c, FactCommitment.Compute(FactCommitment.BedType, "icu", FactCommitment.NewSalt()));
        Assert.Throws<CryptoFormatException>(() => FactCommitment.Compute(FactCommitment.BedType, "icu", new byte[31]));
    }
}
