using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// The record timeline (web/src/fhir/timeline.ts, features/shared/RecordTimeline.tsx), built in the browser after
/// decryption: days by the clinical date inside each record (the upload date only when the record has none, and said so),
/// a DiagnosticReport's results and one day's lab values collapsed to one row with a count that opens, abnormal values
/// flagged in words.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class RecordTimelineBrowserTests(BrowserWorld world)
{
    private const string Lab = """{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}""";

    private static string N(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string LabValue(Guid patientId, string name, string when, double value, string unit, double low, double high, string? interpretation = null)
    {
        var flag = interpretation is null
            ? ""
            : $$"""
            ,"interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"{{interpretation}}"}]}]
            """;
        return $$$"""
            {"resourceType":"Observation","status":"final","category":[{{{Lab}}}],"code":{"text":"{{{name}}}"},
             "subject":{"reference":"Patient/{{{patientId}}}"},"effectiveDateTime":"{{{when}}}","valueQuantity":{"value":{{{N(value)}}},"unit":"{{{unit}}}"},
             "referenceRange":[{"low":{"value":{{{N(low)}}},"unit":"{{{unit}}}"},"high":{"value":{{{N(high)}}},"unit":"{{{unit}}}"}}]{{{flag}}}
            }
            """;
    }

    /// <summary>
    /// A new patient (no demo account's timeline changes) with, written by the C# SDK: a full blood count of four results
    /// (one flagged High) under a DiagnosticReport, one day's three electrolytes (potassium below range), an HbA1c above
    /// range, and a condition without a clinical date. Also the patient home screen of HomeScreensBrowserTests.
    /// </summary>
    internal static async Task<(string Email, string Password)> NewPatientWithLabRecordsAsync(BrowserWorld world, string tag)
    {
        var email = $"timeline-{Guid.NewGuid():N}@browser.example";
        var password = "timeline passphrase " + Guid.NewGuid().ToString("N")[..8];
        using (var c = new MedLedgerClient(new Uri(world.Url)))
        {
            await c.RegisterWithDevOutboxAsync(email, password, Role.Patient);
        }
        using var sdk = new MedLedgerClient(new Uri(world.Url));
        await sdk.LoginWithDevOutboxAsync(email, password);
        var me = sdk.UserId;
        string Named(string what) => tag.Length == 0 ? what : what + " " + tag;

        // A full blood count: four results (one flagged High by the lab) under one DiagnosticReport that names them.
        var results = new List<Guid>();
        foreach (var (name, value, unit, low, high, flag) in new[]
                 {
                     (Named("Haemoglobin"), 13.5, "g/dL", 12.0, 16.0, (string?)null), (Named("White cell count"), 14.2, "10*9/L", 4.0, 11.0, "H"),
                     (Named("Platelets"), 250.0, "10*9/L", 150.0, 400.0, null), (Named("Haematocrit"), 41.0, "%", 36.0, 46.0, null),
                 })
        {
            results.Add((await sdk.CreateFhirRecordAsync(LabValue(me, name, "2024-04-12T08:30:00Z", value, unit, low, high, flag))).RecordId);
        }
        await sdk.CreateFhirRecordAsync($$$"""
            {"resourceType":"DiagnosticReport","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0074","code":"HM"}]}],
             "code":{"text":"{{{Named("Full blood count")}}}"},"subject":{"reference":"Patient/{{{me}}}"},"effectiveDateTime":"2024-04-12T08:30:00Z",
             "result":[{{{string.Join(",", results.Select(r => $$"""{"reference":"urn:uuid:{{r}}"}"""))}}}]
            }
            """);
        // One day's electrolytes without a report: collapsed as that day's lab results; potassium below its range (no flag from the lab).
        await sdk.CreateFhirRecordAsync(LabValue(me, Named("Sodium"), "2023-11-20", 140, "mmol/L", 135, 145));
        await sdk.CreateFhirRecordAsync(LabValue(me, Named("Potassium"), "2023-11-20", 3.1, "mmol/L", 3.5, 5.1));
        await sdk.CreateFhirRecordAsync(LabValue(me, Named("Creatinine"), "2023-11-20", 80, "umol/L", 60, 110));
        // A single value above its range, and a record without any clinical date.
        await sdk.CreateFhirRecordAsync(LabValue(me, Named("HbA1c"), "2024-05-06", 7.9, "%", 4.0, 5.6));
        await sdk.CreateFhirRecordAsync($$$"""
            {"resourceType":"Condition","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
             "code":{"text":"{{{Named("Seasonal allergy")}}}"},"subject":{"reference":"Patient/{{{me}}}"}
            }
            """);
        return (email, password);
    }

    [Fact]
    public async Task The_timeline_leads_with_clinical_dates_collapses_lab_panels_to_a_count_that_opens_and_flags_abnormal_values_in_words()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (email, password) = await NewPatientWithLabRecordsAsync(world, tag);

        var page = await world.NewPageAsync();
        using (var outboxReader = new MedLedgerClient(new Uri(world.Url)))
        {
            await BrowserLogin.SignInWithEmailCodeAsync(page, email, password, outboxReader);
        }
        await BrowserWorld.Nav(page, "My records").ClickAsync();
        var timeline = page.GetByRole(AriaRole.List, new() { Name = "Records, newest first" });
        await Assertions.Expect(timeline).ToBeVisibleAsync(new() { Timeout = 60_000 });

        // Days by clinical date, newest first; the undated record sits on its upload day (today), the newest.
        var days = timeline.Locator(".timeline-day");
        await Assertions.Expect(days).ToHaveCountAsync(4);
        Assert.Equal(["6 May 2024", "12 Apr 2024", "20 Nov 2023"], (await days.AllInnerTextsAsync()).Skip(1));
        // Four rows: the undated condition, HbA1c, the blood count panel, the electrolytes panel (its three values in one row).
        var rows = timeline.Locator(":scope > li");
        await Assertions.Expect(rows).ToHaveCountAsync(4);
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("Seasonal allergy " + tag);
        await Assertions.Expect(rows.Nth(0).Locator(".record-when")).ToContainTextAsync("(no clinical date in the record)");
        await Assertions.Expect(rows.Nth(0).Locator(".record-when time")).ToHaveClassAsync("uploaded");

        // The clinical date comes first on the row, then the flag in words (not colour alone).
        var hba1c = rows.Nth(1);
        await Assertions.Expect(hba1c).ToContainTextAsync("HbA1c " + tag);
        Assert.StartsWith("6 May 2024", (await hba1c.InnerTextAsync()).Trim(), StringComparison.Ordinal);
        await Assertions.Expect(hba1c.Locator(".record-when")).ToContainTextAsync("6 May 2024");
        await Assertions.Expect(hba1c.Locator(".record-when")).ToContainTextAsync("⚠ Abnormal: Above range (≤ 5.6 %)");

        // The report and its four results: one collapsed row with the count and how many are abnormal.
        var panel = rows.Nth(2).Locator("details.timeline-panel");
        var summary = panel.Locator("summary");
        await Assertions.Expect(summary).ToContainTextAsync("Full blood count " + tag);
        await Assertions.Expect(summary).ToContainTextAsync("4 results");
        await Assertions.Expect(summary).ToContainTextAsync("⚠ Abnormal: 1 of 4 outside normal");
        Assert.StartsWith("12 Apr 2024", (await summary.InnerTextAsync()).Trim(), StringComparison.Ordinal);
        var whiteCells = panel.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "White cell count " + tag });
        await Assertions.Expect(whiteCells).ToBeHiddenAsync();
        await BrowserWorld.ScreenshotAsync(page, "patient-records-timeline-collapsed");
        await summary.ClickAsync();
        await Assertions.Expect(whiteCells).ToBeVisibleAsync();
        await Assertions.Expect(whiteCells).ToContainTextAsync("⚠ Abnormal: High");
        await Assertions.Expect(whiteCells).ToContainTextAsync("14.2 10*9/L");
        await Assertions.Expect(panel.GetByRole(AriaRole.List, new() { Name = "4 results of Full blood count " + tag }).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(4);
        await Assertions.Expect(panel.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Haemoglobin " + tag }).Locator(".badge.flag")).ToHaveCountAsync(0);

        // The electrolytes: one row for the day, potassium flagged from its reference range.
        var electrolytes = rows.Nth(3).Locator("details.timeline-panel");
        await Assertions.Expect(electrolytes.Locator("summary")).ToContainTextAsync("Lab results");
        await Assertions.Expect(electrolytes.Locator("summary")).ToContainTextAsync("3 results");
        await Assertions.Expect(electrolytes.Locator("summary")).ToContainTextAsync("⚠ Abnormal: 1 of 3 outside normal");
        await electrolytes.Locator("summary").ClickAsync();
        await Assertions.Expect(electrolytes.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Potassium " + tag })).ToContainTextAsync("⚠ Abnormal: Below range (≥ 3.5 mmol/L)");
        await Assertions.Expect(page.Locator("main [role=alert]")).ToHaveCountAsync(0);
        await BrowserWorld.ScreenshotAsync(page, "patient-records-timeline-expanded");
        await page.Context.CloseAsync();
    }
}
