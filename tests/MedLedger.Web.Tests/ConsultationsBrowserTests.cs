using System.Text;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Appointments and end-to-end encrypted messages in the browser (issue 18 item 6), each test with its own fresh hospital,
/// doctor and patient so no test depends on another's (or the demo's) bookings and conversations. What the browser seals
/// is checked with the C# SDK, and what the C# SDK seals is opened in the browser.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsultationsBrowserTests(BrowserWorld world)
{
    private sealed record Person(MedLedgerClient Client, Guid Id, string Email, string Password) : IDisposable
    {
        public void Dispose() => Client.Dispose();
    }

    private sealed record Practice(Person Doctor, Person Patient, string DoctorName) : IDisposable
    {
        public void Dispose()
        {
            Doctor.Dispose();
            Patient.Dispose();
        }
    }

    private async Task<Person> RegisterAsync(Role role, Guid? organizationId = null, NewOrganization? newOrganization = null, string? displayName = null)
    {
        var email = $"{role.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}@consult.example.org";
        var password = "pass phrase " + Guid.NewGuid().ToString("N")[..8];
        using (var c = new MedLedgerClient(new Uri(world.Url)))
        {
            await c.RegisterWithDevOutboxAsync(email, password, role, organizationId, newOrganization, role == Role.Doctor ? "MD-" + Guid.NewGuid().ToString("N")[..6] : null,
                displayName: displayName, specialty: role == Role.Doctor ? "General practice" : null);
        }
        var client = new MedLedgerClient(new Uri(world.Url));
        var me = await client.LoginWithDevOutboxAsync(email, password);
        return new Person(client, me.Id, email, password);
    }

    /// <summary>A verified hospital with one verified doctor who works every day around the clock (UTC, 15-minute slots), and a patient.</summary>
    private async Task<Practice> FreshPracticeAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        using var admin = await world.SdkAsync("admin");
        using var staff = await RegisterAsync(Role.HospitalStaff, newOrganization: new NewOrganization(OrganizationKind.Hospital, $"Consult Clinic {tag}", "3 Slot Street", 52.5, 13.4, null, null, "HRB 1007"));
        var hospitalId = (await staff.Client.MeAsync()).OrganizationId!.Value;
        var doctorName = $"Dr. Web {tag}";
        var doctor = await RegisterAsync(Role.Doctor, hospitalId, displayName: doctorName);
        await admin.DecideOrganizationAsync(hospitalId, true);
        await admin.DecideProfessionalAsync(staff.Id, true);
        await admin.DecideProfessionalAsync(doctor.Id, true);
        await doctor.Client.SetScheduleAsync(doctor.Id, "UTC", 15, VisitKind.InPerson,
            Enum.GetValues<DayOfWeek>().Select(d => new WorkingHours(d, new TimeOnly(0, 0), new TimeOnly(23, 45))).ToList());
        var patient = await RegisterAsync(Role.Patient);
        return new Practice(doctor, patient, doctorName);
    }

    private async Task<IPage> SignInAsync(Person who)
    {
        var page = await world.NewPageAsync();
        using var outbox = new MedLedgerClient(new Uri(world.Url));
        await BrowserLogin.SignInWithEmailCodeAsync(page, who.Email, who.Password, outbox);
        // Sign-in ends by moving to the role's home screen: wait for it, or a navigation right after could be undone by it.
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"), new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("main h1")).ToBeVisibleAsync();
        return page;
    }

    [Fact]
    public async Task A_patient_books_a_slot_in_the_browser_and_the_doctor_sees_it_with_its_reason_in_the_day_view()
    {
        using var practice = await FreshPracticeAsync();
        var reason = "Kopfschmerzen seit drei Tagen – " + Guid.NewGuid().ToString("N")[..6];
        var shared = await practice.Patient.Client.CreateFhirRecordAsync(
            $$$"""{"resourceType":"Condition","subject":{"reference":"Patient/{{{practice.Patient.Id}}}"},"code":{"text":"Migraine"}}""");
        var patientPage = await SignInAsync(practice.Patient);
        // What the page asked the API and what the console said, for the failure message if the booking does not finish.
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        patientPage.Request += (_, r) => seen.Enqueue($"→ {r.Method} {new Uri(r.Url).AbsolutePath}");
        patientPage.Response += (_, r) => seen.Enqueue($"← {r.Status} {new Uri(r.Url).AbsolutePath}");
        patientPage.Console += (_, m) => seen.Enqueue($"console {m.Type}: {m.Text}");
        await BrowserWorld.Nav(patientPage, "Find a doctor").ClickAsync();
        await patientPage.GetByLabel("Name", new() { Exact = true }).FillAsync(practice.DoctorName);
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await patientPage.GetByRole(AriaRole.Button, new() { Name = $"Free slots of {practice.DoctorName}" }).First.ClickAsync();
        await patientPage.GetByLabel("Reason for the visit").FillAsync(reason);
        // Shared with the doctor for this visit only: an appointment-scoped consent.grant the browser signs after booking.
        await patientPage.GetByRole(AriaRole.Checkbox, new() { Name = $"Share Condition {shared.RecordId.ToString()[..8]}" }).CheckAsync();
        // The latest slot shown (about two weeks ahead), so that cancelling below is well before the contract's cut-off.
        await patientPage.GetByRole(AriaRole.List, new() { Name = "Free slots" }).GetByRole(AriaRole.Button).Last.ClickAsync();
        // The doctor's card and key registration are checked against the ledger before anything is sealed: allow a slow machine.
        try
        {
            await Assertions.Expect(patientPage.GetByText("Booked for")).ToBeVisibleAsync(new() { Timeout = 90_000 });
        }
        catch (PlaywrightException e)
        {
            throw new InvalidOperationException("Booking did not finish; the page's traffic:\n" + string.Join("\n", seen.TakeLast(60)), e);
        }

        // What the browser signed and sealed is what the C# SDK expects: one booking, its reason opens for the doctor
        // against the reasonHash the patient's appointments.book carried.
        var booked = Assert.Single(await practice.Doctor.Client.AppointmentsAsync());
        Assert.Equal(practice.Patient.Id, booked.PatientId);
        Assert.Equal(AppointmentStatus.Booked, booked.Status);
        Assert.Equal(reason, practice.Doctor.Client.OpenAppointmentReason(booked));
        Assert.Equal(reason, practice.Patient.Client.OpenAppointmentReason(Assert.Single(await practice.Patient.Client.AppointmentsAsync())));
        // The browser's grant names the appointment and ends two hours after it (the contract checked both); the doctor reads the record.
        var grant = Assert.Single(await practice.Patient.Client.GrantsAsync());
        Assert.Equal((booked.Id, booked.End.AddHours(2)), (grant.AppointmentId!.Value, grant.ExpiresAt!.Value));
        Assert.Equal("Condition", (await practice.Doctor.Client.OpenRecordAsync(shared.RecordId)).Category);

        var doctorPage = await SignInAsync(practice.Doctor);
        await BrowserWorld.Nav(doctorPage, "Appointments").ClickAsync();
        await Assertions.Expect(doctorPage.Locator("h1")).ToHaveTextAsync("Day view");
        var day = await doctorPage.EvaluateAsync<string>(
            "iso => { const d = new Date(iso), p = (n) => String(n).padStart(2, '0'); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`; }",
            booked.Start.ToString("O"));
        await doctorPage.GetByLabel("Day", new() { Exact = true }).FillAsync(day);
        var row = doctorPage.GetByRole(AriaRole.Table, new() { Name = "Appointments of the day" }).GetByRole(AriaRole.Row).Filter(new() { HasText = reason });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("Booked");
        await BrowserWorld.ScreenshotAsync(doctorPage, "appointments-day-view");

        // The patient's list shows it too, and cancelling there (a patient-signed appointments.cancel) frees it.
        await BrowserWorld.Nav(patientPage, "Appointments").ClickAsync();
        var mine = patientPage.GetByRole(AriaRole.Table, new() { Name = "My appointments" }).GetByRole(AriaRole.Row).Filter(new() { HasText = reason });
        await Assertions.Expect(mine).ToContainTextAsync(practice.DoctorName);
        await mine.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(mine).ToContainTextAsync("Cancelled", new() { Timeout = 30_000 });
        Assert.Equal(AppointmentStatus.Cancelled, (await practice.Doctor.Client.AppointmentAsync(booked.Id)).Status);
        // Cancelled: what was shared for the visit is no longer readable.
        var refused = await Assert.ThrowsAsync<MedLedgerApiException>(() => practice.Doctor.Client.OpenRecordAsync(shared.RecordId));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.Status);
        await patientPage.Context.CloseAsync();
        await doctorPage.Context.CloseAsync();
    }

    [Fact]
    public async Task A_patient_messages_the_doctor_with_an_attachment_the_doctor_reads_it_in_the_browser_and_unread_goes_to_zero()
    {
        using var practice = await FreshPracticeAsync();
        var slot = (await practice.Patient.Client.FreeSlotsAsync(practice.Doctor.Id))[0];
        await practice.Patient.Client.BookAppointmentAsync(slot, "Hautausschlag");
        var text = "Der Ausschlag breitet sich aus – Foto anbei " + Guid.NewGuid().ToString("N")[..6];
        var photo = Encoding.UTF8.GetBytes("not really a photo, but sealed like one " + Guid.NewGuid());

        var patientPage = await SignInAsync(practice.Patient);
        await BrowserWorld.Nav(patientPage, "Appointments").ClickAsync();
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Message the doctor about the appointment" }).First.ClickAsync();
        await Assertions.Expect(patientPage).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/messages/[0-9a-f-]{36}$"));
        await patientPage.GetByLabel("Message", new() { Exact = true }).FillAsync(text);
        await patientPage.GetByLabel("Attach files").SetInputFilesAsync(new FilePayload { Name = "arm.txt", MimeType = "text/plain", Buffer = photo });
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Assertions.Expect(patientPage.GetByRole(AriaRole.List, new() { Name = "Messages" })).ToContainTextAsync(text, new() { Timeout = 30_000 });

        // Browser-sealed subject, message and attachment open in the C# SDK with all its checks.
        var conversation = Assert.Single(await practice.Doctor.Client.ConversationsAsync());
        Assert.Equal(1, conversation.Unread);
        var message = Assert.Single(await practice.Doctor.Client.MessagesAsync(conversation.Id));
        Assert.Equal(text, message.Text);
        Assert.Equal(("arm.txt", "text/plain"), (message.Attachments[0].FileName, message.Attachments[0].ContentType));
        Assert.Equal(photo, await practice.Doctor.Client.AttachmentAsync(message, 0));

        var doctorPage = await SignInAsync(practice.Doctor);
        await BrowserWorld.Nav(doctorPage, "Messages").ClickAsync();
        var listRow = doctorPage.GetByRole(AriaRole.Table, new() { Name = "Conversations" }).GetByRole(AriaRole.Row).Filter(new() { HasText = conversation.Subject });
        await Assertions.Expect(listRow.GetByTestId("unread")).ToHaveTextAsync("1", new() { Timeout = 30_000 });
        await listRow.GetByRole(AriaRole.Link, new() { Name = conversation.Subject }).ClickAsync();
        await Assertions.Expect(doctorPage.GetByRole(AriaRole.List, new() { Name = "Messages" })).ToContainTextAsync(text, new() { Timeout = 30_000 });
        await doctorPage.GetByRole(AriaRole.Button, new() { Name = "Open attachment arm.txt" }).ClickAsync();
        var download = await doctorPage.RunAndWaitForDownloadAsync(() => doctorPage.GetByTestId("attachment-download").ClickAsync());
        await using (var stream = await download.CreateReadStreamAsync())
        using (var copy = new MemoryStream())
        {
            await stream.CopyToAsync(copy);
            Assert.Equal(photo, copy.ToArray());
        }
        await BrowserWorld.ScreenshotAsync(doctorPage, "messages-conversation");

        await BrowserWorld.Nav(doctorPage, "Messages").ClickAsync();
        await Assertions.Expect(listRow.GetByTestId("unread")).ToHaveTextAsync("0");
        Assert.Equal(0, Assert.Single(await practice.Doctor.Client.ConversationsAsync()).Unread);
        await patientPage.Context.CloseAsync();
        await doctorPage.Context.CloseAsync();
    }

    [Fact]
    public async Task A_message_the_csharp_sdk_seals_arrives_live_in_the_open_browser_conversation_and_its_attachment_opens()
    {
        using var practice = await FreshPracticeAsync();
        var slot = (await practice.Patient.Client.FreeSlotsAsync(practice.Doctor.Id))[0];
        await practice.Patient.Client.BookAppointmentAsync(slot, "Kontrolle");
        var conversation = await practice.Patient.Client.StartConversationAsync([practice.Doctor.Id], "Befund " + Guid.NewGuid().ToString("N")[..6]);
        await practice.Patient.Client.SendMessageAsync(conversation.Id, "Vom C#-Client geschrieben.");

        var patientPage = await SignInAsync(practice.Patient);
        // In-app navigation: a reload would end the session (keys live in this tab's memory only).
        await HospitalTestKit.NavigateInAppAsync(patientPage, $"/messages/{conversation.Id}");
        var messages = patientPage.GetByRole(AriaRole.List, new() { Name = "Messages" });
        await Assertions.Expect(messages).ToContainTextAsync("Vom C#-Client geschrieben.", new() { Timeout = 30_000 });
        await Assertions.Expect(patientPage.GetByText("Live", new() { Exact = false }).First).ToBeVisibleAsync();

        // The doctor answers from the C# SDK while the page is open: the hub event brings it in without a reload.
        var report = Encoding.UTF8.GetBytes("Laborwerte: alles im Normbereich " + Guid.NewGuid());
        await practice.Doctor.Client.SendMessageAsync(conversation.Id, "Ihre Werte sind da.", [new OutgoingAttachment("labor.txt", "text/plain", report)]);
        await Assertions.Expect(messages).ToContainTextAsync("Ihre Werte sind da.", new() { Timeout = 30_000 });
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Open attachment labor.txt" }).ClickAsync();
        var download = await patientPage.RunAndWaitForDownloadAsync(() => patientPage.GetByTestId("attachment-download").ClickAsync());
        await using (var stream = await download.CreateReadStreamAsync())
        using (var copy = new MemoryStream())
        {
            await stream.CopyToAsync(copy);
            Assert.Equal(report, copy.ToArray());
        }
        await patientPage.Context.CloseAsync();
    }
    [Fact]
    public async Task A_patient_books_and_messages_with_an_attachment_the_doctor_closes_with_advice_and_the_patient_reads_the_verified_advice()
    {
        using var practice = await FreshPracticeAsync();
        var reason = "Husten seit zwei Wochen – " + Guid.NewGuid().ToString("N")[..6];
        var text = "Foto vom Rachen anbei " + Guid.NewGuid().ToString("N")[..6];
        var photo = Encoding.UTF8.GetBytes("throat photo, sealed like one " + Guid.NewGuid());
        var outcome = "Viral pharyngitis <no antibiotics> " + Guid.NewGuid().ToString("N")[..6];
        var advice = "Warm drinks, rest your voice for a week & come back if the fever returns " + Guid.NewGuid().ToString("N")[..6];

        // The patient books in the browser and messages the doctor about it with an attachment.
        var patientPage = await SignInAsync(practice.Patient);
        await BrowserWorld.Nav(patientPage, "Find a doctor").ClickAsync();
        await patientPage.GetByLabel("Name", new() { Exact = true }).FillAsync(practice.DoctorName);
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await patientPage.GetByRole(AriaRole.Button, new() { Name = $"Free slots of {practice.DoctorName}" }).First.ClickAsync();
        await patientPage.GetByLabel("Reason for the visit").FillAsync(reason);
        await patientPage.GetByRole(AriaRole.List, new() { Name = "Free slots" }).GetByRole(AriaRole.Button).Last.ClickAsync();
        // The doctor's card and keys are checked against the ledger before anything is sealed: a loaded machine is slow.
        await Assertions.Expect(patientPage.GetByText("Booked for")).ToBeVisibleAsync(new() { Timeout = 90_000 });
        var booked = Assert.Single(await practice.Patient.Client.AppointmentsAsync());
        await BrowserWorld.Nav(patientPage, "Appointments").ClickAsync();
        var mine = patientPage.GetByRole(AriaRole.Table, new() { Name = "My appointments" }).GetByRole(AriaRole.Row).Filter(new() { HasText = reason });
        await mine.GetByRole(AriaRole.Button, new() { Name = "Message the doctor about the appointment" }).ClickAsync();
        await Assertions.Expect(patientPage).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/messages/[0-9a-f-]{36}$"));
        await patientPage.GetByLabel("Message", new() { Exact = true }).FillAsync(text);
        await patientPage.GetByLabel("Attach files").SetInputFilesAsync(new FilePayload { Name = "throat.txt", MimeType = "text/plain", Buffer = photo });
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Assertions.Expect(patientPage.GetByRole(AriaRole.List, new() { Name = "Messages" })).ToContainTextAsync(text, new() { Timeout = 30_000 });

        // The doctor opens the attachment, then closes the consultation with advice from the day view.
        var doctorPage = await SignInAsync(practice.Doctor);
        await BrowserWorld.Nav(doctorPage, "Messages").ClickAsync();
        var conversation = Assert.Single(await practice.Doctor.Client.ConversationsAsync());
        var listRow = doctorPage.GetByRole(AriaRole.Table, new() { Name = "Conversations" }).GetByRole(AriaRole.Row).Filter(new() { HasText = conversation.Subject });
        await listRow.GetByRole(AriaRole.Link, new() { Name = conversation.Subject }).ClickAsync();
        await doctorPage.GetByRole(AriaRole.Button, new() { Name = "Open attachment throat.txt" }).ClickAsync();
        var download = await doctorPage.RunAndWaitForDownloadAsync(() => doctorPage.GetByTestId("attachment-download").ClickAsync());
        await using (var stream = await download.CreateReadStreamAsync())
        using (var copy = new MemoryStream())
        {
            await stream.CopyToAsync(copy);
            Assert.Equal(photo, copy.ToArray());
        }
        await BrowserWorld.Nav(doctorPage, "Appointments").ClickAsync();
        await Assertions.Expect(doctorPage.Locator("h1")).ToHaveTextAsync("Day view");
        var day = await doctorPage.EvaluateAsync<string>(
            "iso => { const d = new Date(iso), p = (n) => String(n).padStart(2, '0'); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`; }",
            booked.Start.ToString("O"));
        await doctorPage.GetByLabel("Day", new() { Exact = true }).FillAsync(day);
        var row = doctorPage.GetByRole(AriaRole.Table, new() { Name = "Appointments of the day" }).GetByRole(AriaRole.Row).Filter(new() { HasText = reason });
        await row.GetByRole(AriaRole.Button, new() { Name = "consultation with advice" }).ClickAsync();
        await row.GetByLabel("Outcome (visit note)").FillAsync(outcome);
        await row.GetByLabel("Advice for the patient").FillAsync(advice);
        var followUp = DateTime.UtcNow.AddDays(14).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await row.GetByLabel("Follow-up visit (optional)").FillAsync(followUp);
        await row.GetByRole(AriaRole.Button, new() { Name = "Close consultation" }).ClickAsync();
        await Assertions.Expect(row.GetByRole(AriaRole.Cell).Nth(4)).ToHaveTextAsync("Fulfilled", new() { Timeout = 60_000 });

        // What the browser sealed and signed passes every check of the C# SDK's OpenConsultationAdviceAsync.
        var proven = await practice.Patient.Client.OpenConsultationAdviceAsync(booked.Id);
        Assert.Equal(practice.Doctor.Id, proven.CarePlan.AuthorId);
        var words = ConsultationOutcome.Read(proven);
        Assert.Equal((outcome, advice + "\n- Follow-up visit on " + followUp), words);

        // The patient sees "Advice" on the appointment and opens it, verified against the ledger.
        await BrowserWorld.Nav(patientPage, "Appointments").ClickAsync();
        await Assertions.Expect(mine.GetByRole(AriaRole.Cell).Nth(3)).ToHaveTextAsync("Fulfilled");
        await mine.GetByRole(AriaRole.Button, new() { Name = "Advice from the appointment" }).ClickAsync();
        var shown = patientPage.GetByRole(AriaRole.Region, new() { Name = "Advice" });
        await Assertions.Expect(shown).ToContainTextAsync(advice, new() { Timeout = 30_000 });
        await Assertions.Expect(shown).ToContainTextAsync(outcome);
        await Assertions.Expect(shown).ToContainTextAsync("Follow-up visit on " + followUp);
        await Assertions.Expect(shown).ToContainTextAsync("verified");
        await Assertions.Expect(shown).ToContainTextAsync($"ledger block {proven.CloseReceipt.BlockHeight}");
        await BrowserWorld.ScreenshotAsync(patientPage, "consultation-advice");
        await patientPage.Context.CloseAsync();
        await doctorPage.Context.CloseAsync();
    }

    [Fact]
    public async Task Bookings_and_state_changes_arrive_live_and_a_fulfilled_appointment_offers_a_review_that_the_hospital_page_shows()
    {
        using var practice = await FreshPracticeAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (visit, later) = ("Live booking " + tag, "Live cancelled " + tag);
        var comment = "Kind staff, on time " + tag;
        // Two slots on one day two days ahead (UTC), so both rows are on the day view the doctor has open.
        var from = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(2), TimeSpan.Zero);
        var slots = await practice.Patient.Client.FreeSlotsAsync(practice.Doctor.Id, from.AddHours(9), from.AddHours(12));

        // The doctor's day view is open on that day and loaded (empty) before anything is booked.
        var doctorPage = await SignInAsync(practice.Doctor);
        await BrowserWorld.Nav(doctorPage, "Appointments").ClickAsync();
        await Assertions.Expect(doctorPage.Locator("h1")).ToHaveTextAsync("Day view");
        var day = await doctorPage.EvaluateAsync<string>(
            "iso => { const d = new Date(iso), p = (n) => String(n).padStart(2, '0'); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`; }",
            slots[0].Start.ToString("O"));
        await doctorPage.GetByLabel("Day", new() { Exact = true }).FillAsync(day);
        await Assertions.Expect(doctorPage.GetByText("No appointments on this day.")).ToBeVisibleAsync();
        var dayView = doctorPage.GetByRole(AriaRole.Table, new() { Name = "Appointments of the day" });

        // The patient books in the C# SDK: the row appears without a reload or Refresh; a second booking, cancelled, shows cancelled.
        var booked = await practice.Patient.Client.BookAppointmentAsync(slots[0], visit);
        await Assertions.Expect(dayView.GetByRole(AriaRole.Row).Filter(new() { HasText = visit })).ToContainTextAsync("Booked", new() { Timeout = 30_000 });
        var cancelled = await practice.Patient.Client.BookAppointmentAsync(slots[^1], later);
        await Assertions.Expect(dayView.GetByRole(AriaRole.Row).Filter(new() { HasText = later })).ToContainTextAsync("Booked", new() { Timeout = 30_000 });
        await practice.Patient.Client.CancelAppointmentAsync(cancelled.Id, asPatient: true);
        await Assertions.Expect(dayView.GetByRole(AriaRole.Row).Filter(new() { HasText = later })).ToContainTextAsync("Cancelled", new() { Timeout = 30_000 });

        // The patient's list: a booked row offers no review.
        var patientPage = await SignInAsync(practice.Patient);
        await BrowserWorld.Nav(patientPage, "Appointments").ClickAsync();
        var mine = patientPage.GetByRole(AriaRole.Table, new() { Name = "My appointments" }).GetByRole(AriaRole.Row).Filter(new() { HasText = visit });
        await Assertions.Expect(mine.GetByRole(AriaRole.Cell).Nth(3)).ToHaveTextAsync("Booked");
        await Assertions.Expect(mine.GetByRole(AriaRole.Button, new() { Name = "Review this hospital" })).ToHaveCountAsync(0);

        // The doctor closes the visit in the C# SDK: the patient's open list shows it fulfilled without a reload, with a review button.
        await practice.Doctor.Client.CloseConsultationAsync(booked.Id, ConsultationOutcome.Encounter(practice.Patient.Id, "Seen"), ConsultationOutcome.CarePlan(practice.Patient.Id, "Rest"));
        await Assertions.Expect(mine.GetByRole(AriaRole.Cell).Nth(3)).ToHaveTextAsync("Fulfilled", new() { Timeout = 30_000 });
        await mine.GetByRole(AriaRole.Button, new() { Name = "Review this hospital" }).ClickAsync();
        var form = mine.GetByRole(AriaRole.Form, new() { Name = "Review this hospital" });
        await form.GetByLabel("Rating").SelectOptionAsync("4");
        await form.GetByLabel("Comment (optional)").FillAsync(comment);
        await form.GetByRole(AriaRole.Button, new() { Name = "Save review" }).ClickAsync();
        await Assertions.Expect(form.GetByText("Your review was saved.")).ToBeVisibleAsync(new() { Timeout = 30_000 });

        // The hospital's page shows it as the patient's own.
        await form.GetByRole(AriaRole.Link, new() { Name = "See it on the hospital's page" }).ClickAsync();
        var review = patientPage.Locator(".review", new() { HasText = comment });
        await Assertions.Expect(review).ToContainTextAsync("4 / 5", new() { Timeout = 30_000 });
        await Assertions.Expect(review).ToContainTextAsync("yours");
        await patientPage.Context.CloseAsync();
        await doctorPage.Context.CloseAsync();
    }
}
