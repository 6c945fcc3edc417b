using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using System.Text.Json.Nodes;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Issue 17, the pharmacy co-pay flow in Chromium against the demo server (docs/insurance.md "Pharmacy co-pay flow"): the
/// pharmacist's page files "pay with insurance" for its own fill with the card patient5 shared, the patient's wallet shows the
/// co-pay checked against the ledger and pays it, the fill's claim shows paid out once the insurer paid; a claim in its waiting
/// period leaves the full price owed, with the reason in words. Both screens stay free of serious axe violations.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CopayBrowserTests(BrowserWorld world)
{
    private static readonly AxeRunOptions Wcag = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    };

    private static async Task AssertAxeCleanAsync(IPage page, string screen)
    {
        await Assertions.Expect(page.Locator(".spinner")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        var serious = (await page.RunAxe(Wcag)).Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{screen}: {v.Id}: {v.Help} — e.g. {v.Nodes.FirstOrDefault()?.Html}").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious));
    }

    /// <summary>patient5 holds an active policy of a fresh plan (Pharmacy 80 %, <paramref name="waitDays"/>) shared with the demo pharmacist, who filled a new prescription of doctor13's.</summary>
    private async Task<(Guid Policy, Guid Prescription)> InsuredFillAsync(int waitDays)
    {
        using var insurer = await world.SdkAsync("insurer");
        using var patient = await world.SdkAsync("patient5");
        using var pharmacist = await world.SdkAsync("pharmacist");
        using var doctor = await world.SdkAsync("doctor13");
        var plan = await insurer.CreateInsurancePlanAsync(new NewInsurancePlan("Copay " + Guid.NewGuid().ToString("N")[..6], "Browser co-pay test plan", "EUR", 1000,
            PremiumInterval.Monthly, 100_000, DependantsAllowed: false, [new PlanBenefit(CoverCategory.Pharmacy, 80, null, 50_000, waitDays)]));
        var policy = (await insurer.AcceptApplicationAsync((await patient.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(DateTime.UtcNow))).Id)).Policy.Id;
        await patient.TopUpAsync(1000, "EUR", "co-pay browser test " + Guid.NewGuid());
        await patient.PayAsync((await patient.MyPayablesAsync()).Single(p => p.ReferenceId == policy).Id);
        Assert.Equal("active", (await patient.MyPolicyAsync(policy)).Policy.Status);
        await patient.SharePolicyCardAsync(policy, pharmacist.UserId);
        var rx = await doctor.WritePrescriptionAsync(DispensingBrowserTests.MedicationRequest("Metformin 500 mg tablets " + Guid.NewGuid().ToString("N")[..4], 2, 0), patient.UserId);
        await patient.GrantConsentAsync(pharmacist.UserId, ConsentScope.Categories, ["MedicationRequest"], "dispensing");
        var metformin = (await pharmacist.PharmacyStockAsync(pharmacist.Tokens!.User.OrganizationId!.Value)).First(l => l.Medicine.Name == "Metformin").Medicine.Id;
        await pharmacist.DispenseAsync(rx.Info.PrescriptionId, metformin, 2);
        return (policy, rx.Info.PrescriptionId);
    }

    [Fact]
    public async Task The_pharmacist_files_pay_with_insurance_in_the_browser_and_the_patient_pays_the_checked_co_pay_there()
    {
        var (policy, rx) = await InsuredFillAsync(waitDays: 0);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("pharmacist"));
        await HospitalTestKit.ClickNavAsync(page, "Dispense");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Open prescription {rx.ToString()[..8]}" }).ClickAsync();
        await page.GetByLabel("Patient's policy").SelectOptionAsync(policy.ToString());
        await page.GetByLabel("Price of the fill").FillAsync("20.00");
        await page.GetByRole(AriaRole.Button, new() { Name = "File insurance claim" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("copay-filed")).ToContainTextAsync("co-pay after insurance 4.00 EUR of 20.00 EUR; the insurer's share is 16.00 EUR");
        await Assertions.Expect(page.GetByTestId("copay-claim-1")).ToContainTextAsync("filed, awaiting the insurer");
        await AssertAxeCleanAsync(page, "pharmacist → Dispense → Pay with insurance");
        await page.Context.CloseAsync();

        using var patient = await world.SdkAsync("patient5");
        var claim = Assert.Single((await patient.MyClaimsAsync()).Claims, c => c.Claim.Dispense == $"{rx}/1").Claim;
        await patient.TopUpAsync(400, "EUR", "co-pay browser test " + Guid.NewGuid());
        var patientPage = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(patientPage, world.Account("patient5"));
        await HospitalTestKit.ClickNavAsync(patientPage, "Wallet");
        await Assertions.Expect(patientPage.GetByTestId($"copay-check-{claim.CopayPayableId}"))
            .ToContainTextAsync("Co-pay after insurance: 4.00 EUR of 20.00 EUR (your insurer pays 16.00 EUR); checked against the ledger.");
        await AssertAxeCleanAsync(patientPage, "patient → Wallet with a co-pay");
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Pay 4.00 EUR to Market Square Pharmacy" }).ClickAsync();
        await Assertions.Expect(patientPage.GetByText("Paid 4.00 EUR to Market Square Pharmacy; the ledger receipt verifies.")).ToBeVisibleAsync();
        await patientPage.Context.CloseAsync();
        Assert.NotNull((await patient.MyPayablesAsync()).Single(p => p.Id == claim.CopayPayableId).PaymentId);

        // The insurer pays the share out; the pharmacist's fill shows it.
        using (var insurer = await world.SdkAsync("insurer"))
        {
            await insurer.ApproveClaimAsync(claim.Id);
            await insurer.PayOutClaimAsync(claim.Id);
        }
        page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("pharmacist"));
        await HospitalTestKit.ClickNavAsync(page, "Dispense");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Open prescription {rx.ToString()[..8]}" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("copay-claim-1")).ToContainTextAsync("paid out 16.00 EUR");
        await Assertions.Expect(page.GetByTestId("copay-claim-1")).ToContainTextAsync("eligible, insurer's share 16.00 EUR");
        await BrowserWorld.ScreenshotAsync(page, "dispense-pay-with-insurance");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_claim_in_its_waiting_period_leaves_the_patient_owing_the_full_price_with_the_reason_in_words()
    {
        var (policy, rx) = await InsuredFillAsync(waitDays: 30);
        ClaimView claim;
        using (var pharmacist = await world.SdkAsync("pharmacist"))
        {
            claim = await pharmacist.FileDispenseClaimAsync(rx, 1, policy, 3300);
        }
        Assert.Equal(("waiting-period", 3300L), (claim.Lines[0].Outcome, claim.CopayMinor));

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient5"));
        await HospitalTestKit.ClickNavAsync(page, "Wallet");
        await Assertions.Expect(page.GetByTestId($"copay-check-{claim.CopayPayableId}"))
            .ToContainTextAsync("Not covered by your insurance: you owe the full price 33.00 EUR of 33.00 EUR, because the plan's waiting period for this category has not passed yet.");
        await page.Context.CloseAsync();
    }
    [Fact]
    public async Task The_patients_page_refuses_a_co_pay_whose_amount_the_server_doctored_and_sends_nothing()
    {
        var (policy, rx) = await InsuredFillAsync(waitDays: 0);
        ClaimView claim;
        using (var pharmacist = await world.SdkAsync("pharmacist"))
        {
            claim = await pharmacist.FileDispenseClaimAsync(rx, 1, policy, 2000);
        }
        Assert.Equal(400, claim.CopayMinor);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient5"));
        // The server asks 10.00 where the claim on the ledger leaves 4.00.
        await page.RouteAsync("**/api/payments/wallet/payables", async route =>
        {
            var response = await route.FetchAsync();
            var payables = JsonNode.Parse(await response.TextAsync())!.AsArray();
            foreach (var p in payables)
            {
                if ((string?)p!["id"] == claim.CopayPayableId.ToString())
                {
                    p["amount"] = 1000;
                }
            }
            await route.FulfillAsync(new() { Response = response, Body = payables.ToJsonString() });
        });
        await HospitalTestKit.ClickNavAsync(page, "Wallet");
        await Assertions.Expect(page.GetByTestId($"copay-check-{claim.CopayPayableId}"))
            .ToContainTextAsync("This co-pay does not check out: it asks 10.00 EUR; the claim on the ledger leaves 4.00 EUR owed.");
        var writes = PageWrites.Capture(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Pay 10.00 EUR to Market Square Pharmacy" }).ClickAsync();
        await Assertions.Expect(page.Locator("main [role=alert]").Filter(new() { HasText = "refused" })).ToContainTextAsync("the claim on the ledger leaves 400 EUR owed");
        Assert.DoesNotContain(writes, w => w.Contains("/api/payments/", StringComparison.Ordinal));
        await page.Context.CloseAsync();
        using var patient = await world.SdkAsync("patient5");
        Assert.Null((await patient.MyPayablesAsync()).Single(p => p.Id == claim.CopayPayableId).PaymentId);
    }
}
