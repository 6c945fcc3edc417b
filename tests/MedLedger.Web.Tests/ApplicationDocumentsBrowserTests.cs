using System.Text;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Issue 17 item 2 in Chromium against the demo server: the patient applies for a plan with a record ticked on the apply form,
/// the page links it to the application and seals it for the insurer's verified staff; the insurer opens it from the
/// applications queue ("Documents").
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ApplicationDocumentsBrowserTests(BrowserWorld world)
{
    private async Task<IPage> SignedInAsync(string prefix, string nav)
    {
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account(prefix));
        await BrowserWorld.Nav(page, nav).ClickAsync();
        return page;
    }

    [Fact]
    public async Task The_patient_attaches_a_record_on_the_apply_form_and_the_insurer_opens_it_from_the_applications_queue()
    {
        using var insurer = await world.SdkAsync("insurer");
        using var patient = await world.SdkAsync("patient2");
        var name = "Apply docs " + Guid.NewGuid().ToString("N")[..6];
        var plan = await insurer.CreateInsurancePlanAsync(new NewInsurancePlan(name, "Browser application documents test plan", "EUR", 1200, PremiumInterval.Monthly, 100_000,
            DependantsAllowed: false, [new PlanBenefit(CoverCategory.Outpatient, 80, null, 100_000, 0)]));
        var words = "History for underwriting " + Guid.NewGuid().ToString("N")[..8];
        var record = await patient.CreateFileRecordAsync(Encoding.UTF8.GetBytes(words), "text/plain");
        var shortRecord = record.RecordId.ToString()[..8];

        var patientPage = await SignedInAsync("patient2", "Insurance plans");
        await patientPage.GetByLabel($"Attach record {shortRecord} to the application").CheckAsync();
        await patientPage.GetByRole(AriaRole.Button, new() { Name = $"Apply for {name}" }).ClickAsync();
        await Assertions.Expect(patientPage.GetByText("1 document(s) attached and sealed for")).ToBeVisibleAsync();
        await patientPage.Context.CloseAsync();

        var application = (await insurer.InsurerApplicationsAsync()).Single(a => a.PlanId == plan.Id);
        Assert.Equal([record.RecordId], application.RecordIds);
        var insurerPage = await SignedInAsync("insurer", "Applications");
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = $"Documents (1) of application {application.Id.ToString()[..8]}" }).ClickAsync();
        await insurerPage.GetByRole(AriaRole.Button, new() { Name = $"Open document {shortRecord}" }).ClickAsync();
        await Assertions.Expect(insurerPage.GetByTestId($"claim-document-{record.RecordId}")).ToContainTextAsync(words);
        await insurerPage.Context.CloseAsync();
    }
}
