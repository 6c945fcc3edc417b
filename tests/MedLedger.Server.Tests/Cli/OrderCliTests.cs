using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>The orders verbs (patient) and pharmacy orders / key verbs (pharmacist) of the `medledger` binary against `serve --demo`.</summary>
public sealed partial class OrderCliTests : IAsyncLifetime
{
    private DemoServerProcess _demo = null!;

    public async Task InitializeAsync() => _demo = await DemoServerProcess.StartAsync();

    public async Task DisposeAsync() => await _demo.DisposeAsync();

    private async Task<(int Exit, string Out)> Run(string? home, params string[] args) => (await _demo.RunAsync(home, args)).Combined;

    private async Task<string> Ok(string? home, params string[] args)
    {
        var r = await Run(home, args);
        Assert.True(r.Exit == 0, string.Join(' ', args) + ": " + r.Out);
        return r.Out;
    }

    [Fact]
    public async Task A_patient_orders_through_the_cli_and_the_pharmacist_accepts_readies_and_hands_it_over_once_paid()
    {
        var pharmacist = _demo.Accounts.First(u => u.Email == "pharmacist@demo.medledger.local");
        var patient = _demo.Accounts.First(u => u.Role == "Patient");
        var homes = await Task.WhenAll(_demo.LoginAsync(pharmacist), _demo.LoginAsync(patient));
        var (pharmacistHome, patientHome) = (homes[0], homes[1]);

        var pharmacy = CliOutput.LastLine(await Ok(pharmacistHome, "pharmacy", "key", "publish"));
        Assert.Matches(CliOutput.GuidLine(), pharmacy);
        var medicine = CliOutput.LastLine(await Ok(pharmacistHome, "pharmacy", "medicines", "add", "--name", "Throat pastilles", "--strength", "1 mg", "--form", "Tablet",
            "--pack-size", "24", "--price-minor", "450", "--reorder-level", "0"));
        await Ok(pharmacistHome, "pharmacy", "stock", "receive", medicine, "--lot", "TP-1", "--expires", "2031-01-31", "--quantity", "10");

        var placed = await Ok(patientHome, "orders", "place", "--pharmacy", pharmacy, "--item", $"{medicine}:2", "--idempotency-key", "cli-order-1");
        var order = CliOutput.LastLine(placed);
        Assert.Matches(CliOutput.GuidLine(), order);
        Assert.Contains("9.00", placed);
        // Running the command again with the same key seals and signs a new request: refused (422), so nothing is ordered twice.
        var again = await Run(patientHome, "orders", "place", "--pharmacy", pharmacy, "--item", $"{medicine}:2", "--idempotency-key", "cli-order-1");
        Assert.Equal(1, again.Exit);
        Assert.Contains("422", again.Out);
        Assert.Single((await Ok(patientHome, "orders", "list")).Split('\n'), l => l.Contains(pharmacy, StringComparison.Ordinal));

        Assert.Contains(order, await Ok(pharmacistHome, "pharmacy", "orders", "list", "--status", "placed"));
        Assert.Contains($"{medicine}  x2", await Ok(pharmacistHome, "pharmacy", "orders", "open", order));
        Assert.Contains("accepted", await Ok(pharmacistHome, "pharmacy", "orders", "accept", order));
        Assert.Contains("ready", await Ok(pharmacistHome, "pharmacy", "orders", "ready", order));
        var unpaid = await Run(pharmacistHome, "pharmacy", "orders", "collect", order);
        Assert.Equal(1, unpaid.Exit);
        Assert.Contains("409", unpaid.Out);

        await Ok(patientHome, "wallet", "top-up", "--amount-minor", "5000", "--external-reference", "cli-card-1");
        var payable = (await Ok(patientHome, "wallet", "payables")).Split('\n').Select(l => l.Trim()).First(l => l.Contains("open", StringComparison.Ordinal) && l.Contains("9.00", StringComparison.Ordinal)).Split(' ')[0];
        await Ok(patientHome, "wallet", "pay", payable);
        Assert.Contains("collected", await Ok(pharmacistHome, "pharmacy", "orders", "collect", order));
        var mine = await Ok(patientHome, "orders", "list");
        Assert.Matches($@"{order}\s+collected\s+EUR 9\.00", mine);
        Assert.Contains($"{medicine} x2", mine);
    }
}
