using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.Features.Dispensing;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// Issue 17, the patient's own check of a co-pay, from the attacker's side: a server that bills more than the claim on the ledger
/// leaves (a doctored payable amount, or a doctored insurer's share with a co-pay to match). The patient's client refuses to pay
/// either, sending nothing; the honest co-pay (price 20.00 less 80 % = 4.00) checks out and is paid.
/// </summary>
public sealed class CopayLyingServerTests : RecordTestBase
{
    private const string Payables = "/api/payments/wallet/payables";

    [Fact]
    public async Task A_patients_client_refuses_a_co_pay_whose_amount_or_share_the_server_doctored_and_pays_the_honest_one()
    {
        var insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Liar Copay Mutual " + Guid.NewGuid().ToString("N")[..6]);
        var plan = await insurer.Client.CreateInsurancePlanAsync(new NewInsurancePlan("Liar Copay " + Guid.NewGuid().ToString("N")[..6], null, "EUR", 2900,
            PremiumInterval.Monthly, 100_000, DependantsAllowed: false, [new PlanBenefit(CoverCategory.Pharmacy, 80, null, 50_000, 0)]));
        var (staff, doctors) = await World.HospitalAsync(Admin, "Liar Copay General", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id);
        var application = await patient.Client.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime));
        var policyId = (await insurer.Client.AcceptApplicationAsync(application.Id)).Policy.Id;
        var premium = Assert.Single(await patient.Client.MyPayablesAsync(), p => p.ReferenceId == policyId);
        await patient.Client.TopUpAsync(premium.Amount + 10_000, "EUR", "card-liar-copay");
        await patient.Client.PayAsync(premium.Id);
        await patient.Client.MyPolicyAsync(policyId);
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Liar Copay Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        var medicine = await DispensingTests.StockAsync(pharmacist);
        await patient.Client.SharePolicyCardAsync(policyId, pharmacist.Id);
        var rx = (await doctors[0].Client.WritePrescriptionAsync(DispensingTests.MedicationRequest(quantity: 30, repeats: 0), patient.Id)).Info.PrescriptionId;
        await DispensingTests.ShareAsync(patient, pharmacist);
        await pharmacist.Client.DispenseAsync(rx, medicine, 30);
        var claim = await pharmacist.Client.FileDispenseClaimAsync(rx, 1, policyId, 2000);
        Assert.Equal(400, claim.CopayMinor);
        var copay = Assert.Single(await patient.Client.MyPayablesAsync(), p => p.ReferenceKind == MedLedgerClient.CopayKind);
        var (client, liar) = await LyingServer.SignInAsync(Host, patient);
        var claimPath = $"/api/insurance/claims/{claim.Id}";

        // The payable asks 10.00 where the claim on the ledger leaves 4.00.
        liar.Lie = (req, json) => req.RequestUri!.AbsolutePath == Payables ? Doctor(json, copay.Id, 1000) : null;
        var sent = liar.Sent.Count;
        var refused = await Assert.ThrowsAsync<PaymentCheckException>(() => client.PayAsync(copay.Id));
        Assert.Contains("leaves 400 EUR owed", refused.Message, StringComparison.Ordinal);
        Assert.Empty(liar.WritesSince(sent));

        // The server shrinks the insurer's share to 10.00 and makes claim and payable agree on a co-pay of 10.00: the policy's terms on
        // the ledger (80 %) give 16.00.
        liar.Lie = (req, json) => req.RequestUri!.AbsolutePath switch
        {
            Payables => Doctor(json, copay.Id, 1000),
            var p when p == claimPath => Shrink(json),
            _ => null,
        };
        var checkedCopay = await client.CheckCopayAsync(claim.Id);
        Assert.Contains(checkedCopay.Problems, p => p.Contains("your policy's terms on the ledger give 1600", StringComparison.Ordinal));
        sent = liar.Sent.Count;
        Assert.Contains("does not check out", (await Assert.ThrowsAsync<PaymentCheckException>(() => client.PayAsync(copay.Id))).Message, StringComparison.Ordinal);
        Assert.Empty(liar.WritesSince(sent));

        // The honest co-pay checks out and is paid once.
        liar.Lie = null;
        var honest = await client.CheckCopayAsync(claim.Id);
        Assert.True(honest.Verified, string.Join(" ", honest.Problems));
        Assert.Equal((2000L, 1600L, 400L, (string?)null), (honest.PriceMinor, honest.ShareMinor, honest.OwedMinor, honest.NotEligibleReason));
        Assert.Equal(400, (await client.PayAsync(copay.Id)).Amount);
    }

    private static JsonNode Doctor(JsonNode payables, Guid id, long amount)
    {
        foreach (var p in payables.AsArray())
        {
            if (p!["id"]!.GetValue<Guid>() == id)
            {
                p["amount"] = amount;
            }
        }
        return payables;
    }

    private static JsonNode Shrink(JsonNode claim)
    {
        claim["lines"]![0]!["payableMinor"] = 1000;
        claim["reservedMinor"] = 1000;
        claim["copayMinor"] = 1000;
        return claim;
    }
}
