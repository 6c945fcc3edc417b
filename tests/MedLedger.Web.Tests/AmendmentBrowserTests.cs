using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Amendment requests in Chromium: the patient asks for a correction of a doctor's record (sealed in the browser),
/// the doctor declines it with a reason on their screen (sealed in their browser), the patient sees the reason, and
/// the C# SDK opens the same request and reason (the browser's sealing and note hashes match the C# layout).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AmendmentBrowserTests(BrowserWorld world)
{
    [Fact]
    public async Task Patient_requests_a_correction_the_doctor_declines_with_a_reason_and_the_patient_reads_it()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var marker = "Serum ferritin check " + tag;
        var requestText = $"The ferritin value {tag} belongs to my sister's sample.";
        var reasonText = $"Lab re-checked sample {tag}: it is yours.";
        using var patient = await world.SdkAsync("patient3");
        using var staff = await world.SdkAsync("staff2");
        using var doctor = await world.SdkAsync("doctor22");
        if (!(await staff.AssignmentsAsync()).Any(a => a.DoctorId == doctor.UserId && a.PatientId == patient.UserId))
        {
            await staff.AssignDoctorAsync(doctor.UserId, patient.UserId);
        }
        var record = await doctor.CreateFhirRecordAsync($$$"""
            {"resourceType":"Observation","status":"final","code":{"text":"{{{marker}}}"},"subject":{"reference":"Patient/{{{patient.UserId}}}"},
             "effectiveDateTime":"2025-03-02","valueQuantity":{"value":12,"unit":"ng/mL"}}
            """, patient.UserId);

        var patientPage = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(patientPage, world.Account("patient3"));
        await BrowserWorld.Nav(patientPage, "My records").ClickAsync();
        var item = patientPage.GetByRole(AriaRole.Listitem).Filter(new() { HasText = marker });
        await Assertions.Expect(item).ToContainTextAsync("Only its author can write a new version");
        await item.GetByRole(AriaRole.Button, new() { Name = "Request a correction" }).ClickAsync();
        await item.GetByLabel("What should be corrected, and why").FillAsync(requestText);
        await item.GetByRole(AriaRole.Button, new() { Name = "Send request" }).ClickAsync();
        await Assertions.Expect(item).ToContainTextAsync("Open — waiting for the author");
        await Assertions.Expect(item).ToContainTextAsync(requestText);
        await BrowserWorld.ScreenshotAsync(patientPage, "patient-correction-requested");

        var doctorPage = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(doctorPage, world.Account("doctor22"));
        await BrowserWorld.Nav(doctorPage, "Correction requests").ClickAsync();
        var card = doctorPage.GetByRole(AriaRole.Region, new() { Name = "Open correction requests" }).Locator("article.card").Filter(new() { HasText = requestText });
        await Assertions.Expect(card).ToContainTextAsync(record.RecordId.ToString()[..8]);
        await card.GetByRole(AriaRole.Button, new() { Name = "Decline", Exact = true }).ClickAsync();
        await card.GetByLabel("Reason for declining").FillAsync(reasonText);
        await card.GetByRole(AriaRole.Button, new() { Name = "Decline request" }).ClickAsync();
        await Assertions.Expect(doctorPage.GetByRole(AriaRole.Status).Filter(new() { HasText = "Declined the request" })).ToBeVisibleAsync();
        await BrowserWorld.ScreenshotAsync(doctorPage, "doctor-correction-declined");

        // Back on the patient's records (in-app navigation keeps the keys): the decrypted reason.
        await BrowserWorld.Nav(patientPage, "Sharing").ClickAsync();
        await BrowserWorld.Nav(patientPage, "My records").ClickAsync();
        await Assertions.Expect(item).ToContainTextAsync("Declined");
        await Assertions.Expect(item).ToContainTextAsync(reasonText);
        await BrowserWorld.ScreenshotAsync(patientPage, "patient-correction-declined");

        // The C# SDK opens what the two browsers sealed, each note checked against its hash on the ledger.
        var seen = Assert.Single(await patient.AmendmentsAsync(record.RecordId));
        Assert.Equal(("declined", requestText, reasonText), (seen.Status, seen.RequestText, seen.DeclineReason));
        await patientPage.Context.CloseAsync();
        await doctorPage.Context.CloseAsync();
    }
}
