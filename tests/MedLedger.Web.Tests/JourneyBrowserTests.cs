using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// The journey with every step taken in Chromium by the person who would take it: a patient
/// signs up, uploads a record and shares it; hospital staff assign a doctor; the doctor reads the record
/// decrypted in their browser; the patient revokes and the doctor is refused. Throughout, the server must
/// stay blind: no request body the browsers send, no file in the server's data folder and no server log
/// line contains the record's content or the patient's password.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class JourneyBrowserTests(BrowserWorld world)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Slow = new() { Timeout = 60_000 };

    /// <summary>Every request body a page sends, so the test can prove what left the browser.</summary>
    private static List<string> RecordRequestBodies(IPage page)
    {
        var bodies = new List<string>();
        page.Request += (_, r) =>
        {
            if (r.PostDataBuffer is { } body)
            {
                lock (bodies)
                {
                    bodies.Add(Encoding.UTF8.GetString(body));
                }
            }
        };
        return bodies;
    }

    [Fact]
    public async Task Sign_up_upload_share_with_a_doctor_the_doctor_reads_revoke_and_the_doctor_is_refused_with_the_server_blind_throughout()
    {
        var marker = "Ferritin " + Guid.NewGuid().ToString("N")[..10];
        var email = $"journey-{Guid.NewGuid():N}@browser.example";
        var password = "journey passphrase " + Guid.NewGuid().ToString("N")[..8];
        using var outbox = new MedLedgerClient(new Uri(world.Url));

        // 1. The patient signs up in the browser: keys made here, recovery code shown once and confirmed.
        var patientPage = await world.NewPageAsync();
        var sentByPatient = RecordRequestBodies(patientPage);
        var account = await BrowserLogin.SignUpPatientAsync(patientPage, email, password);
        await BrowserWorld.ScreenshotAsync(patientPage, "journey-1-recovery-code");
        await BrowserLogin.ConfirmRecoveryCodeAsync(patientPage, account.RecoveryCode);
        await Assertions.Expect(patientPage).ToHaveURLAsync(new Regex("/login$"));
        await BrowserLogin.SignInWithEmailCodeAsync(patientPage, email, password, outbox);

        // 2. Upload a FHIR Observation; it is sealed in the browser and shown back as a readable card.
        await BrowserWorld.Nav(patientPage, "My records").ClickAsync();
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Add a record" }).ClickAsync();
        await patientPage.GetByLabel("FHIR resource", new() { Exact = true }).FillAsync($$$"""
            {"resourceType":"Observation","status":"final","code":{"text":"{{{marker}}}"},"effectiveDateTime":"2026-11-20","valueQuantity":{"value":12,"unit":"ng/mL"}}
            """);
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Encrypt and save" }).ClickAsync();
        await Assertions.Expect(patientPage.GetByText("Saved version 1 of record")).ToBeVisibleAsync(Slow);
        await Assertions.Expect(patientPage.GetByRole(AriaRole.List, new() { Name = "Records, newest first" })).ToContainTextAsync(marker);
        await BrowserWorld.ScreenshotAsync(patientPage, "journey-2-record-uploaded");

        // 3. The patient registers with the doctor's hospital on its page (a care.register signed in the browser);
        //    hospital staff then choose the patient from their hospital's list and assign a doctor (signed in the staff browser).
        var doctor = world.Account("doctor21");
        using var doctorSdk = new MedLedgerClient(new Uri(world.Url));
        await doctorSdk.LoginWithDevOutboxAsync(doctor.Email, doctor.Password);
        // Staff and doctors find no patient by email (the directory lists professionals only): the patient's own session says its id.
        using var patientSdk = new MedLedgerClient(new Uri(world.Url));
        await patientSdk.LoginWithDevOutboxAsync(email, password);
        var newPatientId = patientSdk.UserId;
        await HospitalTestKit.NavigateInAppAsync(patientPage, "/hospitals/" + doctorSdk.Tokens!.User.OrganizationId!.Value);
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Register with this hospital" }).ClickAsync();
        await Assertions.Expect(patientPage.Locator("#care-registration-status")).ToContainTextAsync("You are registered with this hospital");
        var staffPage = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(staffPage, world.Account("staff2"));
        await BrowserWorld.Nav(staffPage, "Doctors").ClickAsync();
        await staffPage.GetByLabel("Doctor", new() { Exact = true }).SelectOptionAsync(doctorSdk.UserId.ToString());
        await staffPage.GetByLabel("Patient", new() { Exact = true }).SelectOptionAsync(newPatientId.ToString());
        await staffPage.GetByRole(AriaRole.Button, new() { Name = "Assign doctor" }).ClickAsync();
        await Assertions.Expect(staffPage.GetByText("is now assigned to patient " + newPatientId.ToString()[..8])).ToBeVisibleAsync();
        await staffPage.Context.CloseAsync();

        // 4. The patient shares Observations with that doctor.
        await BrowserWorld.Nav(patientPage, "Sharing").ClickAsync();
        await patientPage.GetByLabel("Email of the doctor, pharmacist or insurer").FillAsync(doctor.Email);
        await patientPage.GetByLabel("Some categories").CheckAsync();
        await patientPage.GetByRole(AriaRole.Group, new() { Name = "Categories" }).GetByLabel("Observation", new() { Exact = true }).CheckAsync();
        await patientPage.GetByLabel("Purpose").SelectOptionAsync("treatment");
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
        // The grantee's identity card, checked in the browser, is shown before anything is wrapped.
        await Assertions.Expect(patientPage.GetByRole(AriaRole.Region, new() { Name = "Who you are sharing with" })).ToContainTextAsync("· verified");
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Confirm and share", Exact = true }).ClickAsync();
        await Assertions.Expect(patientPage.GetByText("the grant is on the ledger")).ToBeVisibleAsync(Slow);
        await BrowserWorld.ScreenshotAsync(patientPage, "journey-3-shared");

        // 5. The doctor reads it, decrypted in the doctor's browser (the marker exists only inside the ciphertext).
        var doctorPage = await world.NewPageAsync();
        var sentByDoctor = RecordRequestBodies(doctorPage);
        await BrowserLogin.SignInAsync(doctorPage, doctor);
        var patientLink = doctorPage.GetByRole(AriaRole.Link, new() { Name = "Patient " + newPatientId.ToString()[..8] });
        await BrowserWorld.Nav(doctorPage, "My patients").ClickAsync();
        await patientLink.ClickAsync();
        var records = doctorPage.GetByRole(AriaRole.Region, new() { Name = "Patient records" });
        await Assertions.Expect(records).ToContainTextAsync(marker, new() { Timeout = 60_000 });
        await Assertions.Expect(records).ToContainTextAsync("12 ng/mL");
        await BrowserWorld.ScreenshotAsync(doctorPage, "journey-4-doctor-reads");
        var recordId = Assert.Single(await doctorSdk.ListRecordsAsync(patientId: newPatientId)).RecordId;

        // 6. The patient revokes (with a confirmation step).
        await BrowserWorld.Nav(patientPage, "Sharing").ClickAsync();
        var activeRow = patientPage.GetByRole(AriaRole.Row).Filter(new() { HasText = doctor.Email }).Filter(new() { HasText = "active" });
        await activeRow.GetByRole(AriaRole.Button, new() { Name = "Revoke access for Doctor" }).ClickAsync();
        await activeRow.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke" }).ClickAsync();
        await Assertions.Expect(patientPage.GetByText("Access revoked.")).ToBeVisibleAsync();

        // 7. The doctor is refused: the record is gone from their page, and a direct read is a 403.
        await BrowserWorld.Nav(doctorPage, "My patients").ClickAsync();
        await patientLink.ClickAsync();
        var main = doctorPage.Locator("main");
        await Assertions.Expect(main).ToContainTextAsync("No records of this patient are shared with you");
        await Assertions.Expect(main).Not.ToContainTextAsync(marker);
        await BrowserWorld.ScreenshotAsync(doctorPage, "journey-5-doctor-refused");
        var refused = await Assert.ThrowsAsync<MedLedgerApiException>(() => doctorSdk.OpenRecordAsync(recordId));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);

        // The server stayed blind: the content never left a browser in plaintext, and the password never left at all.
        foreach (var body in sentByPatient.Concat(sentByDoctor))
        {
            Assert.DoesNotContain(marker, body, StringComparison.Ordinal);
            Assert.DoesNotContain(password, body, StringComparison.Ordinal);
        }
        Assert.Contains(sentByPatient, b => b.Contains("\"ciphertext\"", StringComparison.Ordinal));
        await AssertServerNeverSawAsync(marker, password, email);
        await patientPage.Context.CloseAsync();
        await doctorPage.Context.CloseAsync();
    }

    /// <summary>No file the server wrote (SQLite database and WAL, blobs, outbox, keys) and no log line contains the secrets.</summary>
    private async Task AssertServerNeverSawAsync(string marker, string password, string email)
    {
        var files = await ServerFilesAsync();
        // Control: the scan does see what the server legitimately stores (the account's email), so a miss below means something.
        Assert.Contains(files, f => f.Bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(email)) >= 0);
        Assert.NotEmpty(world.Server.RecentLog);
        foreach (var secret in new[] { marker, password })
        {
            var needle = Encoding.UTF8.GetBytes(secret);
            foreach (var (name, bytes) in files)
            {
                Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{name} contains a secret");
            }
            Assert.DoesNotContain(world.Server.RecentLog, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    private async Task<List<(string Name, byte[] Bytes)>> ServerFilesAsync()
    {
        var files = new List<(string, byte[])>();
        foreach (var file in Directory.EnumerateFiles(world.Server.DataDirectory, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file) == "medledger.lock")
            {
                continue; // the running server's exclusive instance lock: an empty file nobody else may open
            }
            try
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy);
                files.Add((Path.GetFileName(file), copy.ToArray()));
            }
            catch (FileNotFoundException)
            {
                // a temporary file that went away while we looked
            }
        }
        return files;
    }
}
