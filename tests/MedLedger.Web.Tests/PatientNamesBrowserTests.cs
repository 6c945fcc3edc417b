using System.Text.Json.Nodes;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Patient names on professional screens in Chromium: the demo patients sealed their profiles on their devices and
/// wrapped them for both hospitals' staff (and, once assigned, for their doctor); the browser opens and checks them
/// (web/src/sdk/profiles.ts) and shows the same label the C# SDK computes. The server never held the names in plaintext.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PatientNamesBrowserTests(BrowserWorld world)
{
    [Fact]
    public async Task Hospital_staff_see_a_demo_patients_name_on_their_bookings_and_doctors_screens()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        using var staff = await world.SdkAsync("staff1");
        using var patient = await world.SdkAsync("patient1");
        var northside = staff.Tokens!.User.OrganizationId!.Value;
        // The label the C# SDK opens for this staff member: the browser must show exactly this.
        var expected = (await staff.PatientProfileAsync(patient.UserId))!.Label;
        Assert.StartsWith("Maria Keller, ", expected, StringComparison.Ordinal);
        // Not "Names …": the staff page labels its edit buttons "Edit ward <name>", which a label lookup for "Ward name" would match.
        await staff.SetWardAsync(northside, "Labour " + tag, "maternity", 2, 0);
        var booking = await patient.BookBedAsync(northside, "maternity");
        try
        {
            var page = await world.NewPageAsync();
            await BrowserLogin.SignInAsync(page, world.Account("staff1"));
            await HospitalTestKit.ClickNavAsync(page, "Bookings");
            var row = page.Locator("tr", new() { HasText = booking.Id.ToString()[..8] });
            await Assertions.Expect(row).ToContainTextAsync(expected);
            // The short id stays next to the name: it is what staff compare with the patient.
            await Assertions.Expect(row).ToContainTextAsync("patient " + patient.UserId.ToString()[..8]);
            await Assertions.Expect(HospitalTestKit.Alert(page)).ToHaveCountAsync(0);
            await BrowserWorld.ScreenshotAsync(page, "staff-bookings-names");

            // The doctors screen's patient picker names the patient too.
            await HospitalTestKit.ClickNavAsync(page, "Doctors");
            var option = page.GetByLabel("Patient", new() { Exact = true }).Locator("option", new() { HasText = expected });
            await Assertions.Expect(option).ToHaveCountAsync(1);
            Assert.Equal(patient.UserId.ToString(), await option.GetAttributeAsync("value"));
            await page.Context.CloseAsync();
        }
        finally
        {
            await patient.CancelBedBookingAsync(booking.Id);
        }
    }

    [Fact]
    public async Task A_doctor_sees_the_assigned_patients_name_once_the_patient_wrapped_the_profile_for_them()
    {
        // doctor12 and patient2 (Lukas Brandt): DoctorBrowserTests assigns the same pair, which is the state needed here.
        using var staff = await world.SdkAsync("staff1");
        using var patient = await world.SdkAsync("patient2");
        using var doctor = await world.SdkAsync("doctor12");
        if (!(await staff.AssignmentsAsync()).Any(a => a.DoctorId == doctor.UserId && a.PatientId == patient.UserId))
        {
            await staff.AssignDoctorAsync(doctor.UserId, patient.UserId);
        }
        // The assignment came after the profile was written: the patient's device wraps it for the new doctor.
        await patient.ShareProfileWithNewPartiesAsync();
        var expected = (await doctor.PatientProfileAsync(patient.UserId))!.Label;
        Assert.StartsWith("Lukas Brandt, ", expected, StringComparison.Ordinal);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("doctor12"));
        await page.GetByRole(AriaRole.Link, new() { Name = "My patients", Exact = true }).ClickAsync();
        var link = page.GetByRole(AriaRole.Link, new() { Name = $"{expected} (patient {patient.UserId.ToString()[..8]})", Exact = true });
        await Assertions.Expect(link).ToBeVisibleAsync();
        await Assertions.Expect(HospitalTestKit.Alert(page)).ToHaveCountAsync(0);
        await BrowserWorld.ScreenshotAsync(page, "doctor-my-patients-names");

        await link.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = expected })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_profile_the_server_relabels_as_another_patients_is_refused_and_the_name_is_not_shown()
    {
        using var maria = await world.SdkAsync("patient1");
        using var lukas = await world.SdkAsync("patient2");
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("staff1"));
        // The lying server serves Maria Keller's sealed profile as Lukas Brandt's (and drops his own).
        await page.RouteAsync("**/api/profiles", async route =>
        {
            var response = await route.FetchAsync();
            var profiles = JsonNode.Parse(await response.TextAsync())!.AsArray();
            var relabelled = new JsonArray();
            foreach (var p in profiles)
            {
                var id = (string)p!["patientId"]!;
                if (id == lukas.UserId.ToString())
                {
                    continue;
                }
                var copy = p.DeepClone();
                if (id == maria.UserId.ToString())
                {
                    copy["patientId"] = lukas.UserId.ToString();
                }
                relabelled.Add(copy);
            }
            await route.FulfillAsync(new() { Response = response, Body = relabelled.ToJsonString() });
        });
        await HospitalTestKit.ClickNavAsync(page, "Doctors");
        await Assertions.Expect(page.Locator("main [role=alert]", new() { HasText = $"The profile served for patient {lukas.UserId}" }))
            .ToContainTextAsync("is not signed by that patient's registered key");
        // Fail closed: the patients are still listed, by short id, and no name from the relabelled profile appears.
        var picker = page.GetByLabel("Patient", new() { Exact = true });
        await Assertions.Expect(picker.Locator("option", new() { HasText = "Patient " + lukas.UserId.ToString()[..8] })).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByText("Maria Keller")).ToHaveCountAsync(0);
        await Assertions.Expect(picker.Locator("option", new() { HasText = "Maria Keller" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
