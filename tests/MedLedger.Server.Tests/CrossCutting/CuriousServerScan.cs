using System.Text;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.CrossCutting;

/// <summary>
/// The curious server's eyes, shared by <see cref="CuriousServerTests"/> and feature suites that add their own words
/// (FHIR import): everything a stopped host kept — database with its WAL and ledger tables, blobs, outbox — and its logs.
/// </summary>
public static class CuriousServerScan
{
    /// <summary>Stops the host (so SQLite has flushed) and returns every stored file's bytes plus the logs.</summary>
    public static async Task<List<(string Name, byte[] Bytes)>> StoredBytesAsync(TestHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        await host.App.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var files = Directory.EnumerateFiles(host.DataDirectory, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.Contains(Path.Combine("blobs", ""), StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("medledger.db", StringComparison.Ordinal));
        var haystacks = files.Select(f => (Name: f, Bytes: File.ReadAllBytes(f))).ToList();
        haystacks.Add(("logs", Encoding.UTF8.GetBytes(string.Join("\n", host.Logs.Lines))));
        return haystacks;
    }

    /// <summary>A word as UTF-8 and as UTF-16, the two ways text could sit in a file.</summary>
    public static IEnumerable<(string What, byte[] Bytes)> Needles(string what, string word)
    {
        yield return (what + " " + word, Encoding.UTF8.GetBytes(word));
        yield return (what + " (utf-16) " + word, Encoding.Unicode.GetBytes(word));
    }

    public static void AssertNoneFound(IEnumerable<(string Name, byte[] Bytes)> haystacks, IReadOnlyCollection<(string What, byte[] Bytes)> needles)
    {
        ArgumentNullException.ThrowIfNull(haystacks);
        ArgumentNullException.ThrowIfNull(needles);
        foreach (var (name, bytes) in haystacks)
        {
            foreach (var (what, needle) in needles)
            {
                Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{what} found in {name}");
            }
        }
    }
}
