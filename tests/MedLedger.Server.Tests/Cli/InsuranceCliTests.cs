using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>The insurance plans verbs of the `medledger` binary against `serve --demo` (the demo insurer's staff account).
/// Its tests share one demo server: each works on a plan of its own.</summary>
public sealed partial class InsuranceCliTests(SharedDemoServer shared) : IClassFixture<SharedDemoServer>
{
    private readonly DemoServerProcess _demo = shared.Demo;

    private async Task<(int Exit, string Out)> Run(string? home, params string[] args) => (await _demo.RunAsync(home, args)).Combined;

    [Fact]
    public async Task Insurer_staff_publish_and_withdraw_a_plan_and_a_patient_browses_it_through_the_cli()
    {
        var insurer = _demo.Accounts.First(u => u.Email == "insurer@demo.medledger.local");
        var patient = _demo.Accounts.First(u => u.Role == "Patient");
        var homes = await Task.WhenAll(_demo.LoginAsync(insurer), _demo.LoginAsync(patient));
        var (insurerHome, patientHome) = (homes[0], homes[1]);

        var create = await Run(insurerHome, "insurance", "plans", "create", "--name", "Cli Family Cover", "--premium-minor", "4500", "--annual-limit-minor", "500000",
            "--dependants", "--benefit", "Outpatient:80%:200000", "--benefit", "Maternity:100%:300000:30", "--benefit", "Pharmacy:copay=500:100000:0");
        Assert.True(create.Exit == 0, create.Out);
        var plan = create.Out.Trim().Split('\n').Last().Trim();
        Assert.Matches(CliOutput.GuidLine(), plan);

        var show = await Run(patientHome, "insurance", "plans", "show", plan);
        Assert.True(show.Exit == 0, show.Out);
        Assert.Contains("Cli Family Cover", show.Out);
        Assert.Matches(@"Maternity\s*[│|]\s*100%\s*[│|]\s*3000\.00 EUR\s*[│|]\s*30", show.Out);
        Assert.Matches(@"Pharmacy\s*[│|]\s*co-pay 5\.00 EUR", show.Out);
        Assert.Contains("Cli Family Cover", (await Run(patientHome, "insurance", "plans", "list")).Out);

        // A patient cannot publish; a malformed benefit never reaches the server.
        var refused = await Run(patientHome, "insurance", "plans", "create", "--name", "Mine", "--premium-minor", "1", "--annual-limit-minor", "100", "--benefit", "Outpatient:80%:100");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("403", refused.Out);
        var malformed = await Run(insurerHome, "insurance", "plans", "create", "--name", "Bad", "--premium-minor", "1", "--annual-limit-minor", "100", "--benefit", "Outpatient:lots:100");
        Assert.NotEqual(0, malformed.Exit);
        Assert.Contains("COVER is a percentage", malformed.Out);

        var withdraw = await Run(insurerHome, "insurance", "plans", "withdraw", plan);
        Assert.True(withdraw.Exit == 0, withdraw.Out);
        Assert.Contains("revision 2", withdraw.Out);
        Assert.DoesNotContain("Cli Family Cover", (await Run(patientHome, "insurance", "plans", "list")).Out);
    }

    [Fact]
    public async Task A_patient_applies_and_insurer_staff_accept_suspend_and_reinstate_the_policy_through_the_cli()
    {
        var insurer = _demo.Accounts.First(u => u.Email == "insurer@demo.medledger.local");
        var patient = _demo.Accounts.First(u => u.Role == "Patient");
        var homes = await Task.WhenAll(_demo.LoginAsync(insurer), _demo.LoginAsync(patient));
        var (insurerHome, patientHome) = (homes[0], homes[1]);
        var create = await Run(insurerHome, "insurance", "plans", "create", "--name", "Cli Policy Cover", "--premium-minor", "1200", "--annual-limit-minor", "90000",
            "--benefit", "Outpatient:80%:50000", "--benefit", "Dental:copay=300:20000:60");
        Assert.True(create.Exit == 0, create.Out);
        var plan = create.Out.Trim().Split('\n').Last().Trim();

        var apply = await Run(patientHome, "insurance", "apply", plan);
        Assert.True(apply.Exit == 0, apply.Out);
        var application = apply.Out.Trim().Split('\n').Last().Trim();
        Assert.Matches(CliOutput.GuidLine(), application);
        Assert.Contains(application, (await Run(insurerHome, "insurance", "applications", "list", "--status", "submitted")).Out);

        var accept = await Run(insurerHome, "insurance", "applications", "accept", application);
        Assert.True(accept.Exit == 0, accept.Out);
        var policy = accept.Out.Trim().Split('\n').Last().Trim();
        Assert.Matches(CliOutput.GuidLine(), policy);
        var show = await Run(patientHome, "insurance", "policies", "show", policy);
        Assert.True(show.Exit == 0, show.Out);
        Assert.Contains("pending, verified on the ledger", show.Out);
        Assert.Matches(@"Dental\s*[│|]\s*co-pay 3\.00 EUR", show.Out);
        Assert.Contains("accepted", (await Run(patientHome, "insurance", "applications", "list")).Out);

        // A pending policy cannot be suspended; a patient cannot decide applications.
        var early = await Run(insurerHome, "insurance", "policies", "suspend", policy, "--reason", "other");
        Assert.Equal(1, early.Exit);
        Assert.Contains("409", early.Out);
        Assert.Equal(1, (await Run(patientHome, "insurance", "applications", "decline", application, "--reason", "other")).Exit);
        Assert.Contains(policy, (await Run(insurerHome, "insurance", "policies", "list")).Out);
    }
}
