using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>The insurance claims verbs of the `medledger` binary: a patient files their own claim, the insurer decides and pays it, the patient checks and disputes.</summary>
public sealed partial class InsuranceCliTests
{
    private static string LastLine(string output) => output.Trim().Split('\n').Last().Trim();

    [Fact]
    public async Task A_patient_files_a_claim_the_insurer_approves_and_pays_it_once_and_the_patient_checks_and_disputes_it_through_the_cli()
    {
        var insurer = _demo.Accounts.First(u => u.Email == "insurer@demo.medledger.local");
        var patient = _demo.Accounts.First(u => u.Role == "Patient");
        var homes = await Task.WhenAll(_demo.LoginAsync(insurer), _demo.LoginAsync(patient));
        var (insurerHome, patientHome) = (homes[0], homes[1]);
        var plan = LastLine((await Run(insurerHome, "insurance", "plans", "create", "--name", "Cli Claims Cover", "--premium-minor", "1234", "--annual-limit-minor", "90000",
            "--benefit", "Outpatient:80%:50000")).Out);
        var application = LastLine((await Run(patientHome, "insurance", "apply", plan)).Out);
        var policy = LastLine((await Run(insurerHome, "insurance", "applications", "accept", application)).Out);
        Assert.Matches(CliOutput.GuidLine(), policy);
        Assert.Equal(0, (await Run(patientHome, "wallet", "top-up", "--amount-minor", "1234", "--external-reference", "cli-claims-card")).Exit);
        var payable = (await Run(patientHome, "wallet", "payables")).Out.Split('\n').First(l => l.Contains("12.34", StringComparison.Ordinal) && l.Contains("open", StringComparison.Ordinal)).Split(' ')[0];
        var paid = await Run(patientHome, "wallet", "pay", payable);
        Assert.True(paid.Exit == 0, paid.Out);
        Assert.Contains("active", (await Run(patientHome, "insurance", "policies", "show", policy)).Out);

        var file = await Run(patientHome, "insurance", "claims", "file", policy, "--reference", "receipt-77", "--line", "Outpatient:5000");
        Assert.True(file.Exit == 0, file.Out);
        Assert.Contains("line 1: eligible 40.00 EUR", file.Out);
        var claim = LastLine(file.Out);
        Assert.Matches(CliOutput.GuidLine(), claim);
        // The same receipt again is a duplicate; a category the plan does not cover never reaches the server.
        Assert.Contains("line 1: duplicate", (await Run(patientHome, "insurance", "claims", "file", policy, "--reference", "receipt-77", "--line", "Outpatient:5000")).Out);
        Assert.NotEqual(0, (await Run(patientHome, "insurance", "claims", "file", policy, "--reference", "receipt-78", "--line", "Dental:100")).Exit);

        Assert.Contains(claim, (await Run(insurerHome, "insurance", "claims", "list", "--status", "filed")).Out);
        var decide = await Run(insurerHome, "insurance", "claims", "decide", claim, "--approve-eligible");
        Assert.True(decide.Exit == 0, decide.Out);
        Assert.Contains("approved: 40.00 EUR", decide.Out);
        Assert.Contains("paid: 40.00 EUR to the patient", (await Run(insurerHome, "insurance", "claims", "payout", claim)).Out);
        Assert.Contains("paid: 40.00 EUR", (await Run(insurerHome, "insurance", "claims", "payout", claim)).Out);
        // The patient cannot decide; their list checks out against the ledger; they dispute.
        Assert.Equal(1, (await Run(patientHome, "insurance", "claims", "decide", claim, "--line", "0:other")).Exit);
        var mine = await Run(patientHome, "insurance", "my-claims");
        Assert.True(mine.Exit == 0, mine.Out);
        Assert.Contains(claim, mine.Out);
        Assert.Contains("verified", mine.Out);
        Assert.Contains("open:amount-wrong", (await Run(patientHome, "insurance", "claims", "dispute", claim, "--reason", "amount-wrong")).Out);
        Assert.Contains(claim, (await Run(insurerHome, "insurance", "claims", "list", "--disputed")).Out);
    }
}
