using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using OtpNet;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// `medledger import` as its own process against `serve --demo`, for a fresh patient: a bad file among the arguments
/// refuses the whole run before any upload; the Synthea bundle then imports with plain progress lines (output is
/// piped) and a summary table; a second run imports nothing new.
/// </summary>
public sealed class ImportCliTests : IAsyncLifetime
{
    private const string Small = "8708d3e1-f718-96bb-03f0-f2a6564ae1cd.json";
    private DemoServerProcess _demo = null!;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-import-cli-" + Guid.NewGuid().ToString("N")[..10]);

    public async Task InitializeAsync() => _demo = await DemoServerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        await _demo.DisposeAsync();
        try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private async Task<string> Ok(string home, params string[] args)
    {
        var r = await _demo.RunAsync(home, args);
        Assert.True(r.Exit == 0, $"{string.Join(' ', args)}: {r.All}");
        return r.Out;
    }

    [Fact]
    public async Task Import_refuses_a_bad_file_before_uploading_then_imports_with_a_summary_and_a_rerun_adds_nothing()
    {
        const string password = "import cli passphrase 3";
        var email = $"import-{Guid.NewGuid():N}@example.org";
        using var sdk = new MedLedgerClient(new Uri(_demo.Url));
        await sdk.RegisterWithDevOutboxAsync(email, password, Role.Patient);
        await sdk.LoginWithDevOutboxAsync(email, password);
        var enrollment = await sdk.BeginTotpEnrollmentAsync(password);
        await sdk.ConfirmTotpAsync(new Totp(Base32Encoding.ToBytes(enrollment.Secret)).ComputeTotp());
        var home = await _demo.LoginAsync(new DemoAccount(email, password, "Patient", enrollment.Secret, null));

        Directory.CreateDirectory(_dir);
        var bad = Path.Combine(_dir, "broken.json");
        await File.WriteAllTextAsync(bad, """{"resourceType":"Bundle","type":"collection","entry":[""");
        var refused = await _demo.RunAsync(home, "import", Repo.TestData("synthea", Small), bad);
        Assert.True(refused.Exit == 1, refused.All);
        Assert.Contains("import refused", refused.Out, StringComparison.Ordinal);
        Assert.Contains("broken.json is not valid JSON", refused.Out, StringComparison.Ordinal);
        Assert.Empty(await sdk.ListRecordsAsync());

        var first = await Ok(home, "import", Repo.TestData("synthea", Small));
        Assert.Contains($"{Small}: 136/136", first, StringComparison.Ordinal);
        Assert.Matches(@"Observation\s*│\s*82\s*│\s*0\s*│\s*0", first);
        Assert.Matches(@"ExplanationOfBenefit\s*│\s*0\s*│\s*0\s*│\s*7\s*│\s*no MedLedger record category", first);
        Assert.Contains("imported 136, already imported 0, skipped 10", first, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(home, $"import-state-{sdk.UserId}.json")));
        Assert.Equal(136, (await sdk.ListRecordsAsync()).Count);

        var again = await Ok(home, "import", Repo.TestData("synthea", Small));
        Assert.Contains("imported 0, already imported 136, skipped 10", again, StringComparison.Ordinal);
        Assert.Equal(136, (await sdk.ListRecordsAsync()).Count);
    }
}
