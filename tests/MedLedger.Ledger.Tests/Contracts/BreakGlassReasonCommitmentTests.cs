using System.Text.Json;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>
/// BreakGlassReasonCommitment against testdata/crypto-vectors.json ("protocol" → "breakGlassReason"), the bytes the
/// browser checks too (CryptoVectorScript); the vector generator cannot reach the ledger, so the ledger's own code is checked here.
/// </summary>
public sealed class BreakGlassReasonCommitmentTests
{
    [Fact]
    public void Break_glass_reason_commitments_match_the_cross_language_vectors()
    {
        using var vectors = JsonDocument.Parse(File.ReadAllText(Rfc6962Tests.TestData("crypto-vectors.json")));
        var protocol = vectors.RootElement.GetProperty("protocol");
        Assert.Equal(MedLedger.Crypto.ProtocolTags.BreakGlassReason, protocol.GetProperty("tags").GetProperty("breakGlassReason").GetString());
        var cases = protocol.GetProperty("breakGlassReason").EnumerateArray().ToList();
        Assert.NotEmpty(cases);
        foreach (var c in cases)
        {
            var reason = c.GetProperty("reason").GetString()!;
            var salt = Convert.FromHexString(c.GetProperty("salt").GetString()!);
            Assert.Equal(c.GetProperty("canonical").GetString(), Convert.ToHexStringLower(BreakGlassReasonCommitment.CanonicalBytes(reason, salt)));
            Assert.Equal(c.GetProperty("commitment").GetString(), BreakGlassReasonCommitment.Compute(reason, salt));
        }
    }

    [Fact]
    public void The_salt_changes_the_commitment_so_the_few_reason_codes_cannot_be_looked_up()
    {
        var a = BreakGlassReasonCommitment.Compute("unconscious", new byte[16]);
        var b = BreakGlassReasonCommitment.Compute("unconscious", Enumerable.Repeat((byte)1, 16).ToArray());
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, BreakGlassReasonCommitment.Compute("life-threatening", new byte[16]));
    }
}
