using System.Net.Http.Headers;
using System.Net.Http.Json;
using MedLedger.Client;
using MedLedger.Crypto;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Hospital staff screens in Chromium: care assignments signed in the browser and seen by the doctor through
/// the API, admitting a held bed, and the hospital emergency key made in the browser and opened by a doctor
/// with the C# crypto. Riverside (staff2, doctor22, patient2) so the doctor tests' Northside set-up is untouched.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class StaffBrowserTests(BrowserWorld world)
{
    [Fact]
    public async Task Staff_assigns_a_doctor_to_a_patient_in_the_browser_and_the_doctor_sees_the_assignment_through_the_api()
    {
        // patient3: the records tests leave doctor22 assigned to patient2, and this test needs a pair with no assignment.
        using var doctor = await HospitalTestKit.SdkAsync(world, "doctor22");
        using var patient = await HospitalTestKit.SdkAsync(world, "patient3");
        var riverside = doctor.Tokens!.User.OrganizationId!.Value;
        Assert.DoesNotContain(await doctor.AssignmentsAsync(), a => a.PatientId == patient.UserId);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "staff2"));
        await HospitalTestKit.ClickNavAsync(page, "Doctors");
        await page.GetByLabel("Doctor", new() { Exact = true }).SelectOptionAsync(doctor.UserId.ToString());
        // Staff choose from the patients who created a relationship with Riverside (the demo patients registered), not any id.
        // Confirmations name the patient as their wrapped profile says, next to the short id staff compare aloud.
        using var staffSdk = await HospitalTestKit.SdkAsync(world, "staff2");
        var name = (await staffSdk.PatientProfileAsync(patient.UserId))!.Label;
        var patientLabel = $"{name} (patient {patient.UserId.ToString()[..8]})";
        await page.GetByLabel("Patient", new() { Exact = true }).SelectOptionAsync(patient.UserId.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Assign doctor" }).ClickAsync();
        await Assertions.Expect(page.GetByText("is now assigned to " + patientLabel)).ToBeVisibleAsync();
        // The doctor's identity card was checked in the browser before the assignment was signed.
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Doctor's identity card" })).ToContainTextAsync("· verified");

        var assignment = Assert.Single(await doctor.AssignmentsAsync(), a => a.PatientId == patient.UserId);
        Assert.Equal(riverside, assignment.HospitalId);
        // Signed by the staff member in the browser: the ledger receipt of the care.assign transaction verifies.
        var receipt = await doctor.ReceiptAsync(assignment.TransactionId);
        await doctor.VerifyReceiptAsync(receipt);
        Assert.Equal("care.assign", receipt.Transaction().Type);
        Assert.Equal((await doctor.LookUpProfessionalAsync(HospitalTestKit.Account(world, "staff2").Email)).UserId, assignment.AssignedBy);

        // Assigning the same pair again is refused by the server, and the refusal is shown.
        await page.GetByLabel("Patient", new() { Exact = true }).SelectOptionAsync(patient.UserId.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Assign doctor" }).ClickAsync();
        await Assertions.Expect(HospitalTestKit.Alert(page)).ToContainTextAsync("already assigned");
        await BrowserWorld.ScreenshotAsync(page, "staff-doctors");

        // Unassign: the doctor no longer has the patient.
        var unassign = page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Unassign .* from " + System.Text.RegularExpressions.Regex.Escape(patientLabel) + "$") });
        await unassign.ClickAsync();
        await Assertions.Expect(unassign).ToHaveCountAsync(0);
        Assert.DoesNotContain(await doctor.AssignmentsAsync(), a => a.PatientId == patient.UserId);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Staff_edit_their_hospitals_departments_services_and_visiting_rules_and_a_too_long_name_changes_nothing()
    {
        using var staff = await HospitalTestKit.SdkAsync(world, "staff2");
        using var patient = await HospitalTestKit.SdkAsync(world, "patient3");
        var riverside = staff.Tokens!.User.OrganizationId!.Value;
        var before = await staff.HospitalProfileAsync(riverside);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "staff2"));
        await HospitalTestKit.ClickNavAsync(page, "Hospital profile");
        var departments = page.GetByLabel("Departments", new() { Exact = true });
        // The form shows the saved profile from its first render (typing before it had loaded used to be overwritten).
        await Assertions.Expect(departments).ToHaveValueAsync(string.Join("\n", before.Departments));
        // A name over the server's 100-character limit: the server's field error is shown and the profile stays as it was.
        await departments.FillAsync("Cardiology\n" + new string('x', 101));
        await page.GetByRole(AriaRole.Button, new() { Name = "Save profile" }).ClickAsync();
        await Assertions.Expect(HospitalTestKit.Alert(page)).ToContainTextAsync("departments");
        Assert.Equal(before.Departments, (await staff.HospitalProfileAsync(riverside)).Departments);

        // Blank lines and repeats are dropped; what patients read is what the form shows after saving.
        await departments.FillAsync("Cardiology\n\nOncology\nCardiology");
        await page.GetByLabel("Services", new() { Exact = true }).FillAsync("MRI\nDialysis");
        await page.GetByLabel("Visiting rules", new() { Exact = true }).FillAsync("Daily 14:00–19:00; two visitors per bed.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save profile" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Profile saved; patients see it now.")).ToBeVisibleAsync();
        await Assertions.Expect(departments).ToHaveValueAsync("Cardiology\nOncology");
        var seen = await patient.HospitalProfileAsync(riverside);
        Assert.Equal(["Cardiology", "Oncology"], seen.Departments);
        // The directory keeps each list in alphabetical order, and the form shows the saved order.
        Assert.Equal(["Dialysis", "MRI"], seen.Services);
        await Assertions.Expect(page.GetByLabel("Services", new() { Exact = true })).ToHaveValueAsync("Dialysis\nMRI");
        Assert.Equal("Daily 14:00–19:00; two visitors per bed.", seen.VisitingRules);
        await BrowserWorld.ScreenshotAsync(page, "staff-profile");
        // Put back what the demo had, for the other tests of this collection.
        await staff.UpdateHospitalProfileAsync(riverside, before.Departments, before.Services, before.VisitingRules);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Staff_edit_their_organizations_card_and_are_told_before_saving_that_a_changed_card_goes_back_to_the_admin()
    {
        using var pharmacist = await HospitalTestKit.SdkAsync(world, "pharmacist");
        var orgId = pharmacist.Tokens!.User.OrganizationId!.Value;
        var before = await pharmacist.OrganizationAsync(orgId);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "pharmacist"));
        await HospitalTestKit.ClickNavAsync(page, "Organization card");
        var licence = page.GetByLabel("Licence number", new() { Exact = true });
        await Assertions.Expect(licence).ToHaveValueAsync(before.RegistrationNumber);

        // A malformed e-mail: the server's field error is shown and nothing changes.
        await page.GetByLabel("Contact e-mail", new() { Exact = true }).FillAsync("not an address");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save card" }).ClickAsync();
        await Assertions.Expect(HospitalTestKit.Alert(page)).ToContainTextAsync("contactEmail");
        Assert.Equal(before.ContactEmail, (await pharmacist.OrganizationAsync(orgId)).ContactEmail);

        // Typing a new licence number warns before saving that the card goes back to the admin; putting it back removes the warning.
        await licence.FillAsync(before.RegistrationNumber + " B");
        await Assertions.Expect(page.GetByText("goes back to the admin's verification queue")).ToBeVisibleAsync();
        await BrowserWorld.ScreenshotAsync(page, "staff-organization-card");
        await licence.FillAsync(before.RegistrationNumber);
        await Assertions.Expect(page.GetByText("goes back to the admin's verification queue")).ToHaveCountAsync(0);

        // Contact details are not on the card: saved, and the organization stays verified.
        await page.GetByLabel("Contact e-mail", new() { Exact = true }).FillAsync("counter@demo-pharmacy.example.org");
        await page.GetByLabel("Contact phone", new() { Exact = true }).FillAsync("+49 30 1234 999");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save card" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Card saved.", new() { Exact = true })).ToBeVisibleAsync();
        var after = await pharmacist.OrganizationAsync(orgId);
        Assert.Equal(("counter@demo-pharmacy.example.org", "+49 30 1234 999"), (after.ContactEmail, after.ContactPhone));
        Assert.Null(after.CardChangedAt);
        Assert.True((await pharmacist.CheckOrganizationAsync(after)).Verified);
        await page.Context.CloseAsync();
        await pharmacist.UpdateOrganizationAsync(orgId, new OrganizationUpdate(before.Name, before.Address, before.Latitude, before.Longitude,
            before.ContactPhone, before.ContactEmail, before.RegistrationNumber));

        // Hospital staff find the same card on their hospital profile.
        var staffPage = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(staffPage, HospitalTestKit.Account(world, "staff2"));
        await HospitalTestKit.ClickNavAsync(staffPage, "Hospital profile");
        await Assertions.Expect(staffPage.GetByRole(AriaRole.Heading, new() { Name = "Organization card" })).ToBeVisibleAsync();
        await Assertions.Expect(staffPage.GetByLabel("Registration number", new() { Exact = true })).Not.ToHaveValueAsync("");
        await staffPage.Context.CloseAsync();
    }

    [Fact]
    public async Task A_patient_withdraws_and_renews_their_registration_on_the_hospital_page_and_staff_see_it()
    {
        using var staff = await HospitalTestKit.SdkAsync(world, "staff2");
        using var patient = await HospitalTestKit.SdkAsync(world, "patient1");
        var riverside = staff.Tokens!.User.OrganizationId!.Value;
        // The demo world registered every patient with both hospitals.
        Assert.Contains(await patient.MyHospitalRegistrationsAsync(), r => r.HospitalId == riverside);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "patient1"));
        await HospitalTestKit.NavigateInAppAsync(page, "/hospitals/" + riverside);
        var status = page.Locator("#care-registration-status");
        await Assertions.Expect(status).ToContainTextAsync("You are registered with this hospital");
        await page.GetByRole(AriaRole.Button, new() { Name = "Withdraw registration" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("You are not registered with this hospital");
        Assert.DoesNotContain(await patient.MyHospitalRegistrationsAsync(), r => r.HospitalId == riverside);
        Assert.DoesNotContain(await staff.RelatedPatientsAsync(), p => p.PatientId == patient.UserId && p.Registered);
        await BrowserWorld.ScreenshotAsync(page, "hospital-care-registration");

        // Signed in the browser by the patient: the care.register receipt verifies and staff see the patient again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Register with this hospital" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("You are registered with this hospital");
        var registration = Assert.Single(await patient.MyHospitalRegistrationsAsync(), r => r.HospitalId == riverside);
        var receipt = await patient.ReceiptAsync(registration.TransactionId);
        await patient.VerifyReceiptAsync(receipt);
        Assert.Equal("care.register", receipt.Transaction().Type);
        Assert.Contains(await staff.RelatedPatientsAsync(), p => p.PatientId == patient.UserId && p.Registered);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Staff_admits_a_patients_held_bed_from_the_bookings_list()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        using var staff = await HospitalTestKit.SdkAsync(world, "staff2");
        using var patient = await HospitalTestKit.SdkAsync(world, "patient3");
        var riverside = staff.Tokens!.User.OrganizationId!.Value;
        await staff.SetWardAsync(riverside, "Paediatric " + tag, "paediatric", 2, 0);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "staff2"));
        await HospitalTestKit.ClickNavAsync(page, "Bookings");
        await HospitalTestKit.ExpectLiveAsync(page);
        // The hold is made after the list is open: it appears by itself (live).
        var booking = await patient.BookBedAsync(riverside, "paediatric");
        // The button confirms by name: the patient wrapped their profile for Riverside's staff.
        var name = (await staff.PatientProfileAsync(patient.UserId))!.Label;
        var admit = page.GetByRole(AriaRole.Button, new() { Name = $"Admit Paediatric booking {booking.Id.ToString()[..8]} for {name}", Exact = true });
        await Assertions.Expect(admit).ToBeVisibleAsync();
        await BrowserWorld.ScreenshotAsync(page, "staff-bookings");
        await admit.ClickAsync();
        await Assertions.Expect(admit).ToHaveCountAsync(0);
        Assert.Equal(BedBookingStatus.Admitted, (await patient.MyBedBookingsAsync()).Single(b => b.Id == booking.Id).Status);
        // Admitted is not held any more; listing everything shows it admitted.
        await page.GetByLabel("Show").SelectOptionAsync("Admitted");
        await Assertions.Expect(page.Locator("tr", new() { HasText = booking.Id.ToString()[..8] })).ToContainTextAsync("Admitted");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_hospital_emergency_key_made_in_the_browser_is_anchored_on_the_ledger_and_opens_with_a_doctors_key()
    {
        using var doctor = await HospitalTestKit.SdkAsync(world, "doctor22");
        var riverside = doctor.Tokens!.User.OrganizationId!.Value;

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "staff2"));
        await HospitalTestKit.ClickNavAsync(page, "Doctors");
        var publish = page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^(Publish|Rotate) emergency key$") });
        await publish.ClickAsync();
        await Assertions.Expect(page.GetByText("published and sealed to 2 doctors")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("anchored on the ledger")).ToBeVisibleAsync();
        await BrowserWorld.ScreenshotAsync(page, "staff-emergency-key");

        // The SDK accepts the key only with a verified staff-signed emergency.hospital-key transaction naming it.
        var key = await doctor.GetVerifiedHospitalKeyAsync(riverside);
        // The doctor's sealed copy opens with the doctor's own key (C# crypto) to the private half of that key.
        using var http = new HttpClient { BaseAddress = new Uri(world.Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", doctor.Tokens!.AccessToken);
        var shares = await http.GetFromJsonAsync<List<KeyShare>>("/api/emergency/key-shares");
        var share = Assert.Single(shares!, s => s.HospitalId == riverside);
        var hospitalPrivate = SealedSecret.FromJson(share.Sealed).Open(doctor.Keys!.Encryption, MedLedgerClient.EmergencySharePurpose, riverside.ToString());
        Assert.Equal(key.PublicKey, UserKeyPair.FromPrivateKey(hospitalPrivate).PublicKey);
        await page.Context.CloseAsync();
    }
}
