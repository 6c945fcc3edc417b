using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Crypto;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Issue 17's browser claim screens in Chromium against the demo server: a doctor files a claim in the page (tags and tokens
/// computed and the file signed there), a resubmission of the same care comes back duplicate, the insurer decides one line in
/// full and one in part and pays out in the page, the patient sees the claim verified and paid and disputes it, and the insurer
/// sees the dispute first. A lying server that changes a claim's amount, or hides a claim, is caught by the patient's page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ClaimsBrowserTests(BrowserWorld world)
{
    private static NewInsurancePlan Plan(string name) => new(name, "Browser claims test plan", "EUR", 1200, PremiumInterval.Monthly, 100_000, DependantsAllowed: false,
        [new PlanBenefit(CoverCategory.Outpatient, 80, null, 100_000, 0)]);

    private async Task<IPage> SignedInAsync(string prefix, string nav)
    {
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account(prefix));
        await BrowserWorld.Nav(page, nav).ClickAsync();
        return page;
    }

    /// <summary>A fresh plan, an accepted and paid (active) policy of <paramref name="patientPrefix"/>, its card shared with <paramref name="professionalPrefix"/>.</summary>
    private async Task<(MedLedgerClient Patient, VerifiedPolicy Policy)> SharedActivePolicyAsync(string patientPrefix, string professionalPrefix)
    {
        using var insurer = await world.SdkAsync("insurer");
        using var professional = await world.SdkAsync(professionalPrefix);
        var patient = await world.SdkAsync(patientPrefix);
        var plan = await insurer.CreateInsurancePlanAsync(Plan("Claims " + Guid.NewGuid().ToString("N")[..6]));
        var application = await patient.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(DateTime.UtcNow));
        var policy = await insurer.AcceptApplicationAsync(application.Id);
        await patient.TopUpAsync(1200, "EUR", "claims browser test " + Guid.NewGuid());
        await patient.PayAsync((await patient.MyPayablesAsync()).Single(p => p.ReferenceId == policy.Policy.Id).Id);
        Assert.Equal("active", (await patient.MyPolicyAsync(policy.Policy.Id)).Policy.Status);
        await patient.SharePolicyCardAsync(policy.Policy.Id, professional.Tokens!.User.Id);
        return (patient, policy);
    }

    [Fact]
    public async Task A_doctor_files_in_the_browser_the_insurer_decides_and_pays_out_in_the_browser_and_the_patient_sees_it_verified_and_paid_and_disputes_it()
    {
        var (patient, policy) = await SharedActivePolicyAsync("patient4", "doctor13");
        using var _ = patient;
        var reference = "visit-" + Guid.NewGuid().ToString("N")[..8];

        // The doctor files two Outpatient lines (100.00 and 50.00; the plan pays 80 %).
        var doctorPage = await SignedInAsync("doctor13", "File a claim");
        await doctorPage.GetByLabel("Policy", new() { Exact = true }).SelectOptionAsync(policy.Policy.Id.ToString());
        await doctorPage.GetByLabel("Reference (visit, dispense or receipt id)").FillAsync(reference);
        await doctorPage.GetByLabel("Line 1 category").SelectOptionAsync("Outpatient");
        await doctorPage.GetByLabel("Line 1 amount").FillAsync("100.00");
        await doctorPage.GetByRole(AriaRole.Button, new() { Name = "Add a line" }).ClickAsync();
        await doctorPage.GetByLabel("Line 2 category").SelectOptionAsync("Outpatient");
        await doctorPage.GetByLabel("Line 2 amount").FillAsync("50.00");
        await doctorPage.GetByRole(AriaRole.Button, new() { Name = "File claim" }).ClickAsync();
        var filed = doctorPage.GetByTestId("filed-claim");
        await Assertions.Expect(filed).ToContainTextAsync("automatic outcomes: line 1 eligible, line 2 eligible");
        var claimId = (await filed.GetAttributeAsync("data-claim-id"))!;
        var shortClaim = claimId[..8];
        await Assertions.Expect(doctorPage.GetByTestId($"claim-line-{claimId}-1")).ToContainTextAsync("Outpatient");

        // The same care billed again (a new submission of the same reference): every line is a duplicate on the ledger's word.
        await doctorPage.GetByRole(AriaRole.Button, new() { Name = "File claim" }).ClickAsync();
        await Assertions.Expect(filed).ToContainTextAsync("automatic outcomes: line 1 duplicate, line 2 duplicate");
        Assert.NotEqual(claimId, await filed.GetAttributeAsync("data-claim-id"));
        await BrowserWorld.Nav(doctorPage, "Claims filed").ClickAsync();
        await Assertions.Expect(doctorPage.GetByTestId($"filed-claim-status-{claimId}")).ToHaveTextAsync("filed");
        await doctorPage.Context.CloseAsync();

        // The insurer approves line 1 in full (80.00) and line 2 in part (30.00 of 40.00), then pays 110.00 out.
        var insurerPage = await SignedInAsync("insurer", "Claims");
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = $"Open claim {shortClaim}" }).ClickAsync();
        await Assertions.Expect(insurerPage.GetByTestId("open-claim-status")).ToHaveTextAsync("filed");
        await Assertions.Expect(insurerPage.GetByTestId($"claim-line-outcome-{claimId}-2")).ToHaveTextAsync("eligible");
        // The accepting staff member's copy of the card names the category.
        await Assertions.Expect(insurerPage.GetByTestId($"claim-line-{claimId}-2")).ToContainTextAsync("Outpatient");
        await insurerPage.GetByLabel("Decision for line 2").SelectOptionAsync("partly");
        await insurerPage.GetByLabel("Approved amount for line 2").FillAsync("30.00");
        await insurerPage.GetByLabel("Reason for line 2").SelectOptionAsync("not-medically-necessary");
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = "Decide claim" }).ClickAsync();
        await Assertions.Expect(insurerPage.GetByTestId("open-claim-status")).ToHaveTextAsync("partly-approved");
        await Assertions.Expect(insurerPage.GetByTestId($"claim-line-decision-{claimId}-2")).ToContainTextAsync("30.00 EUR (not-medically-necessary)");
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = "Pay out 110.00 EUR" }).ClickAsync();
        await Assertions.Expect(insurerPage.GetByTestId("claim-action-done")).ToContainTextAsync("paid 110.00 EUR");
        await Assertions.Expect(insurerPage.GetByRole(AriaRole.Button, new() { Name = "Reverse claim" })).ToHaveCountAsync(0);
        await insurerPage.Context.CloseAsync();

        // The patient: verified against the file receipt, paid, lines named by category from their own card; they dispute it.
        var patientPage = await SignedInAsync("patient4", "My claims");
        await Assertions.Expect(patientPage.GetByTestId($"my-claim-check-{claimId}")).ToHaveTextAsync("✓ verified");
        await Assertions.Expect(patientPage.GetByTestId($"my-claim-status-{claimId}")).ToHaveTextAsync("paid");
        await Assertions.Expect(patientPage.GetByTestId($"my-claim-paid-{claimId}")).ToHaveTextAsync("paid 110.00 EUR");
        await Assertions.Expect(patientPage.GetByTestId($"claim-line-{claimId}-2")).ToContainTextAsync("Outpatient");
        await patientPage.GetByLabel($"Dispute reason for claim {shortClaim}").SelectOptionAsync("amount-wrong");
        await patientPage.GetByRole(AriaRole.Button, new() { Name = $"Dispute claim {shortClaim}" }).ClickAsync();
        await Assertions.Expect(patientPage.GetByTestId($"my-claim-dispute-{claimId}")).ToContainTextAsync("open:amount-wrong");
        await BrowserWorld.ScreenshotAsync(patientPage, "my-claims");
        await patientPage.Context.CloseAsync();

        // The insurer sees the open dispute, listed first, and dismisses it.
        insurerPage = await SignedInAsync("insurer", "Claims");
        await Assertions.Expect(insurerPage.GetByTestId($"queue-claim-dispute-{claimId}")).ToHaveTextAsync("⚠ open:amount-wrong");
        // Open disputes come first (the demo world has one of its own, so this claim is among them, not necessarily on top).
        var rows = await insurerPage.GetByRole(AriaRole.Table, new() { Name = "Insurer claims" }).Locator("tbody tr")
            .EvaluateAllAsync<string[][]>("rows => rows.map(r => [r.dataset.claim, r.querySelector('[data-testid^=queue-claim-dispute-]')?.textContent ?? ''])");
        var firstUndisputed = Array.FindIndex(rows, r => !r[1].StartsWith('⚠'));
        var mine = Array.FindIndex(rows, r => r[0] == claimId);
        Assert.InRange(mine, 0, (firstUndisputed < 0 ? rows.Length : firstUndisputed) - 1);
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = $"Open claim {shortClaim}" }).ClickAsync();
        await insurerPage.GetByLabel("Reason code").SelectOptionAsync("other");
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = "Dismiss dispute" }).ClickAsync();
        await Assertions.Expect(insurerPage.GetByTestId($"queue-claim-dispute-{claimId}")).ToHaveTextAsync("dismissed:other");
        await BrowserWorld.ScreenshotAsync(insurerPage, "insurer-claims");
        await insurerPage.Context.CloseAsync();
    }

    [Fact]
    public async Task A_patient_files_their_own_claim_in_the_browser_payable_to_themself_and_sees_it_verified()
    {
        var (patient, policy) = await SharedActivePolicyAsync("patient5", "doctor13");
        using var _ = patient;
        var page = await SignedInAsync("patient5", "File a claim");
        await page.GetByLabel("Policy", new() { Exact = true }).SelectOptionAsync(policy.Policy.Id.ToString());
        await page.GetByLabel("Reference (visit, dispense or receipt id)").FillAsync("receipt-" + Guid.NewGuid().ToString("N")[..8]);
        await page.GetByLabel("Line 1 category").SelectOptionAsync("Outpatient");
        await page.GetByLabel("Line 1 amount").FillAsync("20.00");
        // A category the plan lacks is refused in the page: there is no tag for it on the card.
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a line" }).ClickAsync();
        await page.GetByLabel("Line 2 category").SelectOptionAsync("Dental");
        await page.GetByLabel("Line 2 amount").FillAsync("10.00");
        await page.GetByRole(AriaRole.Button, new() { Name = "File claim" }).ClickAsync();
        await Assertions.Expect(page.Locator("main [role=alert]")).ToContainTextAsync($"Policy {policy.Policy.Id.ToString()[..8]}'s plan does not cover Dental.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove line 2" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "File claim" }).ClickAsync();
        var filed = page.GetByTestId("filed-claim");
        await Assertions.Expect(filed).ToContainTextAsync("automatic outcomes: line 1 eligible");
        var claimId = (await filed.GetAttributeAsync("data-claim-id"))!;

        await BrowserWorld.Nav(page, "My claims").ClickAsync();
        await Assertions.Expect(page.GetByTestId($"my-claim-check-{claimId}")).ToHaveTextAsync("✓ verified");
        await Assertions.Expect(page.Locator($"[data-claim='{claimId}']")).ToContainTextAsync("Provider: you (filed yourself)");
        await Assertions.Expect(page.Locator($"[data-claim='{claimId}']")).ToContainTextAsync("nothing paid (to you)");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_lying_server_that_changes_a_claims_amount_or_hides_a_claim_is_caught_by_the_patients_page()
    {
        var (patient, policy) = await SharedActivePolicyAsync("patient4", "staff2");
        using var _ = patient;
        using var staff = await world.SdkAsync("staff2");
        var changed = await staff.FileClaimAsync(policy.Policy.Id, "visit-" + Guid.NewGuid().ToString("N")[..8], [new NewClaimLine("Outpatient", 5000, DateTimeOffset.UtcNow)]);
        var hidden = await staff.FileClaimAsync(policy.Policy.Id, "visit-" + Guid.NewGuid().ToString("N")[..8], [new NewClaimLine("Outpatient", 7000, DateTimeOffset.UtcNow)]);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient4"));
        // 50.00 billed made 5.00 shown, and the second claim left out of the list.
        await page.RouteAsync("**/api/insurance/my-claims", async route =>
        {
            var response = await route.FetchAsync();
            var list = JsonNode.Parse(await response.TextAsync())!.AsArray();
            var lied = new JsonArray();
            foreach (var c in list.Select(n => n!.AsObject()))
            {
                var id = c["id"]!.GetValue<string>();
                if (id == hidden.Id.ToString())
                {
                    continue;
                }
                if (id == changed.Id.ToString())
                {
                    c["claimedMinor"] = 500;
                    c["lines"]![0]!["amountMinor"] = 500;
                }
                lied.Add(JsonNode.Parse(c.ToJsonString()));
            }
            await route.FulfillAsync(new() { Response = response, Body = lied.ToJsonString() });
        });
        await BrowserWorld.Nav(page, "My claims").ClickAsync();
        await Assertions.Expect(page.GetByTestId($"my-claim-check-{changed.Id}")).ToContainTextAsync("NOT verified");
        await Assertions.Expect(page.GetByTestId($"my-claim-problems-{changed.Id}")).ToContainTextAsync("lines (amounts, dates, tags or tokens) differ from the ledger's");
        await Assertions.Expect(page.GetByTestId($"claim-hidden-{hidden.Id}")).ToContainTextAsync("filed in your name on the ledger, but the server did not list it");

        // The honest server: both verify.
        await page.UnrouteAllAsync();
        await BrowserWorld.Nav(page, "My insurance").ClickAsync();
        await BrowserWorld.Nav(page, "My claims").ClickAsync();
        await Assertions.Expect(page.GetByTestId($"my-claim-check-{changed.Id}")).ToHaveTextAsync("✓ verified");
        await Assertions.Expect(page.GetByTestId($"my-claim-check-{hidden.Id}")).ToHaveTextAsync("✓ verified");
        await Assertions.Expect(page.GetByTestId($"claim-hidden-{hidden.Id}")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Claim_line_tokens_and_documents_hashes_computed_in_the_browser_equal_the_CSharp_ones()
    {
        var page = await CryptoPage.OpenAsync(world);
        try
        {
            var filer = Guid.NewGuid();
            (Guid RecordId, int Version)[] documents = [(Guid.NewGuid(), 3), (Guid.NewGuid(), 1), (Guid.NewGuid(), 12)];
            var r = await CryptoPage.RunAsync(page, """
                async ({ filer, reference, documents }) => {
                  const c = window.medledger.crypto;
                  const tokens = [];
                  for (const line of [1, 2, 16]) tokens.push(await c.claimLineToken(filer, reference, line));
                  return { tokens, documentsHash: await c.claimDocumentsHash(documents) };
                }
                """, new { filer = filer.ToString(), reference = "dispense-Grüße-1", documents = documents.Select(d => new { recordId = d.RecordId.ToString(), version = d.Version }).ToArray() });
            Assert.Equal([InsuranceClaimTokens.Token(filer, "dispense-Grüße-1", 1), InsuranceClaimTokens.Token(filer, "dispense-Grüße-1", 2), InsuranceClaimTokens.Token(filer, "dispense-Grüße-1", 16)],
                r.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToArray());
            Assert.Equal(InsuranceClaimTokens.DocumentsHash(documents), r.GetProperty("documentsHash").GetString());
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
