using System.Text;
using System.Text.Json.Nodes;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Issue 17's browser insurance screens in Chromium against the demo server: the insurer publishes a plan in the browser, a patient
/// applies, the insurer accepts (insurance.policy signed and the card sealed in the page), the patient pays the premium from the
/// wallet and sees the policy active, verified, with its card opened; a decline's reason code reaches the patient; a doctor checks
/// eligibility on a card the patient shared in the browser; and a lying server's changed terms are not shown as verified.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class InsuranceBrowserTests(BrowserWorld world)
{
    private static ILocator Alert(IPage page) => page.Locator("main [role=alert]");

    private static NewInsurancePlan Plan(string name) => new(name, "Browser test plan", "EUR", 1200, PremiumInterval.Monthly, 100_000, DependantsAllowed: false,
        [new PlanBenefit(CoverCategory.Outpatient, 80, null, 100_000, 0), new PlanBenefit(CoverCategory.Maternity, 100, null, 50_000, 30)]);

    private async Task<IPage> SignedInAsync(string prefix, string nav)
    {
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account(prefix));
        await BrowserWorld.Nav(page, nav).ClickAsync();
        return page;
    }

    /// <summary>A plan published, applied for and accepted through the SDK, its premium paid: an active policy of <paramref name="patientPrefix"/>.</summary>
    private async Task<(MedLedgerClient Patient, VerifiedPolicy Policy)> ActivePolicyAsync(string patientPrefix)
    {
        using var insurer = await world.SdkAsync("insurer");
        var patient = await world.SdkAsync(patientPrefix);
        var plan = await insurer.CreateInsurancePlanAsync(Plan("Eligible " + Guid.NewGuid().ToString("N")[..6]));
        var application = await patient.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(DateTime.UtcNow));
        var policy = await insurer.AcceptApplicationAsync(application.Id);
        await patient.TopUpAsync(1200, "EUR", "insurance browser test " + Guid.NewGuid());
        await patient.PayAsync((await patient.MyPayablesAsync()).Single(p => p.ReferenceId == policy.Policy.Id).Id);
        // Reading it activates it on the ledger (cover from the payment).
        Assert.Equal("active", (await patient.MyPolicyAsync(policy.Policy.Id)).Policy.Status);
        return (patient, policy);
    }

    [Fact]
    public async Task The_insurer_publishes_a_plan_the_patient_applies_the_insurer_accepts_in_the_browser_and_the_paid_policy_shows_active_with_its_card_opened()
    {
        var name = "Browser Basic " + Guid.NewGuid().ToString("N")[..6];
        using var patient = await world.SdkAsync("patient3");
        await patient.TopUpAsync(1200, "EUR", "insurance browser test " + Guid.NewGuid());

        var insurerPage = await SignedInAsync("insurer", "Plans");
        await insurerPage.GetByLabel("Plan name").FillAsync(name);
        await insurerPage.GetByLabel("Premium", new() { Exact = true }).FillAsync("12.00");
        await insurerPage.GetByLabel("Annual limit (all categories)").FillAsync("1000.00");
        await insurerPage.GetByLabel("Outpatient covered").CheckAsync();
        await insurerPage.GetByLabel("Outpatient percentage or co-pay").FillAsync("80");
        await insurerPage.GetByLabel("Outpatient annual limit").FillAsync("1000.00");
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = "Publish plan" }).ClickAsync();
        await Assertions.Expect(insurerPage.GetByText($"Plan \"{name}\" published.")).ToBeVisibleAsync();
        await Assertions.Expect(insurerPage.GetByRole(AriaRole.Table, new() { Name = "Plans" })).ToContainTextAsync("Outpatient: 80 % up to 1000.00 EUR");

        var page = await SignedInAsync("patient3", "Insurance plans");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Apply for {name}" }).ClickAsync();
        await Assertions.Expect(page.GetByText($"Applied for \"{name}\"")).ToBeVisibleAsync();
        // Applying again for the same plan and day is harmless: the same application comes back.
        await page.GetByRole(AriaRole.Button, new() { Name = $"Apply for {name}" }).ClickAsync();
        var plan = (await patient.InsurancePlansAsync()).Single(p => p.Name == name);
        var application = Assert.Single(await patient.MyInsuranceApplicationsAsync(), a => a.PlanId == plan.Id);
        var shortApp = application.Id.ToString()[..8];
        await Assertions.Expect(page.GetByText($"application {shortApp} is submitted")).ToBeVisibleAsync();

        await BrowserWorld.Nav(insurerPage, "Applications").ClickAsync();
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = $"Accept application {shortApp}" }).ClickAsync();
        await Assertions.Expect(insurerPage.GetByText($"Application {shortApp} accepted")).ToBeVisibleAsync();
        var policy = (await patient.MyPoliciesAsync()).Single(p => p.PlanId == plan.Id);
        var shortPolicy = policy.Id.ToString()[..8];
        Assert.Equal("pending", policy.Status);

        await BrowserWorld.Nav(page, "My insurance").ClickAsync();
        await Assertions.Expect(page.GetByTestId($"my-policy-status-{policy.Id}")).ToContainTextAsync("pending (premium unpaid) · premium 12.00 EUR due");
        await Assertions.Expect(page.GetByTestId($"my-policy-check-{policy.Id}")).ToHaveTextAsync("✓ verified");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Pay the premium of policy {shortPolicy}" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Paid 12.00 EUR; the ledger receipt verifies.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId($"my-policy-status-{policy.Id}")).ToContainTextAsync("active · premium paid");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = $"Benefits of policy {shortPolicy}" })).ToContainTextAsync("Outpatient80 % up to 1000.00 EUR");
        await BrowserWorld.ScreenshotAsync(page, "my-insurance");

        await BrowserWorld.Nav(insurerPage, "Policies").ClickAsync();
        await Assertions.Expect(insurerPage.GetByTestId($"insurer-policy-status-{policy.Id}")).ToHaveTextAsync("active");
        await insurerPage.GetByLabel($"Suspend reason for policy {shortPolicy}").SelectOptionAsync("fraud-suspected");
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = $"Suspend policy {shortPolicy}" }).ClickAsync();
        await Assertions.Expect(insurerPage.GetByTestId($"insurer-policy-status-{policy.Id}")).ToHaveTextAsync("suspended (fraud-suspected)");
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = $"Reinstate policy {shortPolicy}" }).ClickAsync();
        await Assertions.Expect(insurerPage.GetByTestId($"insurer-policy-status-{policy.Id}")).ToHaveTextAsync("active");
        await BrowserWorld.ScreenshotAsync(insurerPage, "insurer-policies");

        // The plan is edited (revision 2) — the policy sold keeps revision 1 — and the renewal is issued under the terms now.
        await BrowserWorld.Nav(insurerPage, "Plans").ClickAsync();
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = $"Edit plan {name}" }).ClickAsync();
        await insurerPage.GetByLabel("Outpatient annual limit").FillAsync("900.00");
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = "Save plan" }).ClickAsync();
        await Assertions.Expect(insurerPage.GetByText($"Plan \"{name}\" saved (revision 2).")).ToBeVisibleAsync();
        await BrowserWorld.Nav(insurerPage, "Policies").ClickAsync();
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = $"Renew policy {shortPolicy}" }).ClickAsync();
        await Assertions.Expect(insurerPage.GetByText($"Policy {shortPolicy} renewed")).ToBeVisibleAsync();
        await Assertions.Expect(insurerPage.GetByTestId($"insurer-policy-status-{policy.Id}")).ToHaveTextAsync("renewed");
        await page.Context.CloseAsync();
        await insurerPage.Context.CloseAsync();

        var mine = await patient.MyPolicyAsync(policy.Id);
        Assert.Equal(("renewed", 1), (mine.Policy.Status, mine.Policy.PlanRevision));
        Assert.NotNull(mine.Policy.CoverStart);
        var renewal = await patient.MyPolicyAsync((await patient.MyPoliciesAsync()).Single(p => p.PreviousPolicyId == policy.Id).Id);
        Assert.Equal(("pending", 2, mine.Policy.PeriodEnd), (renewal.Policy.Status, renewal.Policy.PlanRevision, renewal.Policy.PeriodStart));
        Assert.Equal("percent:80:90000:0", renewal.Issue.Get("benefit." + renewal.Card.Tags["Outpatient"]));
    }

    [Fact]
    public async Task A_declined_application_shows_its_reason_code_to_the_patient()
    {
        using var insurer = await world.SdkAsync("insurer");
        using var patient = await world.SdkAsync("patient1");
        var plan = await insurer.CreateInsurancePlanAsync(Plan("Declined " + Guid.NewGuid().ToString("N")[..6]));
        var application = await patient.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(3));
        var shortApp = application.Id.ToString()[..8];

        var insurerPage = await SignedInAsync("insurer", "Applications");
        await insurerPage.GetByLabel($"Decline reason for application {shortApp}").SelectOptionAsync("incomplete");
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = $"Decline application {shortApp}" }).ClickAsync();
        await Assertions.Expect(insurerPage.GetByText($"Application {shortApp} declined (incomplete).")).ToBeVisibleAsync();

        var page = await SignedInAsync("patient1", "My insurance");
        await Assertions.Expect(page.GetByTestId($"my-application-status-{application.Id}")).ToHaveTextAsync("declined (reason: incomplete)");
        await page.Context.CloseAsync();
        await insurerPage.Context.CloseAsync();
        Assert.Equal(("declined", "incomplete"), ((await patient.MyInsuranceApplicationsAsync()).Single(a => a.Id == application.Id) is var a ? (a.Status, a.DeclineReason) : default));
    }

    [Fact]
    public async Task The_patient_shares_a_policy_card_in_the_browser_and_a_doctor_checks_eligibility_per_category()
    {
        var (patient, policy) = await ActivePolicyAsync("patient2");
        using var _ = patient;
        var shortPolicy = policy.Policy.Id.ToString()[..8];
        var page = await SignedInAsync("patient2", "My insurance");
        await page.GetByLabel("Policy", new() { Exact = true }).SelectOptionAsync(policy.Policy.Id.ToString());
        await page.GetByLabel("Professional's email").FillAsync(world.Account("doctor12").Email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Share card" }).ClickAsync();
        await Assertions.Expect(page.GetByText($"Policy {shortPolicy}'s card is shared with")).ToBeVisibleAsync();
        await page.Context.CloseAsync();

        var doctorPage = await SignedInAsync("doctor12", "Eligibility check");
        await doctorPage.GetByLabel("Policy", new() { Exact = true }).SelectOptionAsync(policy.Policy.Id.ToString());
        await doctorPage.GetByLabel("Category").SelectOptionAsync("Outpatient");
        await doctorPage.GetByRole(AriaRole.Button, new() { Name = "Check eligibility" }).ClickAsync();
        await Assertions.Expect(doctorPage.GetByTestId("eligibility-answer")).ToContainTextAsync("covered · policy active · waiting period passed · remaining 1000.00 EUR for Outpatient");
        // Maternity has a 30-day wait from the cover start (today).
        await doctorPage.GetByLabel("Category").SelectOptionAsync("Maternity");
        await doctorPage.GetByRole(AriaRole.Button, new() { Name = "Check eligibility" }).ClickAsync();
        await Assertions.Expect(doctorPage.GetByTestId("eligibility-answer")).ToContainTextAsync("not covered · policy active · waiting period not passed");
        // A category the plan does not have is refused in the page (no tag to ask about).
        await doctorPage.GetByLabel("Category").SelectOptionAsync("Dental");
        await doctorPage.GetByRole(AriaRole.Button, new() { Name = "Check eligibility" }).ClickAsync();
        await Assertions.Expect(Alert(doctorPage)).ToContainTextAsync($"Policy {shortPolicy}'s plan does not cover Dental.");
        await BrowserWorld.ScreenshotAsync(doctorPage, "eligibility-check");
        await doctorPage.Context.CloseAsync();
    }

    [Fact]
    public async Task A_lying_server_serving_changed_terms_gets_the_policy_marked_not_verified()
    {
        var (patient, policy) = await ActivePolicyAsync("patient1");
        using var _ = patient;
        var shortPolicy = policy.Policy.Id.ToString()[..8];
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient1"));
        // 80 % made 100 %: the terms no longer hash to the ledger's termsHash.
        await page.RouteAsync($"**/api/insurance/policies/{policy.Policy.Id}", async route =>
        {
            var response = await route.FetchAsync();
            var p = JsonNode.Parse(await response.TextAsync())!.AsObject();
            var terms = Encoding.UTF8.GetString(Convert.FromBase64String(p["terms"]!.GetValue<string>()));
            Assert.Contains("\"coveragePercent\":80", terms, StringComparison.Ordinal);
            p["terms"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(terms.Replace("\"coveragePercent\":80", "\"coveragePercent\":100", StringComparison.Ordinal)));
            await route.FulfillAsync(new() { Response = response, Body = p.ToJsonString() });
        });
        await BrowserWorld.Nav(page, "My insurance").ClickAsync();
        await Assertions.Expect(page.GetByTestId($"my-policy-check-{policy.Policy.Id}")).ToContainTextAsync("NOT verified");
        await Assertions.Expect(page.GetByText($"Policy {shortPolicy} does not check out and is not shown as real")).ToContainTextAsync("terms are not the ones whose hash the ledger holds");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = $"Benefits of policy {shortPolicy}" })).ToHaveCountAsync(0);

        // The honest server: the same policy verifies.
        await page.UnrouteAllAsync();
        await BrowserWorld.Nav(page, "Insurance plans").ClickAsync();
        await BrowserWorld.Nav(page, "My insurance").ClickAsync();
        await Assertions.Expect(page.GetByTestId($"my-policy-check-{policy.Policy.Id}")).ToHaveTextAsync("✓ verified");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = $"Benefits of policy {shortPolicy}" })).ToContainTextAsync("80 %");
        await page.Context.CloseAsync();
    }
}
