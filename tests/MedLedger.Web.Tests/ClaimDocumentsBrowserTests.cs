using System.Text;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Issue 17 items 2, 4 and 6 in Chromium against the demo server: the patient files a claim with an attached record in the page
/// and their page seals it for the insurer's verified staff; the insurer opens the document in the claim queue; the insurer
/// marks a pending premium paid in the policies screen; the insurer's figures screen shows its own counts.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ClaimDocumentsBrowserTests(BrowserWorld world)
{
    private async Task<IPage> SignedInAsync(string prefix, string nav)
    {
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account(prefix));
        await BrowserWorld.Nav(page, nav).ClickAsync();
        return page;
    }

    private static NewInsurancePlan Plan(string name) => new(name, "Browser documents test plan", "EUR", 1200, PremiumInterval.Monthly, 100_000, DependantsAllowed: false,
        [new PlanBenefit(CoverCategory.Outpatient, 80, null, 100_000, 0)]);

    [Fact]
    public async Task The_patient_files_a_claim_with_a_document_in_the_browser_and_the_insurer_opens_it_there()
    {
        using var insurer = await world.SdkAsync("insurer");
        using var patient = await world.SdkAsync("patient2");
        var plan = await insurer.CreateInsurancePlanAsync(Plan("Docs " + Guid.NewGuid().ToString("N")[..6]));
        var policy = await insurer.AcceptApplicationAsync((await patient.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(DateTime.UtcNow))).Id);
        await patient.TopUpAsync(1200, "EUR", "documents browser test " + Guid.NewGuid());
        await patient.PayAsync((await patient.MyPayablesAsync()).Single(p => p.ReferenceId == policy.Policy.Id).Id);
        var words = "Invoice for the insurer " + Guid.NewGuid().ToString("N")[..8];
        var record = await patient.CreateFileRecordAsync(Encoding.UTF8.GetBytes(words), "text/plain");
        var shortRecord = record.RecordId.ToString()[..8];

        var patientPage = await SignedInAsync("patient2", "File a claim");
        await patientPage.GetByLabel("Policy", new() { Exact = true }).SelectOptionAsync(policy.Policy.Id.ToString());
        await patientPage.GetByLabel("Reference (visit, dispense or receipt id)").FillAsync("receipt-" + Guid.NewGuid().ToString("N")[..8]);
        await patientPage.GetByLabel("Line 1 category").SelectOptionAsync("Outpatient");
        await patientPage.GetByLabel("Line 1 amount").FillAsync("40.00");
        await patientPage.GetByLabel($"Attach record {shortRecord}").CheckAsync();
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "File claim" }).ClickAsync();
        var filed = patientPage.GetByTestId("filed-claim");
        await Assertions.Expect(filed).ToContainTextAsync("automatic outcomes: line 1 eligible");
        await Assertions.Expect(patientPage.GetByTestId("documents-sealed")).ToContainTextAsync("Documents sealed for");
        var claimId = (await filed.GetAttributeAsync("data-claim-id"))!;
        await patientPage.Context.CloseAsync();

        var insurerPage = await SignedInAsync("insurer", "Claims");
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = $"Open claim {claimId[..8]}" }).ClickAsync();
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = $"Open document {shortRecord}" }).ClickAsync();
        await Assertions.Expect(insurerPage.GetByTestId($"claim-document-{record.RecordId}")).ToContainTextAsync(words);
        await insurerPage.Context.CloseAsync();
    }

    [Fact]
    public async Task The_insurer_marks_a_pending_premium_paid_and_sees_its_own_figures_in_the_browser()
    {
        using var insurer = await world.SdkAsync("insurer");
        using var patient = await world.SdkAsync("patient3");
        var plan = await insurer.CreateInsurancePlanAsync(Plan("Marked " + Guid.NewGuid().ToString("N")[..6]));
        var policy = await insurer.AcceptApplicationAsync((await patient.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(DateTime.UtcNow))).Id);
        Assert.Equal("pending", policy.Policy.Status);
        var shortPolicy = policy.Policy.Id.ToString()[..8];

        var page = await SignedInAsync("insurer", "Policies");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Mark paid: policy {shortPolicy}" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId($"insurer-policy-status-{policy.Policy.Id}")).ToHaveTextAsync("active");
        Assert.Equal("active", (await patient.MyPolicyAsync(policy.Policy.Id)).Policy.Status);

        var figures = (await insurer.InsurerFiguresAsync()).Single(f => f.Currency == "EUR");
        await BrowserWorld.Nav(page, "Figures").ClickAsync();
        await Assertions.Expect(page.GetByTestId("figures-claims-EUR")).ToHaveTextAsync(figures.Claims.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Context.CloseAsync();
    }
}
