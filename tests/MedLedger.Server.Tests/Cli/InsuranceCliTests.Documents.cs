using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>The session-30 insurance verbs: the insurer marks a premium paid, a patient files with --attach (sealed for the insurer), the insurer opens the document and reads its figures.</summary>
public sealed partial class InsuranceCliTests
{
    [Fact]
    public async Task The_insurer_marks_a_premium_paid_and_opens_a_document_the_patient_attached_with_attach_through_the_cli()
    {
        var insurer = _demo.Accounts.First(u => u.Email == "insurer@demo.medledger.local");
        var patient = _demo.Accounts.Where(u => u.Role == "Patient").Skip(1).First();
        var homes = await Task.WhenAll(_demo.LoginAsync(insurer), _demo.LoginAsync(patient));
        var (insurerHome, patientHome) = (homes[0], homes[1]);
        var plan = LastLine((await Run(insurerHome, "insurance", "plans", "create", "--name", "Cli Documents Cover", "--premium-minor", "1500", "--annual-limit-minor", "90000",
            "--benefit", "Outpatient:80%:50000")).Out);
        var policy = LastLine((await Run(insurerHome, "insurance", "applications", "accept", LastLine((await Run(patientHome, "insurance", "apply", plan)).Out))).Out);
        var marked = await Run(insurerHome, "insurance", "policies", "mark-paid", policy);
        Assert.True(marked.Exit == 0, marked.Out);
        Assert.Contains("Policy active", marked.Out);
        Assert.Contains("Policy active", (await Run(insurerHome, "insurance", "policies", "mark-paid", policy)).Out);

        var words = "cli claim document " + Guid.NewGuid().ToString("N")[..8];
        var path = Path.Combine(Path.GetTempPath(), $"claim-doc-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(path, words);
        var record = LastLine((await Run(patientHome, "records", "add", path)).Out);
        var file = await Run(patientHome, "insurance", "claims", "file", policy, "--reference", "receipt-doc-1", "--line", "Outpatient:2000", "--attach", record);
        Assert.True(file.Exit == 0, file.Out);
        Assert.Contains("documents sealed for", file.Out);
        var claim = LastLine(file.Out);

        var output = Path.Combine(Path.GetTempPath(), $"claim-docs-{Guid.NewGuid():N}");
        var opened = await Run(insurerHome, "insurance", "claims", "documents", claim, "--out", output);
        Assert.True(opened.Exit == 0, opened.Out);
        Assert.Equal(words, await File.ReadAllTextAsync(Path.Combine(output, record + ".bin")));
        var figures = await Run(insurerHome, "insurance", "figures");
        Assert.True(figures.Exit == 0, figures.Out);
        Assert.Contains("EUR", figures.Out);
    }
}
