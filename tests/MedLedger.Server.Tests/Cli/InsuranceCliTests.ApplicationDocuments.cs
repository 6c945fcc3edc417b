using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>The session-31 insurance verbs: a patient applies with --attach (linked and sealed for the insurer), the insurer opens it with applications documents.</summary>
public sealed partial class InsuranceCliTests
{
    [Fact]
    public async Task A_patient_applies_with_an_attached_record_and_the_insurer_opens_it_with_applications_documents()
    {
        var insurer = _demo.Accounts.First(u => u.Email == "insurer@demo.medledger.local");
        var patient = _demo.Accounts.Where(u => u.Role == "Patient").Skip(2).First();
        var homes = await Task.WhenAll(_demo.LoginAsync(insurer), _demo.LoginAsync(patient));
        var (insurerHome, patientHome) = (homes[0], homes[1]);
        var plan = LastLine((await Run(insurerHome, "insurance", "plans", "create", "--name", "Cli Application Documents", "--premium-minor", "1500", "--annual-limit-minor", "90000",
            "--benefit", "Outpatient:80%:50000")).Out);
        var words = "cli application document " + Guid.NewGuid().ToString("N")[..8];
        var path = Path.Combine(Path.GetTempPath(), $"application-doc-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(path, words);
        var record = LastLine((await Run(patientHome, "records", "add", path)).Out);

        var applied = await Run(patientHome, "insurance", "apply", plan, "--attach", record);
        Assert.True(applied.Exit == 0, applied.Out);
        Assert.Contains("1 document(s) attached, sealed for", applied.Out);
        var application = LastLine(applied.Out);

        var output = Path.Combine(Path.GetTempPath(), $"application-docs-{Guid.NewGuid():N}");
        var opened = await Run(insurerHome, "insurance", "applications", "documents", application, "--out", output);
        Assert.True(opened.Exit == 0, opened.Out);
        Assert.Equal(words, await File.ReadAllTextAsync(Path.Combine(output, record + ".bin")));
        // Declined: the link no longer opens the record, so the verb exits 2.
        Assert.Equal(0, (await Run(insurerHome, "insurance", "applications", "decline", application, "--reason", "other")).Exit);
        Assert.Equal(2, (await Run(insurerHome, "insurance", "applications", "documents", application)).Exit);
    }
}
