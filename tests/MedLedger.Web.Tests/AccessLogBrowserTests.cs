using System.Net;
using System.Text;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// The patient's readable access log and emergency designations in Chromium (issue 13 items 5 and 9): a doctor's
/// reads folded into one line in words with every proof checked, the break-glass reason checked against its ledger
/// commitment, the summary re-wrapped for a rotated hospital key at sign-in, and a designation withdrawn in the UI.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessLogBrowserTests(BrowserWorld world)
{
    [Fact]
    public async Task The_access_log_names_events_in_words_folds_a_doctors_reads_and_the_emergency_page_withdraws_a_hospital()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        using var staff = await world.SdkAsync("staff1");
        using var doctor = await world.SdkAsync("doctor12");
        using var outbox = new MedLedgerClient(new Uri(world.Url));
        var password = "correct horse battery " + tag;
        var email = $"log-patient-{tag}@demo.medledger.local";
        await outbox.RegisterWithDevOutboxAsync(email, password, Role.Patient);
        using var patient = new MedLedgerClient(new Uri(world.Url));
        await patient.LoginWithDevOutboxAsync(email, password);
        var northside = staff.Tokens!.User.OrganizationId!.Value;

        var records = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            records.Add((await patient.CreateFileRecordAsync(Encoding.UTF8.GetBytes($"note {i} {tag}"), "text/plain")).RecordId);
        }
        await patient.RegisterWithHospitalAsync(northside);
        await staff.AssignDoctorAsync(doctor.UserId, patient.UserId);
        await patient.GrantConsentAsync(doctor.UserId, ConsentScope.Records, [.. records.Select(r => r.ToString())]);
        foreach (var id in records)
        {
            await doctor.OpenRecordAsync(id);
        }
        await staff.PublishHospitalEmergencyKeyAsync();
        var summary = await patient.CreateFileRecordAsync(Encoding.UTF8.GetBytes("""{"format":"medledger/v1/emergency-summary","bloodType":"B-"}"""), "application/json", category: "EmergencySummary");
        await patient.DesignateEmergencySummaryAsync(summary.RecordId, northside);
        await doctor.BreakGlassAsync(patient.UserId, "unconscious");
        // The hospital rotates its key: the browser re-wraps the summary at the patient's next sign-in.
        var rotated = await staff.PublishHospitalEmergencyKeyAsync();
        Assert.True(Assert.Single(await patient.EmergencyDesignationsAsync()).NeedsRewrap);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInWithEmailCodeAsync(page, email, password, outbox);
        // The sign-in re-wraps before it leaves the login page.
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"), new() { Timeout = 30_000 });
        var designation = Assert.Single(await patient.EmergencyDesignationsAsync());
        Assert.False(designation.NeedsRewrap);
        Assert.Equal(rotated.KeyId, designation.ReaderKeyId);

        await BrowserWorld.Nav(page, "Access log").ClickAsync();
        var log = page.GetByRole(AriaRole.List, new() { Name = "Access log, newest first" });
        var doctorId = doctor.UserId.ToString()[..8];
        // Three reads by one doctor are one line, in words, with the three proofs checked.
        var reads = log.Locator("li[data-type='records.read']").Filter(new() { HasText = doctorId });
        await Assertions.Expect(reads).ToHaveCountAsync(1);
        await Assertions.Expect(reads).ToContainTextAsync($"Dr. {doctorId} opened 3 records");
        await Assertions.Expect(reads).ToContainTextAsync("3 proofs verified");
        foreach (var id in records)
        {
            await Assertions.Expect(reads).ToContainTextAsync(id.ToString()[..8]);
        }
        var glass = log.Locator("li[data-type='emergency.break-glass']");
        await Assertions.Expect(glass).ToContainTextAsync($"Emergency access by Dr. {doctorId} at Northside General Hospital");
        await Assertions.Expect(glass).ToContainTextAsync("reason: Patient is unconscious");
        await Assertions.Expect(glass).ToContainTextAsync("matches the ledger");
        await Assertions.Expect(log.Locator("li[data-type='care.assign']")).ToContainTextAsync($"Northside General Hospital assigned Dr. {doctorId} to your care");
        await Assertions.Expect(log.Locator("li[data-type='consent.grant']")).ToContainTextAsync($"You shared some records with Dr. {doctorId}");
        await Assertions.Expect(page.GetByText("checking proof…")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText("NOT verified")).ToHaveCountAsync(0);
        // No raw transaction names show through.
        var text = await log.InnerTextAsync();
        foreach (var raw in new[] { "records.read", "records.write", "consent.grant", "care.assign", "emergency.", "identity.", " by User" })
        {
            Assert.DoesNotContain(raw, text, StringComparison.Ordinal);
        }
        await BrowserWorld.ScreenshotAsync(page, "patient-access-log-grouped");

        // Withdrawing Northside on the Emergency page: signed here, on the ledger, and break-glass is refused after it.
        await BrowserWorld.Nav(page, "Emergency").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Withdraw Northside General Hospital" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Northside General Hospital can no longer open your summary.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.List, new() { Name = "Hospitals that can open your summary" })).ToHaveCountAsync(0);
        Assert.Empty(await patient.EmergencyDesignationsAsync());
        var refused = await Assert.ThrowsAsync<MedLedgerApiException>(() => doctor.BreakGlassAsync(patient.UserId, "unconscious"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        await BrowserWorld.Nav(page, "Access log").ClickAsync();
        await Assertions.Expect(log.Locator("li[data-type='emergency.withdraw']")).ToContainTextAsync("You withdrew the emergency access of Northside General Hospital");
        await page.Context.CloseAsync();
    }
}
