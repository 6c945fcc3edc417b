using System.Text;
using System.Text.Json;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// The doctor's screens in Chromium against a demo server: assigned patients, records decrypted in the
/// browser, diagnoses and prescriptions written in the browser and read back by the C# SDK, the refusal
/// for a doctor who is not assigned, and break-glass. Data is set up over HTTP with the C# SDK as the
/// patient and hospital staff would do it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DoctorBrowserTests(BrowserWorld world)
{

    private static async Task AssignAsync(MedLedgerClient staff, Guid doctorId, Guid patientId)
    {
        // Another test of the collection may have made the same assignment: that is the state we need.
        if ((await staff.AssignmentsAsync()).Any(a => a.DoctorId == doctorId && a.PatientId == patientId))
        {
            return;
        }
        await staff.AssignDoctorAsync(doctorId, patientId);
    }

    private static string Observation(Guid patientId, string text) => $$$"""
        {"resourceType":"Observation","status":"final","code":{"text":"{{{text}}}"},"subject":{"reference":"Patient/{{{patientId}}}"},
         "effectiveDateTime":"2025-03-02","valueQuantity":{"value":6.1,"unit":"%"}}
        """;

    private static ILocator Alert(IPage page) => page.Locator("main [role=alert]");

    [Fact]
    public async Task An_assigned_and_consented_doctor_sees_their_patient_and_reads_the_patients_record_decrypted_in_the_browser()
    {
        var marker = "HbA1c check " + Guid.NewGuid().ToString("N")[..8];
        using var patient = await world.SdkAsync("patient1");
        using var staff = await world.SdkAsync("staff1");
        var doctorId = (await patient.LookUpProfessionalAsync(world.Account("doctor11").Email)).UserId;
        var record = await patient.CreateFhirRecordAsync(Observation(patient.UserId, marker));
        await AssignAsync(staff, doctorId, patient.UserId);
        await patient.GrantConsentAsync(doctorId, ConsentScope.All);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("doctor11"));
        await page.GetByRole(AriaRole.Link, new() { Name = "My patients", Exact = true }).ClickAsync();
        var patientLink = page.GetByRole(AriaRole.Link, new() { Name = "Patient " + patient.UserId.ToString()[..8] });
        await Assertions.Expect(patientLink).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Assigned patients" })).ToContainTextAsync("Northside");
        await BrowserWorld.ScreenshotAsync(page, "doctor-my-patients");

        await patientLink.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync($"{world.Url}/doctor/patients/{patient.UserId}");
        var records = page.GetByRole(AriaRole.Region, new() { Name = "Patient records" });
        // The marker exists only inside the ciphertext: seeing it means the browser opened the record.
        await Assertions.Expect(records).ToContainTextAsync(marker);
        await Assertions.Expect(records).ToContainTextAsync(record.RecordId.ToString()[..8]);
        await Assertions.Expect(Alert(page)).ToHaveCountAsync(0);
        await BrowserWorld.ScreenshotAsync(page, "doctor-patient-records");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_diagnosis_and_a_prescription_written_in_the_browser_open_in_the_CSharp_SDK_as_the_patient_as_FHIR_Condition_and_MedicationRequest()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var patient = await world.SdkAsync("patient2");
        using var staff = await world.SdkAsync("staff1");
        var doctorId = (await patient.LookUpProfessionalAsync(world.Account("doctor12").Email)).UserId;
        await AssignAsync(staff, doctorId, patient.UserId);
        await patient.GrantConsentAsync(doctorId, ConsentScope.All);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("doctor12"));
        // In-app navigation only: a reload would forget the keys (they live in this tab's memory).
        await page.GetByRole(AriaRole.Link, new() { Name = "My patients", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Patient " + patient.UserId.ToString()[..8] }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Patient " + patient.UserId.ToString()[..8] })).ToBeVisibleAsync();

        // Diagnosis: an empty form is refused on the page, nothing is written.
        await page.GetByRole(AriaRole.Button, new() { Name = "Write a diagnosis" }).ClickAsync();
        var dx = page.GetByRole(AriaRole.Form, new() { Name = "Write a diagnosis" });
        await dx.GetByRole(AriaRole.Button, new() { Name = "Save diagnosis" }).ClickAsync();
        await Assertions.Expect(dx).ToContainTextAsync("Enter the diagnosis.");
        await dx.GetByLabel("Diagnosis", new() { Exact = true }).FillAsync("Type 2 diabetes mellitus " + tag);
        await dx.GetByLabel("SNOMED CT code (optional)").FillAsync("44054006");
        await dx.GetByLabel("Clinical status").SelectOptionAsync("active");
        await dx.GetByLabel("Verification status").SelectOptionAsync("provisional");
        await dx.GetByLabel("Onset date (optional)").FillAsync("2024-11-05");
        await dx.GetByLabel("Note (optional)").FillAsync("Diet advice given " + tag);
        await BrowserWorld.ScreenshotAsync(page, "doctor-write-diagnosis");
        await dx.GetByRole(AriaRole.Button, new() { Name = "Save diagnosis" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Diagnosis saved")).ToBeVisibleAsync();
        var records = page.GetByRole(AriaRole.Region, new() { Name = "Patient records" });
        await Assertions.Expect(records).ToContainTextAsync("Type 2 diabetes mellitus " + tag);

        // Prescription, with a bad number refused first.
        await page.GetByRole(AriaRole.Button, new() { Name = "Write a prescription" }).ClickAsync();
        var rx = page.GetByRole(AriaRole.Form, new() { Name = "Write a prescription" });
        await rx.GetByLabel("Medication", new() { Exact = true }).FillAsync("Metformin 500 mg tablets " + tag);
        await rx.GetByLabel("Dosage instructions").FillAsync("One tablet twice a day with meals");
        await rx.GetByLabel("Dose per intake (optional)").FillAsync("500");
        await rx.GetByLabel("Dose unit").FillAsync("mg");
        await rx.GetByLabel("Times per day (optional)").FillAsync("two");
        await rx.GetByRole(AriaRole.Button, new() { Name = "Save prescription" }).ClickAsync();
        await Assertions.Expect(rx).ToContainTextAsync("Enter a whole number from 1 to 24.");
        await rx.GetByLabel("Times per day (optional)").FillAsync("2");
        await Assertions.Expect(rx).Not.ToContainTextAsync("Enter a whole number from 1 to 24.");
        await rx.GetByLabel("Duration in days (optional)").FillAsync("90");
        await rx.GetByLabel("Number of repeats (optional)").FillAsync("3");
        // Not dispensable without a quantity; a schedule II drug gets no refills: both refused on the page.
        await rx.GetByRole(AriaRole.Button, new() { Name = "Save prescription" }).ClickAsync();
        await Assertions.Expect(rx).ToContainTextAsync("Enter how many units a pharmacy hands over per fill.");
        await rx.GetByLabel("Quantity per fill").FillAsync("60");
        await rx.GetByLabel("Unit of dispensing (optional)").FillAsync("tablets");
        await rx.GetByLabel("Controlled-drug schedule").SelectOptionAsync("II");
        await rx.GetByRole(AriaRole.Button, new() { Name = "Save prescription" }).ClickAsync();
        await Assertions.Expect(rx).ToContainTextAsync("A schedule II prescription cannot have refills.");
        await rx.GetByLabel("Controlled-drug schedule").SelectOptionAsync("");
        var validUntil = DateTime.UtcNow.AddDays(200).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await rx.GetByLabel("Valid until (optional)").FillAsync(validUntil);
        await BrowserWorld.ScreenshotAsync(page, "doctor-write-prescription");
        await rx.GetByRole(AriaRole.Button, new() { Name = "Save prescription" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Prescription saved")).ToBeVisibleAsync();
        // Shown in the app's one date format ("3 Dec 2026", ui/dates.ts): the same Intl format computed in the page.
        var validUntilShown = await page.EvaluateAsync<string>(
            "d => new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(d))", validUntil);
        Assert.Matches(@"^\d{1,2} [A-Z][a-z]{2,3} \d{4}$", validUntilShown);
        await Assertions.Expect(page.GetByText($"Issued: 240 units over 4 fills, valid until {validUntilShown}.")).ToBeVisibleAsync();
        await Assertions.Expect(records).ToContainTextAsync("Metformin 500 mg tablets " + tag);
        await BrowserWorld.ScreenshotAsync(page, "doctor-patient-records-after-writing");
        await page.Context.CloseAsync();

        // Browser → C#: the patient decrypts both with the SDK; both parse strictly as FHIR R4.
        var written = await patient.ListRecordsAsync(author: doctorId);
        var documents = new Dictionary<string, JsonElement>();
        var recordIds = new Dictionary<string, Guid>();
        foreach (var r in written)
        {
            var opened = await patient.OpenRecordAsync(r.RecordId);
            var json = Encoding.UTF8.GetString(opened.Content);
            if (!json.Contains(tag, StringComparison.Ordinal))
            {
                continue;
            }
            Assert.Equal(doctorId, opened.AuthorId);
            Assert.Equal("application/fhir+json", opened.ContentType);
            Assert.Equal(opened.Category, MedLedgerClient.ValidateFhir(json));
            documents[opened.Category] = JsonDocument.Parse(json).RootElement.Clone();
            recordIds[opened.Category] = r.RecordId;
        }
        Assert.Equal(["Condition", "MedicationRequest"], documents.Keys.Order(StringComparer.Ordinal));

        var condition = documents["Condition"];
        Assert.Equal("Type 2 diabetes mellitus " + tag, condition.GetProperty("code").GetProperty("text").GetString());
        Assert.Equal("44054006", condition.GetProperty("code").GetProperty("coding")[0].GetProperty("code").GetString());
        Assert.Equal("http://snomed.info/sct", condition.GetProperty("code").GetProperty("coding")[0].GetProperty("system").GetString());
        Assert.Equal("active", condition.GetProperty("clinicalStatus").GetProperty("coding")[0].GetProperty("code").GetString());
        Assert.Equal("provisional", condition.GetProperty("verificationStatus").GetProperty("coding")[0].GetProperty("code").GetString());
        Assert.Equal("2024-11-05", condition.GetProperty("onsetDateTime").GetString());
        Assert.Equal($"Patient/{patient.UserId}", condition.GetProperty("subject").GetProperty("reference").GetString());
        Assert.Equal($"Practitioner/{doctorId}", condition.GetProperty("recorder").GetProperty("reference").GetString());
        Assert.Equal($"Practitioner/{doctorId}", condition.GetProperty("asserter").GetProperty("reference").GetString());
        Assert.Equal("Diet advice given " + tag, condition.GetProperty("note")[0].GetProperty("text").GetString());

        var prescription = documents["MedicationRequest"];
        Assert.Equal("active", prescription.GetProperty("status").GetString());
        Assert.Equal("order", prescription.GetProperty("intent").GetString());
        Assert.Equal("Metformin 500 mg tablets " + tag, prescription.GetProperty("medicationCodeableConcept").GetProperty("text").GetString());
        Assert.Equal($"Patient/{patient.UserId}", prescription.GetProperty("subject").GetProperty("reference").GetString());
        Assert.Equal($"Practitioner/{doctorId}", prescription.GetProperty("requester").GetProperty("reference").GetString());
        Assert.True(DateTimeOffset.TryParse(prescription.GetProperty("authoredOn").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        var dosage = prescription.GetProperty("dosageInstruction")[0];
        Assert.Equal("One tablet twice a day with meals", dosage.GetProperty("text").GetString());
        Assert.Equal(2, dosage.GetProperty("timing").GetProperty("repeat").GetProperty("frequency").GetInt32());
        Assert.Equal("d", dosage.GetProperty("timing").GetProperty("repeat").GetProperty("periodUnit").GetString());
        Assert.Equal(90m, dosage.GetProperty("timing").GetProperty("repeat").GetProperty("boundsDuration").GetProperty("value").GetDecimal());
        Assert.Equal(500m, dosage.GetProperty("doseAndRate")[0].GetProperty("doseQuantity").GetProperty("value").GetDecimal());
        Assert.Equal("mg", dosage.GetProperty("doseAndRate")[0].GetProperty("doseQuantity").GetProperty("unit").GetString());
        var dispenseRequest = prescription.GetProperty("dispenseRequest");
        Assert.Equal(3, dispenseRequest.GetProperty("numberOfRepeatsAllowed").GetInt32());
        Assert.Equal(60m, dispenseRequest.GetProperty("quantity").GetProperty("value").GetDecimal());
        Assert.Equal("tablets", dispenseRequest.GetProperty("quantity").GetProperty("unit").GetString());
        Assert.Equal(validUntil, dispenseRequest.GetProperty("validityPeriod").GetProperty("end").GetString());

        // Issued from the browser: the C# SDK finds it on the ledger (verified receipt) with the limits the form set,
        // and a pharmacy could fill it: quantity × (1 + repeats) over 1 + repeats fills, until the end of that day.
        var issued = Assert.Single(await patient.PrescriptionsAsync(recordId: recordIds["MedicationRequest"]));
        Assert.Equal(doctorId, issued.Info.PrescriberId);
        Assert.Equal(240, issued.Info.TotalUnits);
        Assert.Equal(4, issued.Info.MaxFills);
        Assert.Equal(DateTimeOffset.ParseExact(validUntil, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal).AddDays(1).AddMilliseconds(-1), issued.Info.ValidUntil);
        Assert.False(issued.Cancelled);
        Assert.Equal(0, issued.Dispensed);
    }

    [Fact]
    public async Task A_doctor_who_is_not_assigned_to_the_patient_is_refused_with_a_clear_message_and_cannot_write()
    {
        using var patient = await world.SdkAsync("patient1");
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("doctor21"));

        // The patient is not on this doctor's list…
        await page.GetByRole(AriaRole.Link, new() { Name = "My patients", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My patients" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Loading your patients…")).ToHaveCountAsync(0);
        await Assertions.Expect(Alert(page)).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Patient " + patient.UserId.ToString()[..8] })).ToHaveCountAsync(0);

        // …and opening the patient by id is refused by the server, with its reason on the page.
        await page.GetByLabel("Open a patient by id").FillAsync(patient.UserId.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Open", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Patient " + patient.UserId.ToString()[..8] })).ToBeVisibleAsync();
        await Assertions.Expect(Alert(page)).ToContainTextAsync("You are not assigned to this patient.");
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Patient records" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Write a diagnosis" })).ToHaveCountAsync(0);
        await BrowserWorld.ScreenshotAsync(page, "doctor-not-assigned-refused");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Break_glass_in_the_browser_shows_the_patients_emergency_summary_after_confirmation_and_the_patient_sees_it_on_the_ledger()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var staff = await world.SdkAsync("staff1");
        using var patient = await world.SdkAsync("patient3");
        var doctorId = (await patient.LookUpProfessionalAsync(world.Account("doctor11").Email)).UserId;
        await staff.PublishHospitalEmergencyKeyAsync();
        var summaryJson = $$$"""
            {"format":"medledger/v1/emergency-summary","bloodType":"O-","allergies":"Penicillin {{{tag}}}","conditions":"Asthma","medications":"Salbutamol",
             "emergencyContact":{"name":"","phone":"","relationship":""},"notes":"","updatedAt":"2025-03-01T10:00:00Z"}
            """;
        var summary = await patient.CreateFileRecordAsync(Encoding.UTF8.GetBytes(summaryJson), "application/json", category: "EmergencySummary");
        await patient.DesignateEmergencySummaryAsync(summary.RecordId, staff.Tokens!.User.OrganizationId!.Value);
        // A patient who made no summary available to the hospital: breaking the glass is refused.
        using var anonymous = new MedLedgerClient(new Uri(world.Url));
        var stranger = await anonymous.RegisterWithDevOutboxAsync($"no-summary-{tag}@demo.medledger.local", "correct horse battery " + tag, Role.Patient);

        var page = await world.NewPageAsync(390, 844);
        await BrowserLogin.SignInAsync(page, world.Account("doctor11"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Emergency access", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("Hospital emergency key ready")).ToBeVisibleAsync();

        var form = page.GetByRole(AriaRole.Form, new() { Name = "Break the glass" });
        await form.GetByLabel("Patient id").FillAsync(stranger.UserId.ToString());
        await form.GetByLabel("Reason").SelectOptionAsync(new SelectOptionValue { Label = "Life-threatening condition" });
        await form.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Break the glass", Exact = true }).ClickAsync();
        await Assertions.Expect(Alert(page)).ToContainTextAsync("This patient has not made an emergency summary available to your hospital.");

        // The real emergency: the patient's id (the directory finds no patient by email), a reason, then the confirmation.
        await form.GetByLabel("Patient id").FillAsync(patient.UserId.ToString());
        await form.GetByLabel("Reason").SelectOptionAsync("unconscious");
        await form.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Alertdialog, new() { Name = "Confirm emergency access" });
        await Assertions.Expect(confirm).ToContainTextAsync("recorded permanently on the ledger");
        await Assertions.Expect(confirm).ToContainTextAsync("patient is notified");
        await BrowserWorld.ScreenshotAsync(page, "doctor-emergency-confirm-phone");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Break the glass", Exact = true }).ClickAsync();

        var shown = page.GetByRole(AriaRole.Article).Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Emergency summary" }) });
        await Assertions.Expect(shown).ToContainTextAsync("Penicillin " + tag);
        await Assertions.Expect(shown).ToContainTextAsync("O-");
        await Assertions.Expect(shown).ToContainTextAsync("recorded on the ledger");
        var events = page.GetByRole(AriaRole.Table, new() { Name = "My break-glass events" });
        await Assertions.Expect(events).ToContainTextAsync(patient.UserId.ToString()[..8]);
        await Assertions.Expect(events).ToContainTextAsync("Patient is unconscious");
        await BrowserWorld.ScreenshotAsync(page, "doctor-emergency-summary-phone");
        await page.Context.CloseAsync();

        // The patient sees the doctor's signed break-glass on their ledger entries, and was told by email.
        var entries = await patient.MyLedgerEntriesAsync(100);
        Assert.Contains(entries, e => e.Type == "emergency.break-glass" && e.Valid && e.ActorId == doctorId.ToString()
            && e.Payload["patientId"] == patient.UserId.ToString() && !e.Payload.ContainsKey("reason") && e.Payload.ContainsKey("reasonCommitment"));
        // The reason reaches the patient beside the ledger, and opens the commitment the browser signed.
        var seen = (await patient.BreakGlassEventsAsync()).Where(e => e.DoctorId == doctorId).OrderByDescending(e => e.At).First();
        Assert.Equal("unconscious", await patient.VerifiedBreakGlassReasonAsync(seen));
        Assert.Contains(await patient.ReadDevOutboxAsync(world.Account("patient3").Email), m => m.Subject == "Emergency access to your summary");
        // The refused attempt released nothing and left no event for the stranger.
        using var doctor = await world.SdkAsync("doctor11");
        Assert.DoesNotContain(await doctor.BreakGlassEventsAsync(), e => e.PatientId == stranger.UserId);
    }
}
