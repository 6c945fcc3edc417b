using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>`medledger admin create` on a stopped server's data folder, then offline verification of what it wrote.</summary>
public sealed class AdminCreateCliTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "medledger-admin-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }

    private static async Task<(int Exit, string Out)> Run(params string[] args)
    {
        var r = await CliBinary.RunAsync(args);
        return (r.Exit, r.All);
    }

    [Fact]
    public async Task Admin_create_registers_keys_on_the_ledger_prints_a_recovery_code_once_and_refuses_duplicates()
    {
        var created = await Run("admin", "create", "--email", "root@example.org", "--password", "a long admin passphrase", "--data", _data);
        Assert.True(created.Exit == 0, created.Out);
        Assert.Matches(@"[0-9A-Z]{4}(-[0-9A-Z]{4}){5}-[0-9A-Z]", created.Out);
        var verify = await Run("ledger", "verify", "--data", _data);
        Assert.True(verify.Exit == 0, verify.Out);
        Assert.Contains("2 transactions", verify.Out); // key registration + the admin's approval

        var again = await Run("admin", "create", "--email", "ROOT@example.org", "--password", "another passphrase", "--data", _data);
        Assert.Equal(1, again.Exit);
        Assert.Contains("already exists", again.Out);
        Assert.DoesNotContain("a long admin passphrase", created.Out);
    }

    [Fact]
    public async Task Ledger_verify_finds_the_data_folder_above_where_it_runs_or_says_exactly_which_folder_to_pass()
    {
        var root = Path.Combine(_data, "site");
        var data = Path.Combine(root, "data");
        Assert.Equal(0, (await Run("admin", "create", "--email", "root@example.org", "--password", "a long admin passphrase", "--data", data)).Exit);
        var deeper = Directory.CreateDirectory(Path.Combine(root, "scripts", "nightly")).FullName;

        var found = await CliBinary.RunAsync(["ledger", "verify"], workingDirectory: deeper);
        Assert.True(found.Exit == 0, found.All);
        Assert.Contains($"Using the data folder {data}", found.All, StringComparison.Ordinal);
        Assert.Contains("2 transactions", found.All, StringComparison.Ordinal);

        var missing = Path.Combine(_data, "elsewhere");
        var refused = await Run("ledger", "verify", "--data", missing);
        Assert.Equal(2, refused.Exit);
        Assert.Contains($"No MedLedger database at {Path.Combine(missing, "medledger.db")}", refused.Out, StringComparison.Ordinal);
        Assert.Contains("--data <folder>", refused.Out, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }
}
