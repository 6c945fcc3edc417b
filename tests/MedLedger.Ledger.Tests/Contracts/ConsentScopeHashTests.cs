using System.Text.Json;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>
/// ConsentScopeHash against testdata/crypto-vectors.json ("protocol" → "consentScope"), the bytes the browser
/// and the C# SDK must produce too; the vector generator cannot reach the ledger, so the ledger's own code is checked here.
/// </summary>
public sealed class ConsentScopeHashTests
{
    [Fact]
    public void Consent_scope_hashes_match_the_cross_language_vectors()
    {
        using var vectors = JsonDocument.Parse(File.ReadAllText(Rfc6962Tests.TestData("crypto-vectors.json")));
        var protocol = vectors.RootElement.GetProperty("protocol");
        Assert.Equal(MedLedger.Crypto.ProtocolTags.ConsentScope, protocol.GetProperty("tags").GetProperty("consentScope").GetString());
        var scopes = protocol.GetProperty("consentScope").EnumerateArray().ToList();
        Assert.NotEmpty(scopes);
        foreach (var s in scopes)
        {
            var items = s.GetProperty("items").EnumerateArray().Select(i => i.GetString()!).ToList();
            Assert.Equal(s.GetProperty("hash").GetString(), ConsentScopeHash.Compute(s.GetProperty("kind").GetString()!, items));
            // Item order is not part of the scope.
            Assert.Equal(s.GetProperty("hash").GetString(), ConsentScopeHash.Compute(s.GetProperty("kind").GetString()!, Enumerable.Reverse(items)));
        }
    }
}
