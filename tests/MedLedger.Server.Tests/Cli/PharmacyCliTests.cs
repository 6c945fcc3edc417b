using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>The pharmacy, medicines and pharmacies verbs of the `medledger` binary against `serve --demo` (demo pharmacies stocked by DemoWorld.Pharmacy).</summary>
public sealed partial class PharmacyCliTests : IAsyncLifetime
{
    private DemoServerProcess _demo = null!;

    public async Task InitializeAsync() => _demo = await DemoServerProcess.StartAsync();

    public async Task DisposeAsync() => await _demo.DisposeAsync();

    private async Task<(int Exit, string Out)> Run(string? home, params string[] args) => (await _demo.RunAsync(home, args)).Combined;

    [Fact]
    public async Task Pharmacist_adds_receives_sells_and_writes_off_and_a_patient_finds_the_medicine_through_the_cli()
    {
        var pharmacist = _demo.Accounts.First(u => u.Email == "pharmacist@demo.medledger.local");
        var patient = _demo.Accounts.First(u => u.Role == "Patient");
        var homes = await Task.WhenAll(_demo.LoginAsync(pharmacist), _demo.LoginAsync(patient));
        var (pharmacistHome, patientHome) = (homes[0], homes[1]);

        // The demo stock: oxycodone has exactly one usable unit; every medicine has an expired lot.
        var stock = await Run(pharmacistHome, "pharmacy", "medicines", "list");
        Assert.True(stock.Exit == 0, stock.Out);
        Assert.Matches(@"Oxycodone 5 mg Tablet x20 \[schedule II\]\s*[│|][^\n]*[│|]\s*1\s*[│|]\s*3\s*[│|]\s*Low", stock.Out);
        var expiring = await Run(pharmacistHome, "pharmacy", "stock", "expiring", "--days", "30");
        Assert.True(expiring.Exit == 0, expiring.Out);
        Assert.Contains("(expired)", expiring.Out);

        var add = await Run(pharmacistHome, "pharmacy", "medicines", "add", "--name", "Zinc lozenges", "--strength", "10 mg", "--form", "Tablet",
            "--pack-size", "24", "--price-minor", "650", "--reorder-level", "5");
        Assert.True(add.Exit == 0, add.Out);
        var medicine = CliOutput.LastLine(add.Out);
        Assert.Matches(CliOutput.GuidLine(), medicine);
        var receive = await Run(pharmacistHome, "pharmacy", "stock", "receive", medicine, "--lot", "ZN-1", "--expires", "2031-01-31", "--quantity", "12");
        Assert.True(receive.Exit == 0, receive.Out);
        var lot = CliOutput.LastLine(receive.Out);
        Assert.Matches(CliOutput.GuidLine(), lot);
        Assert.Contains("12 on hand", receive.Out);

        var sell = await Run(pharmacistHome, "pharmacy", "stock", "sell", medicine, "--quantity", "4");
        Assert.True(sell.Exit == 0, sell.Out);
        Assert.Contains("lot ZN-1 (4)", sell.Out);
        var tooMany = await Run(pharmacistHome, "pharmacy", "stock", "sell", medicine, "--quantity", "9");
        Assert.Equal(1, tooMany.Exit);
        Assert.Contains("409", tooMany.Out);
        var writeOff = await Run(pharmacistHome, "pharmacy", "stock", "write-off", lot, "--quantity", "1", "--reason", "crushed pack");
        Assert.True(writeOff.Exit == 0, writeOff.Out);
        Assert.Contains("7 on hand", writeOff.Out);
        var back = await Run(pharmacistHome, "pharmacy", "stock", "return", lot, "--quantity", "1", "--reason", "unopened");
        Assert.True(back.Exit == 0, back.Out);
        var adjust = await Run(pharmacistHome, "pharmacy", "stock", "adjust", lot, "--delta", "-2", "--reason", "count");
        Assert.True(adjust.Exit == 0, adjust.Out);
        Assert.Contains("6 on hand", adjust.Out);
        var list = await Run(pharmacistHome, "pharmacy", "stock", "list");
        Assert.Matches(@"ZN-1\s*[│|]\s*2031-01-31\s*[│|]\s*6", list.Out);

        var search = await Run(patientHome, "medicines", "search", "zinc");
        Assert.True(search.Exit == 0, search.Out);
        Assert.Contains("Market Square Pharmacy", search.Out);
        Assert.Contains("InStock", search.Out);
        var nearby = await Run(patientHome, "pharmacies", "nearby", "--near", "52.52,13.40", "--has", "zinc");
        Assert.True(nearby.Exit == 0, nearby.Out);
        Assert.Contains("Market Square Pharmacy", nearby.Out);
        Assert.DoesNotContain("Riverside Pharmacy", nearby.Out);
        Assert.Contains("1 pharmacy(ies) within range", nearby.Out);
        // A patient is not a pharmacist.
        var refused = await Run(patientHome, "pharmacy", "stock", "list");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("no pharmacy", refused.Out);

        // The day's records: the summary counts the sale and the stock moved; the CSV export names the medicine and lot.
        var daily = await Run(pharmacistHome, "pharmacy", "report", "daily");
        Assert.True(daily.Exit == 0, daily.Out);
        Assert.Matches(@"Zinc lozenges 10 mg\s*[│|]\s*12\s*[│|]\s*4\s*[│|]\s*0\s*[│|]\s*1\s*[│|]\s*1\s*[│|]\s*-2", daily.Out);
        var csvFile = Path.Combine(pharmacistHome, "movements.csv");
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var export = await Run(pharmacistHome, "pharmacy", "report", "movements", "--from", today, "--to", today, "--out", csvFile);
        Assert.True(export.Exit == 0, export.Out);
        var rows = File.ReadAllLines(csvFile).Where(l => l.Contains(",Zinc lozenges,", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, rows.Count);
        Assert.Contains(rows, r => r.Contains(",ZN-1,2031-01-31,WrittenOff,1,crushed pack,", StringComparison.Ordinal));
        var badZone = await Run(pharmacistHome, "pharmacy", "report", "daily", "--zone", "Atlantis/Capital");
        Assert.Equal(1, badZone.Exit);
        Assert.Contains("IANA time zone", badZone.Out);

        // A new price and then discontinued: the patient no longer finds it, the price history keeps the change.
        var update = await Run(pharmacistHome, "pharmacy", "medicines", "update", medicine, "--price-minor", "700", "--discontinue");
        Assert.True(update.Exit == 0, update.Out);
        Assert.Contains("7.00 EUR", update.Out);
        Assert.Contains("discontinued", update.Out);
        var prices = await Run(pharmacistHome, "pharmacy", "medicines", "prices", medicine);
        Assert.Matches(@"6\.50\s*[│|]\s*7\.00", prices.Out);
        var gone = await Run(patientHome, "medicines", "search", "zinc");
        Assert.True(gone.Exit == 0, gone.Out);
        Assert.DoesNotContain("Market Square Pharmacy", gone.Out);
    }
}
