using System.Net;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// "Shared with me" for pharmacists and insurer staff: the page lists only what the server's read rules
/// let them read (pharmacists: MedicationRequest; insurers: records attached to a claim), decrypted in
/// the browser. Sharing is set up with the C# SDK as the patient.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SharedRecordsBrowserTests(BrowserWorld world)
{

    private static string MedicationRequest(Guid patientId, string medication) => $$$"""
        {"resourceType":"MedicationRequest","status":"active","intent":"order","medicationCodeableConcept":{"text":"{{{medication}}}"},
         "subject":{"reference":"Patient/{{{patientId}}}"},"authoredOn":"2025-03-01T09:30:00Z","dosageInstruction":[{"text":"One tablet daily"}]}
        """;

    private static string Observation(Guid patientId, string text) => $$$"""
        {"resourceType":"Observation","status":"final","code":{"text":"{{{text}}}"},"subject":{"reference":"Patient/{{{patientId}}}"},
         "effectiveDateTime":"2025-03-02","valueQuantity":{"value":120,"unit":"mmHg"}}
        """;

    [Fact]
    public async Task A_pharmacist_sees_a_prescription_shared_with_them_decrypted_but_not_an_observation_shared_the_same_way()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var patient = await world.SdkAsync("patient2");
        var pharmacistId = (await patient.LookUpProfessionalAsync(world.Account("pharmacist").Email)).UserId;
        var prescription = await patient.CreateFhirRecordAsync(MedicationRequest(patient.UserId, "Atorvastatin 20 mg " + tag));
        var observation = await patient.CreateFhirRecordAsync(Observation(patient.UserId, "Blood pressure " + tag));

        // What the product does: a pharmacist cannot be given everything, nor a listed observation: the patient's own
        // client refuses before anything is sent (the server and the consent contract refuse the same).
        await Assert.ThrowsAsync<ConsentScopeException>(() => patient.GrantConsentAsync(pharmacistId, ConsentScope.All));
        await Assert.ThrowsAsync<ConsentScopeException>(() => patient.GrantConsentAsync(pharmacistId, ConsentScope.Records, [prescription.RecordId.ToString(), observation.RecordId.ToString()]));
        await patient.GrantConsentAsync(pharmacistId, ConsentScope.Records, [prescription.RecordId.ToString()]);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("pharmacist"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Shared with me", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Shared with me" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("As a pharmacist you see only")).ToBeVisibleAsync();
        var shared = page.GetByRole(AriaRole.Region, new() { Name = "Shared records" });
        await Assertions.Expect(shared).ToContainTextAsync("Atorvastatin 20 mg " + tag);
        await Assertions.Expect(shared).ToContainTextAsync(prescription.RecordId.ToString()[..8]);
        await Assertions.Expect(shared).Not.ToContainTextAsync("Blood pressure " + tag);
        await Assertions.Expect(shared).Not.ToContainTextAsync(observation.RecordId.ToString()[..8]);
        await Assertions.Expect(page.Locator("main [role=alert]")).ToHaveCountAsync(0);
        await BrowserWorld.ScreenshotAsync(page, "shared-with-me-pharmacist");
        await page.Context.CloseAsync();

        // The server refuses the observation to the pharmacist outright, whatever a client asks.
        using var pharmacist = await world.SdkAsync("pharmacist");
        var denied = await Assert.ThrowsAsync<MedLedgerApiException>(() => pharmacist.OpenRecordAsync(observation.RecordId));
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
    }

    [Fact]
    public async Task Insurer_staff_see_what_their_page_covers_and_no_record_shared_without_a_claim()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var patient = await world.SdkAsync("patient1");
        var insurerId = (await patient.LookUpProfessionalAsync(world.Account("insurer").Email)).UserId;
        var observation = await patient.CreateFhirRecordAsync(Observation(patient.UserId, "Knee X-ray finding " + tag));
        await patient.GrantConsentAsync(insurerId, ConsentScope.Records, [observation.RecordId.ToString()]);

        var page = await world.NewPageAsync(390, 844);
        await BrowserLogin.SignInAsync(page, world.Account("insurer"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Shared with me", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("attached to a claim against your company")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Loading shared records…")).ToHaveCountAsync(0);
        // Shared, but attached to no claim: not listed.
        await Assertions.Expect(page.Locator("main")).Not.ToContainTextAsync("Knee X-ray finding " + tag);
        await Assertions.Expect(page.Locator("main")).Not.ToContainTextAsync(observation.RecordId.ToString()[..8]);
        await BrowserWorld.ScreenshotAsync(page, "shared-with-me-insurer-phone");
        await page.Context.CloseAsync();
    }
}
