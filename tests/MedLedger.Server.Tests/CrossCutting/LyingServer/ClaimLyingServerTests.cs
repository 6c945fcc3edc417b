using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// Issue 17 item 5, from the attacker's side: a server that alters a claim in a patient's name (a line's amount), drops its
/// receipt, or hides it from the list. The patient's client flags the first two against the claim's insurance.claim file on the
/// ledger, and finds the hidden one among the ledger's transactions that name the patient; the honest list checks out.
/// </summary>
public sealed class ClaimLyingServerTests : RecordTestBase
{
    [Fact]
    public async Task A_patients_client_flags_a_claim_whose_amount_or_receipt_the_server_changed_and_one_it_hides()
    {
        var insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Liar Claims Mutual " + Guid.NewGuid().ToString("N")[..6]);
        var plan = await insurer.Client.CreateInsurancePlanAsync(new NewInsurancePlan("Liar Claims " + Guid.NewGuid().ToString("N")[..6], null, "EUR", 2900,
            PremiumInterval.Monthly, 100_000, DependantsAllowed: false, [new PlanBenefit(CoverCategory.Outpatient, 80, null, 100_000, 0)]));
        var patient = await World.RegisterAsync(Role.Patient);
        var application = await patient.Client.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime));
        var policyId = (await insurer.Client.AcceptApplicationAsync(application.Id)).Policy.Id;
        var payable = Assert.Single(await patient.Client.MyPayablesAsync(), p => p.ReferenceId == policyId);
        await patient.Client.TopUpAsync(payable.Amount, "EUR", "card-liar-claims");
        await patient.Client.PayAsync(payable.Id);
        await patient.Client.MyPolicyAsync(policyId);
        var claim = await patient.Client.FileClaimAsync(policyId, "receipt-liar", [new NewClaimLine("Outpatient", 5000, Host.Clock.GetUtcNow())]);
        var (client, liar) = await LyingServer.SignInAsync(Host, patient);
        const string path = "/api/insurance/my-claims";

        liar.Lie = (req, json) => req.RequestUri!.AbsolutePath == path ? Edit(json, c => c["lines"]![0]!["amountMinor"] = 500) : null;
        Assert.Contains("lines", Assert.Single(Assert.Single((await client.MyClaimsAsync()).Claims).Problems));
        liar.Lie = (req, json) => req.RequestUri!.AbsolutePath == path ? Edit(json, c => c["fileReceipt"] = null) : null;
        Assert.Contains("without the receipt", Assert.Single(Assert.Single((await client.MyClaimsAsync()).Claims).Problems));
        liar.Lie = (req, json) => req.RequestUri!.AbsolutePath == path ? new JsonArray() : null;
        var hidden = await client.MyClaimsAsync();
        Assert.Empty(hidden.Claims);
        Assert.Equal([claim.Id], hidden.OnLedgerNotListed);

        liar.Lie = null;
        var honest = await client.MyClaimsAsync();
        Assert.True(Assert.Single(honest.Claims).Verified);
        Assert.Empty(honest.OnLedgerNotListed);
    }

    private static JsonNode Edit(JsonNode json, Action<JsonNode> edit)
    {
        edit(json[0]!);
        return json;
    }
}
