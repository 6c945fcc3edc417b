using System.Text.Json;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Web.Tests;

/// <summary>
/// Every vector of testdata/crypto-vectors.json (plus RFC 9180 A.3 and the CCTV RFC 6962 sets) recomputed by the
/// TypeScript port (web/src/crypto, web/src/ledger) on real Chromium WebCrypto, including the refusals: strict
/// base64/JSON, off-curve points, mistyped recovery codes, tampered ciphertexts and signatures.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CryptoVectorBrowserTests(BrowserWorld world)
{
    private static readonly string[] SectionNames = ["canonical", "keys", "hpke", "signature", "envelope", "envelopeV2", "sealedSecret", "password", "protocol", "rfc6962"];

    public static TheoryData<string> Sections => new(SectionNames);

    [Theory]
    [MemberData(nameof(Sections))]
    public async Task The_browser_port_reproduces_every_vector_of_the_section(string section)
    {
        var vectors = await File.ReadAllTextAsync(Repo.TestData("crypto-vectors.json"));
        using (var doc = JsonDocument.Parse(vectors))
        {
            // The vector file's own sections (rfc6962 comes from its own files).
            Assert.True(section == "rfc6962" || doc.RootElement.TryGetProperty(section, out _), $"crypto-vectors.json has no '{section}' section");
            // A section added to the file later must get a browser check too.
            var uncovered = doc.RootElement.EnumerateObject().Select(p => p.Name)
                .Except(["description", "generator", .. SectionNames]).ToList();
            Assert.True(uncovered.Count == 0, "crypto-vectors.json sections without a browser check: " + string.Join(", ", uncovered));
        }
        var extra = section switch
        {
            "hpke" => await File.ReadAllTextAsync(Repo.TestData("rfc9180-p256.json")),
            "rfc6962" => await CctvJsonAsync(),
            _ => null,
        };
        var page = await CryptoPage.OpenAsync(world);
        try
        {
            var result = await CryptoPage.RunAsync(page, CryptoVectorScript.CheckSection, new { section, vectorsJson = vectors, extraJson = extra });
            var failures = result.GetProperty("failures").EnumerateArray().Select(f => f.GetString()).ToList();
            var notes = result.GetProperty("notes").EnumerateArray().Select(n => n.GetString()).ToList();
            foreach (var note in notes)
            {
                Console.WriteLine($"[{section}] {note}");
            }
            Assert.True(failures.Count == 0, $"{section}: {failures.Count} of {result.GetProperty("checks").GetInt32()} checks failed:\n" + string.Join("\n", failures));
            Assert.True(result.GetProperty("checks").GetInt32() >= 7, $"{section}: too few checks ran");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    private static async Task<string> CctvJsonAsync()
    {
        async Task<JsonElement> Read(string name)
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(Repo.TestData("rfc6962-cctv", name)));
            return doc.RootElement.Clone();
        }
        return JsonSerializer.Serialize(new
        {
            tree = await Read("merkle_tree.json"),
            inclusionValid = await Read("inclusion-valid.json"),
            inclusionInvalid = await Read("inclusion-invalid.json"),
            consistencyValid = await Read("consistency-valid.json"),
            consistencyInvalid = await Read("consistency-invalid.json"),
        });
    }
}
