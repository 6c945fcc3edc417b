using System.Globalization;
using System.Text.Json.Nodes;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Prescriptions in Chromium against the demo server, with the demo's own prescriptions pair (doctor13, patient5): a pharmacist
/// checks and dispenses a partial fill and the patient sees it with a verified receipt; the doctor cancels a prescription and
/// the pharmacist's page then refuses it with the reason. Prescriptions are written through the SDK (the browser's doctor form
/// writes no dispenseRequest quantity).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DispensingBrowserTests(BrowserWorld world)
{
    internal static string MedicationRequest(string drug, int quantity, int repeats) => new JsonObject
    {
        ["resourceType"] = "MedicationRequest",
        ["status"] = "active",
        ["intent"] = "order",
        ["medicationCodeableConcept"] = new JsonObject { ["text"] = drug },
        ["subject"] = new JsonObject { ["reference"] = "Patient/example" },
        ["dosageInstruction"] = new JsonArray(new JsonObject { ["text"] = "One tablet daily" }),
        ["dispenseRequest"] = new JsonObject
        {
            ["validityPeriod"] = new JsonObject { ["end"] = DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
            ["numberOfRepeatsAllowed"] = repeats,
            ["quantity"] = new JsonObject { ["value"] = quantity },
        },
    }.ToJsonString();

    /// <summary>doctor13 writes a prescription for patient5, who then shares their prescriptions with the demo pharmacist (sharing order: after writing).</summary>
    private async Task<VerifiedPrescription> WriteAndShareAsync(string drug, int quantity, int repeats)
    {
        using var doctor = await world.SdkAsync("doctor13");
        using var patient = await world.SdkAsync("patient5");
        using var pharmacist = await world.SdkAsync("pharmacist");
        var rx = await doctor.WritePrescriptionAsync(MedicationRequest(drug, quantity, repeats), patient.UserId);
        await patient.GrantConsentAsync(pharmacist.UserId, ConsentScope.Categories, ["MedicationRequest"], "dispensing");
        return rx;
    }

    private static Task OpenAsync(IPage page, Guid prescriptionId) =>
        page.GetByRole(AriaRole.Button, new() { Name = $"Open prescription {prescriptionId.ToString()[..8]}" }).ClickAsync();

    [Fact]
    public async Task A_pharmacist_dispenses_a_partial_fill_and_the_patient_sees_it_with_a_verified_receipt()
    {
        var drug = "Metformin 500 mg tablets " + Guid.NewGuid().ToString("N")[..4];
        var rx = await WriteAndShareAsync(drug, 60, 1);
        Guid metformin;
        using (var sdk = await world.SdkAsync("pharmacist"))
        {
            metformin = (await sdk.PharmacyStockAsync(sdk.Tokens!.User.OrganizationId!.Value)).First(l => l.Medicine.Name == "Metformin").Medicine.Id;
        }

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("pharmacist"));
        await HospitalTestKit.ClickNavAsync(page, "Dispense");
        await OpenAsync(page, rx.Info.PrescriptionId);
        var check = page.Locator("article.card").Filter(new() { HasText = "Prescription check" });
        await Assertions.Expect(check).ToContainTextAsync(drug);
        await Assertions.Expect(check).ToContainTextAsync("Checks passed");
        await Assertions.Expect(check).ToContainTextAsync("0 of 120 units dispensed");
        await page.GetByLabel("Dispense from").SelectOptionAsync(metformin.ToString());
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Lots of the selected medicine" })).ToContainTextAsync("A08-NEAR");
        await page.GetByLabel("Units to dispense").FillAsync("20");
        await page.GetByRole(AriaRole.Button, new() { Name = "Dispense", Exact = true }).ClickAsync();
        await Assertions.Expect(check).ToContainTextAsync("Fill 1 of 20 units dispensed.");
        await Assertions.Expect(check).ToContainTextAsync("ledger receipt verified");
        await Assertions.Expect(check).ToContainTextAsync("20 of 120 units dispensed");
        await Assertions.Expect(check).ToContainTextAsync("Dispense record written for the patient.");
        await BrowserWorld.ScreenshotAsync(page, "dispensing-dispense");
        await page.Context.CloseAsync();

        // On the ledger, as the patient's C# client checks it.
        using (var patient = await world.SdkAsync("patient5"))
        {
            var after = await patient.PrescriptionAsync(rx.Info.PrescriptionId);
            Assert.Equal((1, 20), (after.FillsMade, after.Dispensed));
            // The browser's MedicationDispense: sealed for the patient, opened and checked by the C# SDK, tied to this fill.
            var records = await patient.ListRecordsAsync(category: "MedicationDispense");
            var opened = new List<System.Text.Json.Nodes.JsonNode>();
            foreach (var r in records)
            {
                opened.Add(System.Text.Json.Nodes.JsonNode.Parse((await patient.OpenRecordAsync(r.RecordId)).Content)!);
            }
            var mine = Assert.Single(opened, j => (string?)j["authorizingPrescription"]![0]!["reference"] == $"MedicationRequest/{rx.Info.RecordId}");
            Assert.Equal(("MedicationDispense", 20), ((string?)mine["resourceType"], (int?)mine["quantity"]!["value"]));
            Assert.Contains(drug, mine.ToJsonString(), StringComparison.Ordinal);
        }

        var patientPage = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(patientPage, world.Account("patient5"));
        await HospitalTestKit.ClickNavAsync(patientPage, "My prescriptions");
        var card = patientPage.Locator("article.card").Filter(new() { Has = patientPage.GetByRole(AriaRole.Heading, new() { Name = drug }) });
        await Assertions.Expect(card).ToContainTextAsync("Status: active");
        await Assertions.Expect(card).ToContainTextAsync("20 of 120 units dispensed");
        var fills = patientPage.GetByRole(AriaRole.Table, new() { Name = $"Fills of {drug}" });
        await Assertions.Expect(fills).ToContainTextAsync("Market Square Pharmacy");
        await Assertions.Expect(fills).ToContainTextAsync("receipt verified");
        await Assertions.Expect(fills).Not.ToContainTextAsync("NOT verified");
        // The demo's prescriptions: the refillable one filled once at the demo pharmacy, the cancelled one and the expired one.
        await Assertions.Expect(patientPage.GetByRole(AriaRole.Table, new() { Name = "Fills of Amoxicillin 500 mg capsules" })).ToContainTextAsync("Market Square Pharmacy");
        await Assertions.Expect(patientPage.Locator("article.card").Filter(new() { Has = patientPage.GetByRole(AriaRole.Heading, new() { Name = "Amlodipine 5 mg tablets" }) }))
            .ToContainTextAsync("Status: cancelled");
        await Assertions.Expect(patientPage.Locator("article.card").Filter(new() { Has = patientPage.GetByRole(AriaRole.Heading, new() { Name = "Cetirizine 10 mg tablets" }) }))
            .ToContainTextAsync("Status: expired");
        await BrowserWorld.ScreenshotAsync(patientPage, "dispensing-my-prescriptions");
        await patientPage.Context.CloseAsync();
    }

    [Fact]
    public async Task The_doctor_cancels_in_the_browser_and_the_pharmacists_page_refuses_the_prescription_with_the_reason()
    {
        var drug = "Atorvastatin 20 mg tablets " + Guid.NewGuid().ToString("N")[..4];
        var rx = await WriteAndShareAsync(drug, 30, 0);

        var doctorPage = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(doctorPage, world.Account("doctor13"));
        await HospitalTestKit.ClickNavAsync(doctorPage, "Prescriptions issued");
        // The doctor sees the drug only if the patient shares the record with them: the row is found by the prescription's id.
        var shortId = rx.Info.PrescriptionId.ToString()[..8];
        var row = doctorPage.GetByRole(AriaRole.Table, new() { Name = "Prescriptions issued" }).Locator("tr").Filter(new() { HasText = $"Prescription {shortId}" });
        await Assertions.Expect(row).ToContainTextAsync("active");
        await row.GetByRole(AriaRole.Button, new() { Name = $"Cancel prescription {shortId}" }).ClickAsync();
        await Assertions.Expect(doctorPage.GetByText($"Prescription {shortId} cancelled; no pharmacy can fill it now.")).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync("cancelled");
        await BrowserWorld.ScreenshotAsync(doctorPage, "dispensing-issued");
        await doctorPage.Context.CloseAsync();

        using (var doctor = await world.SdkAsync("doctor13"))
        {
            Assert.True((await doctor.PrescriptionAsync(rx.Info.PrescriptionId)).Cancelled);
        }

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("pharmacist"));
        await HospitalTestKit.ClickNavAsync(page, "Dispense");
        await OpenAsync(page, rx.Info.PrescriptionId);
        var check = page.Locator("article.card").Filter(new() { HasText = "Prescription check" });
        await Assertions.Expect(check.GetByRole(AriaRole.Alert)).ToContainTextAsync($"Refused: Prescription {rx.Info.PrescriptionId} was cancelled by its prescriber.");
        await Assertions.Expect(check.GetByRole(AriaRole.Button, new() { Name = "Dispense", Exact = true })).ToHaveCountAsync(0);
        await BrowserWorld.ScreenshotAsync(page, "dispensing-refused");
        await page.Context.CloseAsync();

        using var patient = await world.SdkAsync("patient5");
        Assert.Empty((await patient.PrescriptionAsync(rx.Info.PrescriptionId)).Info.Fills);
    }
}
