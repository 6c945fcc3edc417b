using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// The patient's screens: records sealed in the browser open with the C# SDK and the reverse, files
/// round-trip byte for byte, bad input is refused before upload, consent granted and revoked in the UI
/// governs what a doctor's SDK can read, the access log's proofs are checked in the browser (and a
/// tampered proof is caught), and an emergency summary saved in the UI opens through break-glass.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PatientRecordsBrowserTests(BrowserWorld world)
{

    private static string BloodPressure(string tag) => $$$"""
        {
          "resourceType": "Observation",
          "status": "final",
          "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs", "display": "Vital Signs"}]}],
          "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure panel"}], "text": "Blood pressure {{{tag}}}"},
          "effectiveDateTime": "2025-03-02T08:15:00Z",
          "interpretation": [{"text": "High"}],
          "component": [
            {"code": {"text": "Systolic"}, "valueQuantity": {"value": 141, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
            {"code": {"text": "Diastolic"}, "valueQuantity": {"value": 92, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}
          ]
        }
        """;

    private static string MedicationRequest(Guid patientId, string medication) => $$$"""
        {"resourceType":"MedicationRequest","status":"active","intent":"order","medicationCodeableConcept":{"text":"{{{medication}}}"},
         "subject":{"reference":"Patient/{{{patientId}}}"},"authoredOn":"2025-03-01T09:30:00Z","dosageInstruction":[{"text":"One tablet every evening"}]}
        """;

    private static string Observation(Guid patientId, string text) => $$$"""
        {"resourceType":"Observation","status":"final","code":{"text":"{{{text}}}"},"subject":{"reference":"Patient/{{{patientId}}}"},
         "effectiveDateTime":"2025-03-02","valueQuantity":{"value":6.1,"unit":"%"}}
        """;

    private static string FlipFirstBit(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        bytes[0] ^= 0x01;
        return Convert.ToBase64String(bytes);
    }

    private static ILocator Timeline(IPage page) => page.GetByRole(AriaRole.List, new() { Name = "Records, newest first" });

    private static async Task<DecryptedRecord?> FindBySdkAsync(MedLedgerClient sdk, string category, string marker)
    {
        foreach (var summary in await sdk.ListRecordsAsync(category: category))
        {
            var record = await sdk.OpenRecordAsync(summary.RecordId);
            if (Encoding.UTF8.GetString(record.Content).Contains(marker, StringComparison.Ordinal))
            {
                return record;
            }
        }
        return null;
    }

    [Fact]
    public async Task Records_sealed_in_the_browser_open_in_the_sdk_and_back_files_round_trip_and_bad_input_is_refused_before_upload()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var sdk = await world.SdkAsync("patient3");
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient3"));
        await BrowserWorld.Nav(page, "My records").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My records", Level = 1 })).ToBeVisibleAsync();

        // Browser → C#: an Observation typed into the form, sealed here, shown as a readable card.
        var json = BloodPressure(tag);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a record" }).ClickAsync();
        await page.GetByLabel("FHIR resource", new() { Exact = true }).FillAsync(json);
        await page.GetByRole(AriaRole.Button, new() { Name = "Encrypt and save" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Saved version 1 of record")).ToBeVisibleAsync();
        var card = Timeline(page).GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Blood pressure " + tag });
        await Assertions.Expect(card).ToContainTextAsync("Systolic: 141 mmHg");
        await Assertions.Expect(card).ToContainTextAsync("Diastolic: 92 mmHg");
        await Assertions.Expect(card).ToContainTextAsync("High");
        await Assertions.Expect(card).ToContainTextAsync("Vital Signs");
        await Assertions.Expect(card).Not.ToContainTextAsync("\"resourceType\"");
        var written = await FindBySdkAsync(sdk, "Observation", "Blood pressure " + tag);
        Assert.NotNull(written);
        Assert.Equal(Encoding.UTF8.GetBytes(json), written.Content);
        Assert.Equal("application/fhir+json", written.ContentType);

        // C# → browser: a prescription sealed by the SDK is decrypted and rendered here (the category filter reloads the list).
        var prescription = await sdk.CreateFhirRecordAsync(MedicationRequest(sdk.UserId, "Atorvastatin 20 mg " + tag));
        await page.GetByLabel("Category", new() { Exact = true }).SelectOptionAsync("MedicationRequest");
        var rx = Timeline(page).GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Atorvastatin 20 mg " + tag });
        await Assertions.Expect(rx).ToContainTextAsync("One tablet every evening");
        await Assertions.Expect(rx).ToContainTextAsync(prescription.RecordId.ToString()[..8]);
        await Assertions.Expect(Timeline(page)).Not.ToContainTextAsync("Blood pressure " + tag);
        await page.GetByLabel("Category", new() { Exact = true }).SelectOptionAsync("");
        await Assertions.Expect(Timeline(page)).ToContainTextAsync("Blood pressure " + tag);
        await Assertions.Expect(page.GetByText("Decrypting in this browser…")).ToHaveCountAsync(0);
        await BrowserWorld.ScreenshotAsync(page, "patient-records-timeline");

        // Invalid FHIR is refused with a precise message, and nothing is uploaded.
        var before = (await sdk.ListRecordsAsync()).Count;
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a record" }).ClickAsync();
        var fhirField = page.GetByLabel("FHIR resource", new() { Exact = true });
        var save = page.GetByRole(AriaRole.Button, new() { Name = "Encrypt and save" });
        await fhirField.FillAsync("blood pressure 141/92");
        await save.ClickAsync();
        await Assertions.Expect(page.Locator("#fhir-json-error")).ToContainTextAsync("This is not JSON");
        await fhirField.FillAsync(await File.ReadAllTextAsync(Path.Combine(Repo.Root, "testdata", "fhir-r4", "SmartPatientA.json")));
        await save.ClickAsync();
        await Assertions.Expect(page.Locator("#fhir-json-error")).ToContainTextAsync("participant[0].status: is required");
        await fhirField.FillAsync("""{"resourceType":"Spaceship","status":"final"}""");
        await save.ClickAsync();
        await Assertions.Expect(page.Locator("#fhir-json-error")).ToContainTextAsync("\"Spaceship\" is not a FHIR resource type MedLedger stores");
        await BrowserWorld.ScreenshotAsync(page, "patient-upload-refused");

        // A file: uploaded, then downloaded with the same bytes.
        await page.GetByLabel("File (PDF, image, …)").CheckAsync();
        var bytes = new byte[300_000];
        new Random(42).NextBytes(bytes);
        await page.GetByLabel("File", new() { Exact = true }).SetInputFilesAsync(new FilePayload { Name = "scan.bin", MimeType = "application/octet-stream", Buffer = bytes });
        await BrowserWorld.ScreenshotAsync(page, "patient-upload");
        await save.ClickAsync();
        await Assertions.Expect(page.GetByText("Saved version 1 of record")).ToBeVisibleAsync();
        await page.GetByLabel("Category", new() { Exact = true }).SelectOptionAsync("File");
        var download = await page.RunAndWaitForDownloadAsync(() =>
            Timeline(page).GetByRole(AriaRole.Listitem).First.GetByRole(AriaRole.Link, new() { Name = "Download" }).ClickAsync());
        var path = await download.PathAsync();
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        Assert.Equal(before + 1, (await sdk.ListRecordsAsync()).Count);

        // An oversize file is refused before it is read or uploaded.
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a record" }).ClickAsync();
        await page.GetByLabel("File (PDF, image, …)").CheckAsync();
        await page.GetByLabel("File", new() { Exact = true }).SetInputFilesAsync(new FilePayload { Name = "huge.bin", MimeType = "application/octet-stream", Buffer = new byte[(20 * 1024 * 1024) + 1] });
        await save.ClickAsync();
        await Assertions.Expect(page.Locator("#record-file-error")).ToContainTextAsync("records are limited to 20 MiB. Nothing was uploaded.");
        Assert.Equal(before + 1, (await sdk.ListRecordsAsync()).Count);

        // A new version must keep the record's type.
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await page.GetByLabel("Category", new() { Exact = true }).SelectOptionAsync("MedicationRequest");
        await rx.GetByRole(AriaRole.Button, new() { Name = "New version" }).ClickAsync();
        await page.GetByLabel("FHIR resource", new() { Exact = true }).FillAsync(Observation(sdk.UserId, "Not a prescription"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Save new version" }).ClickAsync();
        await Assertions.Expect(page.Locator("#fhir-json-error")).ToContainTextAsync("A new version must stay a MedicationRequest");
        await page.GetByLabel("FHIR resource", new() { Exact = true }).FillAsync(MedicationRequest(sdk.UserId, "Atorvastatin 40 mg " + tag));
        await page.GetByRole(AriaRole.Button, new() { Name = "Save new version" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Saved version 2 of record " + prescription.RecordId.ToString()[..8])).ToBeVisibleAsync();
        var v2 = await sdk.OpenRecordAsync(prescription.RecordId);
        Assert.Equal(2, v2.Version);
        Assert.Contains("Atorvastatin 40 mg " + tag, Encoding.UTF8.GetString(v2.Content), StringComparison.Ordinal);

        // Real FHIR R4 examples (HL7's, via the SDK) render as readable cards, contained medications and bundles included.
        foreach (var sample in new[] { "allergyintolerance-example.json", "Immunization.json", "procedure-example.json", "Condition-For-Patient-f001.json", "medicationrequest0302.json", "diagnosticreport-example.json" })
        {
            await sdk.CreateFhirRecordAsync(await File.ReadAllTextAsync(Path.Combine(Repo.Root, "testdata", "fhir-r4", sample)));
        }
        await page.GetByLabel("Category", new() { Exact = true }).SelectOptionAsync("");
        await Assertions.Expect(page.GetByText("Decrypting in this browser…")).ToHaveCountAsync(0);
        foreach (var text in new[] { "Cashew nuts", "Fluvax (Influenza)", "Appendectomy", "Heart valve disorder", "Azithromycin 250mg capsule (product)", "Two tablets at once", "18 resources (collection)", "Complete Blood Count" })
        {
            await Assertions.Expect(Timeline(page)).ToContainTextAsync(text);
        }
        await Assertions.Expect(page.Locator("main [role=alert]")).ToHaveCountAsync(0);
        await BrowserWorld.ScreenshotAsync(page, "patient-records-fhir-samples");

        // Readable on a phone.
        await page.SetViewportSizeAsync(390, 844);
        await Assertions.Expect(Timeline(page)).ToContainTextAsync("Blood pressure " + tag);
        await BrowserWorld.ScreenshotAsync(page, "patient-records-phone");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Consent_granted_in_the_browser_lets_the_doctor_read_the_access_log_proves_it_and_revoking_stops_the_doctor()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var patient = await world.SdkAsync("patient2");
        using var staff = await world.SdkAsync("staff2");
        using var doctor = await world.SdkAsync("doctor22");
        if (!(await staff.AssignmentsAsync()).Any(a => a.DoctorId == doctor.UserId && a.PatientId == patient.UserId))
        {
            await staff.AssignDoctorAsync(doctor.UserId, patient.UserId);
        }
        var record = await patient.CreateFhirRecordAsync(Observation(patient.UserId, "HbA1c " + tag));
        // Assigned but without consent the doctor cannot read it.
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<MedLedgerApiException>(() => doctor.OpenRecordAsync(record.RecordId))).Status);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient2"));
        await BrowserWorld.Nav(page, "Sharing").ClickAsync();
        await page.GetByLabel("Email of the doctor, pharmacist or insurer").FillAsync(world.Account("doctor22").Email);
        await page.GetByLabel("Some categories").CheckAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Categories" }).GetByLabel("Observation", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Purpose").SelectOptionAsync("treatment");
        await page.GetByLabel("Share until (optional)").FillAsync(DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
        // The grantee's identity card, checked in the browser, is shown before anything is wrapped.
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Who you are sharing with" })).ToContainTextAsync("· verified");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm and share", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("the grant is on the ledger")).ToBeVisibleAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = world.Account("doctor22").Email });
        await Assertions.Expect(row.First).ToContainTextAsync("Categories: Observation");
        await Assertions.Expect(row.First).ToContainTextAsync("active");

        // The doctor's SDK now decrypts it (the browser wrapped the data key for the doctor's ledger-checked key).
        var read = await doctor.OpenRecordAsync(record.RecordId);
        Assert.Contains("HbA1c " + tag, Encoding.UTF8.GetString(read.Content), StringComparison.Ordinal);

        // The access log shows that read with a proof verified in the browser.
        await BrowserWorld.Nav(page, "Access log").ClickAsync();
        var readEntry = page.Locator("li[data-type='records.read']").Filter(new() { HasText = record.RecordId.ToString()[..8] });
        // In words, with the email this tab typed as the doctor's name.
        await Assertions.Expect(readEntry).ToContainTextAsync($"Dr. {world.Account("doctor22").Email} opened record");
        await Assertions.Expect(readEntry).ToContainTextAsync("proof verified");
        await Assertions.Expect(page.GetByText("checking proof…")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText("NOT verified")).ToHaveCountAsync(0);
        await BrowserWorld.ScreenshotAsync(page, "patient-access-log");

        // A receipt whose inclusion proof was altered in transit is reported as not verified.
        await page.RouteAsync("**/api/ledger/receipts/**", async route =>
        {
            var response = await route.FetchAsync();
            var receipt = JsonNode.Parse(await response.TextAsync())!.AsObject();
            var proof = receipt["inclusionProof"]!.AsArray();
            // Flip one bit of the first proof hash (or of the head signature when the proof is empty).
            if (proof.Count > 0)
            {
                proof[0] = FlipFirstBit(proof[0]!.GetValue<string>());
            }
            else
            {
                var head = receipt["head"]!.AsObject();
                head["signature"] = FlipFirstBit(head["signature"]!.GetValue<string>());
            }
            await route.FulfillAsync(new() { Response = response, Body = receipt.ToJsonString() });
        });
        await BrowserWorld.Nav(page, "Sharing").ClickAsync();
        await BrowserWorld.Nav(page, "Access log").ClickAsync();
        await Assertions.Expect(readEntry).ToContainTextAsync("NOT verified");
        await Assertions.Expect(readEntry).Not.ToContainTextAsync("proof verified");
        await BrowserWorld.ScreenshotAsync(page, "patient-access-log-tampered");
        await page.UnrouteAllAsync();

        // Revoking (with a confirmation step) stops the doctor.
        await BrowserWorld.Nav(page, "Sharing").ClickAsync();
        var activeRow = page.GetByRole(AriaRole.Row).Filter(new() { HasText = world.Account("doctor22").Email }).Filter(new() { HasText = "active" });
        await activeRow.GetByRole(AriaRole.Button, new() { Name = "Revoke access for Doctor" }).ClickAsync();
        await BrowserWorld.ScreenshotAsync(page, "patient-sharing");
        await activeRow.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Access revoked.")).ToBeVisibleAsync();
        var denied = await Assert.ThrowsAsync<MedLedgerApiException>(() => doctor.OpenRecordAsync(record.RecordId));
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        var grants = await patient.GrantsAsync();
        Assert.DoesNotContain(grants, g => g.GranteeId == doctor.UserId && g.Active);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_emergency_summary_saved_in_the_browser_opens_for_a_doctor_of_the_chosen_hospital_through_break_glass()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var staff = await world.SdkAsync("staff2");
        await staff.PublishHospitalEmergencyKeyAsync();
        var hospital = world.Account("staff2").Organization!;

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient1"));
        await BrowserWorld.Nav(page, "Emergency").ClickAsync();
        var choice = page.GetByRole(AriaRole.Checkbox, new() { Name = hospital });
        await Assertions.Expect(page.Locator("label").Filter(new() { HasText = hospital })).ToContainTextAsync("key verified on the ledger");
        await page.GetByLabel("Blood type").SelectOptionAsync("A+");
        await page.GetByLabel("Allergies").FillAsync("Penicillin " + tag);
        await page.GetByLabel("Conditions").FillAsync("Type 1 diabetes");
        await page.GetByLabel("Medications").FillAsync("Insulin glargine 20 units nightly");
        await page.GetByLabel("Contact name").FillAsync("Sam Example");
        await page.GetByLabel("Contact phone").FillAsync("+1 555 0100");
        await choice.CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save emergency summary" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Saved and made available to 1 hospital")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Article).Filter(new() { HasText = "Where it is available now" })).ToContainTextAsync(hospital);
        await BrowserWorld.ScreenshotAsync(page, "patient-emergency");
        await page.Context.CloseAsync();

        // A doctor of that hospital breaks the glass with the C# SDK and reads exactly what was typed.
        using var doctor = await world.SdkAsync("doctor21");
        using var patient = await world.SdkAsync("patient1");
        var summary = await doctor.BreakGlassAsync(patient.UserId, "unconscious");
        Assert.Equal("EmergencySummary", summary.Category);
        var content = JsonNode.Parse(summary.Content)!;
        Assert.Equal("Penicillin " + tag, content["allergies"]!.GetValue<string>());
        Assert.Equal("A+", content["bloodType"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_emergency_form_appears_only_once_the_current_summary_is_decrypted_so_nothing_typed_can_replace_an_unseen_summary()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var patient = await world.SdkAsync("patient3");
        var summaryJson = $$$"""
            {"format":"medledger/v1/emergency-summary","bloodType":"B+","allergies":"Latex {{{tag}}}","conditions":"","medications":"",
             "emergencyContact":{"name":"","phone":"","relationship":""},"notes":"","updatedAt":"2025-03-01T10:00:00Z"}
            """;
        var summary = await patient.CreateFileRecordAsync(Encoding.UTF8.GetBytes(summaryJson), "application/json", category: "EmergencySummary");

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient3"));
        // Hold the summary's ciphertext on its way to the page, as a slow link would: the page is then still decrypting.
        var held = new TaskCompletionSource<IRoute>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Only the first fetch is held; any later one (a retry, a reload) goes through.
        await page.RouteAsync($"**/api/records/{summary.RecordId}", route => held.TrySetResult(route) ? Task.CompletedTask : route.ContinueAsync());
        await BrowserWorld.Nav(page, "Emergency").ClickAsync();
        var route = await held.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var form = page.GetByRole(AriaRole.Form, new() { Name = "Emergency summary" });
        await Assertions.Expect(page.GetByText("Decrypting your current summary")).ToBeVisibleAsync();
        await Assertions.Expect(form).ToHaveCountAsync(0);

        await route.ContinueAsync();
        // Decrypting checks receipts and signatures in the page: on a loaded machine that takes more than the default 5 s.
        await Assertions.Expect(form.GetByLabel("Allergies")).ToHaveValueAsync("Latex " + tag, new() { Timeout = 60_000 });
        await Assertions.Expect(form.GetByLabel("Blood type")).ToHaveValueAsync("B+");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Leaving_the_upload_form_cancels_an_upload_in_flight_and_nothing_is_stored()
    {
        using var sdk = await world.SdkAsync("patient3");
        var before = (await sdk.ListRecordsAsync()).Count;
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient3"));
        await BrowserWorld.Nav(page, "My records").ClickAsync();

        // Hold the upload on its way to the server, as a slow link would, so the user can leave mid-upload.
        var held = new TaskCompletionSource<IRoute>(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/api/records/*/versions", route => { held.TrySetResult(route); return Task.CompletedTask; });
        var aborted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.RequestFailed += (_, r) =>
        {
            if (r.Url.Contains("/versions", StringComparison.Ordinal))
            {
                aborted.TrySetResult(r.Failure ?? "");
            }
        };

        await page.GetByRole(AriaRole.Button, new() { Name = "Add a record" }).ClickAsync();
        await page.GetByLabel("File (PDF, image, …)").CheckAsync();
        await page.GetByLabel("File", new() { Exact = true }).SetInputFilesAsync(new FilePayload { Name = "scan.bin", MimeType = "application/octet-stream", Buffer = new byte[2_000_000] });
        await page.GetByRole(AriaRole.Button, new() { Name = "Encrypt and save" }).ClickAsync();
        var route = await held.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        // The browser abandons the request itself, and no error is left on the screen.
        Assert.Contains("ABORTED", await aborted.Task.WaitAsync(TimeSpan.FromSeconds(30)), StringComparison.OrdinalIgnoreCase);
        await Assertions.Expect(page.Locator("main [role=alert]")).ToHaveCountAsync(0);
        try
        {
            await route.ContinueAsync();
        }
        catch (PlaywrightException)
        {
            // The request is gone: that is the point.
        }
        Assert.Equal(before, (await sdk.ListRecordsAsync()).Count);
        await page.Context.CloseAsync();
    }
}
