using System.Text;
using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// Issue 17 item 2, from the attacker's side: a server that changes what a patient's policy says (the premium, the overall
/// limit, the plan terms a benefit pays, or drops the receipt). The patient's client refuses each against the insurance.policy
/// issue on the ledger; the honest answer then verifies.
/// </summary>
public sealed class PolicyLyingServerTests : RecordTestBase
{
    [Fact]
    public async Task A_patients_client_refuses_a_policy_whose_premium_limit_terms_or_receipt_the_server_changed()
    {
        var insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Liar Mutual " + Guid.NewGuid().ToString("N")[..6]);
        var plan = await insurer.Client.CreateInsurancePlanAsync(new NewInsurancePlan("Liar Basic " + Guid.NewGuid().ToString("N")[..6], "Doctor visits at 80 %", "EUR", 2900,
            PremiumInterval.Monthly, 100_000, DependantsAllowed: false, [new PlanBenefit(CoverCategory.Outpatient, 80, null, 100_000, 0)]));
        var patient = await World.RegisterAsync(Role.Patient);
        var application = await patient.Client.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime));
        var policyId = (await insurer.Client.AcceptApplicationAsync(application.Id)).Policy.Id;
        var (client, liar) = await LyingServer.SignInAsync(Host, patient);
        var path = $"/api/insurance/policies/{policyId}";

        static JsonNode Terms(JsonNode json, Func<string, string> edit)
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String((string)json["terms"]!));
            json["terms"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(edit(text)));
            return json;
        }
        var lies = new Func<JsonNode, JsonNode>[]
        {
            json => { json["premiumMinor"] = 99; return json; },
            json => { json["annualLimitMinor"] = 1; return json; },
            // Terms that pay 100 % instead of 80 %, with or without their own (honest) hash beside them.
            json => Terms(json, t => t.Replace("\"coveragePercent\":80", "\"coveragePercent\":100", StringComparison.Ordinal)),
            json => { json["receipt"] = null; return json; },
        };
        foreach (var lie in lies)
        {
            liar.Lie = (req, json) => req.RequestUri!.AbsolutePath == path ? lie(json) : null;
            await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.MyPolicyAsync(policyId));
        }

        liar.Lie = null;
        var honest = await client.MyPolicyAsync(policyId);
        Assert.Equal((2900L, 100_000L), (honest.Policy.PremiumMinor, honest.Policy.AnnualLimitMinor));
    }
}
