using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Crypto;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// The browser writes the patient's sealed profile (web/src/sdk/profiles.ts, "My profile"): the C# SDK opens what the
/// browser sealed, the browser's automatic wraps reach a hospital's staff and a doctor granted to after the edit, and
/// the browser wraps only for parties its own checks confirm, whatever the server lists.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class MyProfileBrowserTests(BrowserWorld world)
{
    private static readonly LocatorAssertionsToContainTextOptions Slow = new() { Timeout = 60_000 };

    /// <summary>A new patient (the demo patients' names are other tests' expectations), signed in to the SDK.</summary>
    private async Task<(MedLedgerClient Patient, string Email, string Password)> NewPatientAsync(string tag)
    {
        using var outbox = new MedLedgerClient(new Uri(world.Url));
        var email = $"profile-{tag}@demo.medledger.local";
        var password = "correct horse battery " + tag;
        await outbox.RegisterWithDevOutboxAsync(email, password, Role.Patient);
        var patient = new MedLedgerClient(new Uri(world.Url));
        await patient.LoginWithDevOutboxAsync(email, password);
        return (patient, email, password);
    }

    /// <summary>The JSON bodies of the page's PUT /api/profiles/mine and POST /api/profiles/mine/wraps requests.</summary>
    private static ConcurrentQueue<JsonNode> ProfileWrites(IPage page)
    {
        var bodies = new ConcurrentQueue<JsonNode>();
        page.Request += (_, r) =>
        {
            if (r.Method != "GET" && new Uri(r.Url).AbsolutePath.StartsWith("/api/profiles/mine", StringComparison.Ordinal) && r.PostData is { } body)
            {
                bodies.Enqueue(JsonNode.Parse(body)!);
            }
        };
        return bodies;
    }

    private static List<string> WrappedReaders(JsonNode body) =>
        body["wraps"]!.AsArray().Select(w => (string)w!["readerId"]!).ToList();

    private static async Task SaveProfileAsync(IPage page, string name, string birthDate, string phone, string expectSaved)
    {
        await page.GetByLabel("Full name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Birth date", new() { Exact = true }).FillAsync(birthDate);
        await page.GetByLabel("Sex", new() { Exact = true }).SelectOptionAsync("female");
        await page.GetByLabel("Phone", new() { Exact = true }).FillAsync(phone);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save profile", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText(expectSaved)).ToBeVisibleAsync(new() { Timeout = 60_000 });
    }

    [Fact]
    public async Task A_profile_written_in_My_profile_opens_in_the_CSharp_SDK_for_the_booked_hospitals_staff_and_a_doctor_granted_to_afterwards()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        using var staff = await world.SdkAsync("staff1");
        using var doctor = await world.SdkAsync("doctor12");
        var (patientSdk, email, password) = await NewPatientAsync(tag);
        using var patient = patientSdk;
        var northside = staff.Tokens!.User.OrganizationId!.Value;
        await staff.SetWardAsync(northside, "Profile ward " + tag, "general", 2, 0);
        var booking = await patient.BookBedAsync(northside, "general");
        try
        {
            var page = await world.NewPageAsync();
            var writes = ProfileWrites(page);
            using (var outbox = new MedLedgerClient(new Uri(world.Url)))
            {
                await BrowserLogin.SignInWithEmailCodeAsync(page, email, password, outbox);
            }
            await BrowserWorld.Nav(page, "My profile").ClickAsync();
            var name = $"Greta Browser-Ölz {tag}";
            await SaveProfileAsync(page, name, "1988-06-02", "+41 79 555 77 " + tag[..2], "Saved version 1.");
            await BrowserWorld.ScreenshotAsync(page, "patient-my-profile");

            // Interop: the C# SDK opens, as the booked hospital's staff, what the browser sealed, signed and wrapped.
            var opened = (await staff.PatientProfileAsync(patient.UserId))!;
            Assert.Equal(new MedLedger.Crypto.PatientProfile(name, "1988-06-02", "female", "+41 79 555 77 " + tag[..2]), opened.Profile);
            Assert.Equal(1, opened.Version);
            Assert.Contains(staff.UserId.ToString(), WrappedReaders(Assert.Single(writes)));
            // ... and the patient's own C# client opens its own wrap.
            Assert.Equal(name, (await patient.MyProfileAsync())!.Profile.Name);
            // The doctor is no party yet.
            Assert.Null(await doctor.PatientProfileAsync(patient.UserId));

            // The patient grants to a doctor in the browser after the edit: the browser wraps the profile for them at once.
            await BrowserWorld.Nav(page, "Sharing").ClickAsync();
            await page.GetByLabel("Email of the doctor, pharmacist or insurer").FillAsync(world.Account("doctor12").Email);
            await page.GetByLabel("Some categories").CheckAsync();
            await page.GetByRole(AriaRole.Group, new() { Name = "Categories" }).GetByLabel("Observation", new() { Exact = true }).CheckAsync();
            await page.GetByLabel("Purpose").SelectOptionAsync("treatment");
            await page.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Who you are sharing with" })).ToContainTextAsync("· verified");
            await page.GetByRole(AriaRole.Button, new() { Name = "Confirm and share", Exact = true }).ClickAsync();
            await Assertions.Expect(page.GetByText("the grant is on the ledger")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            var added = writes.Last();
            Assert.Equal(1, (long)added["version"]!);
            Assert.Equal([doctor.UserId.ToString()], WrappedReaders(added));
            Assert.Equal(name, (await doctor.PatientProfileAsync(patient.UserId))!.Profile.Name);

            // My profile lists who holds a wrap of the current version.
            await BrowserWorld.Nav(page, "My profile").ClickAsync();
            var holders = page.GetByRole(AriaRole.Table, new() { Name = "Profile recipients" });
            await Assertions.Expect(holders.Locator("tr", new() { HasText = "You granted them access" })).ToContainTextAsync("yes", Slow);

            // The staff member's own browser shows the new name on the bookings screen, from the browser-written profile.
            var staffPage = await world.NewPageAsync();
            await BrowserLogin.SignInAsync(staffPage, world.Account("staff1"));
            await HospitalTestKit.ClickNavAsync(staffPage, "Bookings");
            await Assertions.Expect(staffPage.Locator("tr", new() { HasText = booking.Id.ToString()[..8] })).ToContainTextAsync(opened.Label, Slow);
            await staffPage.Context.CloseAsync();
            await page.Context.CloseAsync();
        }
        finally
        {
            await patient.CancelBedBookingAsync(booking.Id);
        }
    }

    [Fact]
    public async Task Parties_the_server_lists_but_the_ledger_does_not_support_are_skipped_with_a_warning_and_never_wrapped_for()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        using var staff = await world.SdkAsync("staff1");
        var (patientSdk, email, password) = await NewPatientAsync(tag);
        using var patient = patientSdk;
        var northside = staff.Tokens!.User.OrganizationId!.Value;
        await patient.RegisterWithHospitalAsync(northside);
        // A registered, admin-verified professional who is not Northside staff: the server passes them off as Northside staff.
        var insurer = await patient.GetPublicKeysAsync((await patient.LookUpProfessionalAsync(world.Account("insurer").Email)).UserId);

        var page = await world.NewPageAsync();
        var writes = ProfileWrites(page);
        using (var outbox = new MedLedgerClient(new Uri(world.Url)))
        {
            await BrowserLogin.SignInWithEmailCodeAsync(page, email, password, outbox);
        }
        await page.RouteAsync("**/api/profiles/mine/parties", async route =>
        {
            var response = await route.FetchAsync();
            var parties = JsonNode.Parse(await response.TextAsync())!.AsArray();
            foreach (var p in parties)
            {
                // staff1's real party entry, but with a key the ledger never registered for them (the insurer's).
                if ((string)p!["userId"]! == staff.UserId.ToString())
                {
                    p["encryptionPublicKey"] = Convert.ToBase64String(insurer.EncryptionPublicKey);
                }
            }
            parties.Add(new JsonObject
            {
                ["userId"] = insurer.UserId.ToString(),
                ["role"] = "HospitalStaff",
                ["relation"] = "HospitalStaff",
                ["hospitalId"] = northside.ToString(),
                ["encryptionPublicKey"] = Convert.ToBase64String(insurer.EncryptionPublicKey),
                ["signingPublicKey"] = Convert.ToBase64String(insurer.SigningPublicKey),
                ["wrapped"] = false,
            });
            await route.FulfillAsync(new() { Response = response, Body = parties.ToJsonString() });
        });
        await BrowserWorld.Nav(page, "My profile").ClickAsync();
        var warning = page.Locator("main [role=status]", new() { HasText = "could not confirm them" });
        await Assertions.Expect(warning).ToContainTextAsync("not verified staff of that hospital", Slow);
        await Assertions.Expect(warning).ToContainTextAsync("the key the server listed is not the one on the ledger");
        await SaveProfileAsync(page, "Hanna Lüge " + tag, "1990-01-31", "+41 79 555 00 00", "Saved version 1.");

        // Neither was wrapped for; the patient and the other (honestly listed) Northside staff were.
        var readers = WrappedReaders(Assert.Single(writes));
        Assert.Contains(patient.UserId.ToString(), readers);
        Assert.DoesNotContain(insurer.UserId.ToString(), readers);
        Assert.DoesNotContain(staff.UserId.ToString(), readers);
        await Assertions.Expect(page.Locator("main [role=status]", new() { HasText = "could not confirm them" })).ToContainTextAsync(insurer.UserId.ToString()[..8]);
        Assert.Null(await staff.PatientProfileAsync(patient.UserId));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_doctor_the_patient_booked_gets_the_profile_and_a_server_listed_booked_doctor_without_an_appointment_or_doctor_card_is_skipped()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        using var staff = await world.SdkAsync("staff1");
        var (patientSdk, email, password) = await NewPatientAsync(tag);
        using var patient = patientSdk;
        var booked = (await patient.LookUpProfessionalAsync(world.Account("doctor11").Email)).UserId;
        var unbooked = (await patient.LookUpProfessionalAsync(world.Account("doctor12").Email)).UserId;
        var insurer = await patient.GetPublicKeysAsync((await patient.LookUpProfessionalAsync(world.Account("insurer").Email)).UserId);
        // A schedule for doctor11 at Northside, and an appointment the patient books in the C# SDK (no browser appointments screen yet).
        await staff.SetScheduleAsync(booked, "Europe/Berlin", 30, VisitKind.InPerson,
            Enum.GetValues<DayOfWeek>().Select(d => new WorkingHours(d, new TimeOnly(8, 0), new TimeOnly(18, 0))).ToList());
        var from = DateTimeOffset.UtcNow.AddDays(2);
        var appointment = await patient.BookAppointmentAsync((await patient.FreeSlotsAsync(booked, from, from.AddDays(1)))[0], "check-up " + tag);
        try
        {
            var page = await world.NewPageAsync();
            var writes = ProfileWrites(page);
            using (var outbox = new MedLedgerClient(new Uri(world.Url)))
            {
                await BrowserLogin.SignInWithEmailCodeAsync(page, email, password, outbox);
            }
            // The server adds doctor12 (no appointment) and the insurer (claimed as the booked appointment's doctor) as booked doctors.
            await page.RouteAsync("**/api/profiles/mine/parties", async route =>
            {
                var response = await route.FetchAsync();
                var parties = JsonNode.Parse(await response.TextAsync())!.AsArray();
                var honestDoctor = parties.Single(p => (string)p!["userId"]! == booked.ToString())!;
                Assert.Equal("BookedDoctor", (string)honestDoctor["relation"]!);
                var doctor12Keys = await patient.GetPublicKeysAsync(unbooked);
                foreach (var (id, keys) in new[] { (unbooked, doctor12Keys), (insurer.UserId, insurer) })
                {
                    parties.Add(new JsonObject
                    {
                        ["userId"] = id.ToString(), ["role"] = "Doctor", ["relation"] = "BookedDoctor", ["hospitalId"] = null,
                        ["encryptionPublicKey"] = Convert.ToBase64String(keys.EncryptionPublicKey),
                        ["signingPublicKey"] = Convert.ToBase64String(keys.SigningPublicKey), ["wrapped"] = false,
                    });
                }
                await route.FulfillAsync(new() { Response = response, Body = parties.ToJsonString() });
            });
            await page.RouteAsync("**/api/appointments", async route =>
            {
                var response = await route.FetchAsync();
                var list = JsonNode.Parse(await response.TextAsync())!.AsArray();
                var copy = list.Single()!.DeepClone();
                copy["id"] = Guid.NewGuid().ToString();
                copy["doctorId"] = insurer.UserId.ToString();
                list.Add(copy);
                await route.FulfillAsync(new() { Response = response, Body = list.ToJsonString() });
            });
            await BrowserWorld.Nav(page, "My profile").ClickAsync();
            var warning = page.Locator("main [role=status]", new() { HasText = "could not confirm them" });
            await Assertions.Expect(warning).ToContainTextAsync("show no BookedDoctor relation with this user", Slow);
            await Assertions.Expect(warning).ToContainTextAsync("not a verified doctor");
            await SaveProfileAsync(page, "Bettina Termin " + tag, "1979-03-14", "+41 79 555 11 11", "Saved version 1.");

            var readers = WrappedReaders(Assert.Single(writes));
            Assert.Contains(booked.ToString(), readers);
            Assert.DoesNotContain(unbooked.ToString(), readers);
            Assert.DoesNotContain(insurer.UserId.ToString(), readers);
            var holders = page.GetByRole(AriaRole.Table, new() { Name = "Profile recipients" });
            await Assertions.Expect(holders.Locator("tr", new() { HasText = "A doctor you have an appointment with" })).ToContainTextAsync("yes", Slow);
            using var doctor = await world.SdkAsync("doctor11");
            Assert.Equal("Bettina Termin " + tag, (await doctor.PatientProfileAsync(patient.UserId))!.Profile.Name);
            await page.Context.CloseAsync();
        }
        finally
        {
            await patient.CancelAppointmentAsync(appointment.Id, asPatient: true);
        }
    }

    [Fact]
    public async Task A_granted_professional_whose_card_the_server_serves_without_the_admins_verification_is_skipped_and_never_wrapped_for()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (patientSdk, email, password) = await NewPatientAsync(tag);
        using var patient = patientSdk;
        // A real grant (the relation checks out) to a real, admin-verified doctor with ledger-registered keys.
        var doctor = (await patient.LookUpProfessionalAsync(world.Account("doctor12").Email)).UserId;
        await patient.GrantConsentAsync(doctor, ConsentScope.All);

        var page = await world.NewPageAsync();
        var writes = ProfileWrites(page);
        using (var outbox = new MedLedgerClient(new Uri(world.Url)))
        {
            await BrowserLogin.SignInWithEmailCodeAsync(page, email, password, outbox);
        }
        // The server serves the doctor's card without the admin's verification: only the card-verified check can refuse.
        await page.RouteAsync($"**/api/users/{doctor}/card", async route =>
        {
            var response = await route.FetchAsync();
            var card = JsonNode.Parse(await response.TextAsync())!;
            card["verification"] = null;
            await route.FulfillAsync(new() { Response = response, Body = card.ToJsonString() });
        });
        await BrowserWorld.Nav(page, "My profile").ClickAsync();
        var warning = page.Locator("main [role=status]", new() { HasText = "could not confirm them" });
        await Assertions.Expect(warning).ToContainTextAsync("no admin verification on the ledger", Slow);
        await SaveProfileAsync(page, "Vera Karte " + tag, "1985-06-02", "+41 79 555 22 22", "Saved version 1.");

        var readers = WrappedReaders(Assert.Single(writes));
        Assert.Contains(patient.UserId.ToString(), readers);
        Assert.DoesNotContain(doctor.ToString(), readers);
        await page.Context.CloseAsync();
    }
    [Fact]
    public async Task A_doctor_booked_in_the_browser_gets_the_profile_with_the_booking_not_at_the_next_sign_in()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        // A fresh verified hospital and doctor (the demo doctors' schedules are other tests' fixtures).
        using var admin = await world.SdkAsync("admin");
        async Task<(MedLedgerClient Client, Guid Id)> RegisterAsync(Role role, Guid? organizationId, NewOrganization? organization, string? name)
        {
            var email = $"{role.ToString().ToLowerInvariant()}-{tag}@profile.example.org";
            var password = "correct horse battery " + tag;
            using (var c = new MedLedgerClient(new Uri(world.Url)))
            {
                await c.RegisterWithDevOutboxAsync(email, password, role, organizationId, organization, role == Role.Doctor ? "MD-" + tag : null,
                    displayName: name, specialty: role == Role.Doctor ? "General practice" : null);
            }
            var client = new MedLedgerClient(new Uri(world.Url));
            return (client, (await client.LoginWithDevOutboxAsync(email, password)).Id);
        }
        var (staff, staffId) = await RegisterAsync(Role.HospitalStaff, null, new NewOrganization(OrganizationKind.Hospital, $"Profile Clinic {tag}", "5 Wrap Street", 52.5, 13.4, null, null, "HRB 1006"), null);
        using var staffClient = staff;
        var hospitalId = (await staff.MeAsync()).OrganizationId!.Value;
        var doctorName = $"Dr. Profile {tag}";
        var (doctor, doctorId) = await RegisterAsync(Role.Doctor, hospitalId, null, doctorName);
        using var doctorClient = doctor;
        await admin.DecideOrganizationAsync(hospitalId, true);
        await admin.DecideProfessionalAsync(staffId, true);
        await admin.DecideProfessionalAsync(doctorId, true);
        await doctor.SetScheduleAsync(doctorId, "UTC", 15, VisitKind.InPerson,
            Enum.GetValues<DayOfWeek>().Select(d => new WorkingHours(d, new TimeOnly(0, 0), new TimeOnly(23, 45))).ToList());
        var (patientSdk, email, password) = await NewPatientAsync(tag);
        using var patient = patientSdk;
        await patient.SetMyProfileAsync(new PatientProfile($"Lena Wrap {tag}", "1980-04-02", "female", "+49 30 555 0101"));
        Assert.Null(await doctor.PatientProfileAsync(patient.UserId));

        var page = await world.NewPageAsync();
        using (var outbox = new MedLedgerClient(new Uri(world.Url)))
        {
            await BrowserLogin.SignInWithEmailCodeAsync(page, email, password, outbox);
        }
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"), new() { Timeout = 30_000 });
        await BrowserWorld.Nav(page, "Find a doctor").ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(doctorName);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Free slots of {doctorName}" }).First.ClickAsync();
        await page.GetByLabel("Reason for the visit").FillAsync("check-up " + tag);
        await page.GetByRole(AriaRole.List, new() { Name = "Free slots" }).GetByRole(AriaRole.Button).Last.ClickAsync();
        // The doctor's card and key registration are checked against the ledger before anything is sealed: allow a loaded machine.
        await Assertions.Expect(page.GetByText("Booked for")).ToBeVisibleAsync(new() { Timeout = 120_000 });

        // No second sign-in and no profile save: the booking itself wraps the profile for the doctor (in the background
        // after the booking shows, so the page is polled while it stays open).
        OpenedProfile? opened = null;
        for (var attempt = 0; attempt < 120 && opened is null; attempt++)
        {
            opened = await doctor.PatientProfileAsync(patient.UserId);
            if (opened is null)
            {
                await Task.Delay(1000);
            }
        }
        Assert.NotNull(opened);
        Assert.Equal($"Lena Wrap {tag}", opened.Profile.Name);
        await page.Context.CloseAsync();
    }
}
