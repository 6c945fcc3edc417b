using System.Text.RegularExpressions;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Server.Tests.Infrastructure;
using OtpNet;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// The appointments and messages verbs of the `medledger` binary against `serve --demo`: a fresh patient (signed up
/// through the SDK) books a demo doctor who set their schedule through the CLI, they message with an attachment, the
/// doctor closes the consultation with advice and the patient opens and verifies it. Another doctor is refused.
/// </summary>
public sealed partial class AppointmentCliTests : IAsyncLifetime
{
    private DemoServerProcess _demo = null!;
    private readonly string _files = Path.Combine(Path.GetTempPath(), "medledger-appt-cli-" + Guid.NewGuid().ToString("N")[..10]);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_files);
        _demo = await DemoServerProcess.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _demo.DisposeAsync();
        try { Directory.Delete(_files, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private async Task<(int Exit, string Out)> Run(string? home, params string[] args) => (await _demo.RunAsync(home, args)).Combined;

    /// <summary>A fresh patient signed up through the SDK with TOTP enrolled (so the CLI can sign them in); the SDK session stays open.</summary>
    private async Task<(DemoAccount Account, MedLedgerClient Session)> NewPatientAsync()
    {
        const string password = "correct horse battery staple 18";
        var email = $"appt-{Guid.NewGuid():N}@example.org";
        var client = new MedLedgerClient(new Uri(_demo.Url));
        await client.RegisterWithDevOutboxAsync(email, password, Role.Patient);
        await client.LoginWithDevOutboxAsync(email, password);
        var enrollment = await client.BeginTotpEnrollmentAsync(password);
        await client.ConfirmTotpAsync(new Totp(Base32Encoding.ToBytes(enrollment.Secret)).ComputeTotp());
        return (new DemoAccount(email, password, "Patient", enrollment.Secret, null), client);
    }

    [Fact]
    public async Task Patient_books_messages_with_an_attachment_doctor_closes_with_advice_patient_verifies_it_and_another_doctor_is_refused()
    {
        var doctor = _demo.Accounts.First(u => u.Email == "doctor11@demo.medledger.local");
        var otherDoctor = _demo.Accounts.First(u => u.Email == "doctor21@demo.medledger.local");
        var (patient, session) = await NewPatientAsync();
        using var _ = session;
        var doctorId = (await session.LookUpProfessionalAsync(doctor.Email)).UserId;
        var doctorHome = await _demo.LoginAsync(doctor);
        var otherHome = await _demo.LoginAsync(otherDoctor);
        var patientHome = await _demo.LoginAsync(patient);

        // The doctor opens every day (UTC) so a slot is free whenever the test runs.
        var schedule = await Run(doctorHome, "appointments", "schedule", "set", doctorId.ToString(), "--zone", "Etc/UTC", "--slot", "15", "--hours", "Sun-Sat 00:00-23:45");
        Assert.True(schedule.Exit == 0, schedule.Out);
        var slot = (await session.FreeSlotsAsync(doctorId, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(2)))[0];
        // The patient shares one record with the doctor for this visit only (an appointment-scoped consent.grant).
        var shared = await session.CreateFhirRecordAsync(File.ReadAllText(Repo.TestData("fhir-r4", "Condition-For-Patient-f001.json")));
        var book = await Run(patientHome, "appointments", "book", doctorId.ToString(), "--at", slot.Start.ToString("O"), "--reason", "Persistent cough for three weeks",
            "--share", shared.RecordId.ToString());
        Assert.True(book.Exit == 0, book.Out);
        var appointment = CliOutput.LastLine(book.Out);
        Assert.Matches(CliOutput.GuidLine(), appointment);
        Assert.Contains("Shared 1 records with the doctor until", book.Out);
        var grant = Assert.Single(await session.GrantsAsync());
        Assert.Equal((Guid.Parse(appointment), doctorId, true), (grant.AppointmentId!.Value, grant.GranteeId, grant.Active));

        // Messages: the booked appointment lets them talk; a retried send with the same message id is stored once.
        var start = await Run(patientHome, "messages", "start", "--with", doctor.Email, "--subject", "Before my visit");
        Assert.True(start.Exit == 0, start.Out);
        var conversation = CliOutput.LastLine(start.Out);
        Assert.Matches(CliOutput.GuidLine(), conversation);
        var photo = Path.Combine(_files, "throat.png");
        var photoBytes = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==");
        await File.WriteAllBytesAsync(photo, photoBytes);
        var messageId = Guid.NewGuid().ToString();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var send = await Run(patientHome, "messages", "send", conversation, "--text", "Photo of my throat attached", "--attach", photo, "--message-id", messageId);
            Assert.True(send.Exit == 0, send.Out);
            Assert.Contains("Sent message #1", send.Out);
        }
        var list = await Run(doctorHome, "messages", "list");
        Assert.True(list.Exit == 0, list.Out);
        Assert.Matches($@"{conversation}\s+unread 1\s+messages 1\s+Before my visit", list.Out);
        var saved = Path.Combine(_files, "doctor-saved");
        var read = await Run(doctorHome, "messages", "read", conversation, "--save-attachments", saved);
        Assert.True(read.Exit == 0, read.Out);
        Assert.Contains("Photo of my throat attached", read.Out);
        Assert.Equal(photoBytes, await File.ReadAllBytesAsync(Path.Combine(saved, "1-0-throat.png")));
        Assert.Matches($@"{conversation}\s+unread 0", (await Run(doctorHome, "messages", "list")).Out);

        // A doctor who is not the appointment's is refused in words, and nothing is closed.
        var refused = await Run(otherHome, "appointments", "close", appointment, "--outcome", "Seen", "--advice", "Nothing");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("Refused: appointment " + appointment + " is not one of yours", refused.Out);
        var notYet = await Run(patientHome, "appointments", "advice", appointment);
        Assert.Equal(1, notYet.Exit);
        Assert.Contains("has not been closed with advice", notYet.Out);

        const string Advice = "Drink warm fluids, rest your voice for a week & come back if the fever returns";
        var adviceFile = Path.Combine(_files, "advice.txt");
        await File.WriteAllTextAsync(adviceFile, Advice);
        var followUp = DateTime.UtcNow.AddDays(14).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var close = await Run(doctorHome, "appointments", "close", appointment, "--outcome", "Viral pharyngitis <no antibiotics>", "--advice", "@" + adviceFile,
            "--prescribe", "Throat lozenges, one every three hours", "--fills", "2", "--units", "12", "--follow-up", followUp);
        Assert.True(close.Exit == 0, close.Out);
        Assert.Contains("Fulfilled", close.Out);
        var prescription = Regex.Match(close.Out, @"Prescription (\S+) issued").Groups[1].Value;
        Assert.Matches(CliOutput.GuidLine(), prescription);
        var closeTx = Regex.Match(close.Out, @"ledger tx (\S+)").Groups[1].Value;
        Assert.NotEmpty(closeTx);
        var again = await Run(doctorHome, "appointments", "close", appointment, "--outcome", "Again", "--advice", "Again");
        Assert.NotEqual(0, again.Exit);

        var advice = await Run(patientHome, "appointments", "advice", appointment);
        Assert.True(advice.Exit == 0, advice.Out);
        Assert.Contains(Advice, advice.Out);
        Assert.Contains("Outcome: Viral pharyngitis <no antibiotics>", advice.Out);
        Assert.Contains($"by doctor {doctorId} (signature verified)", advice.Out);
        Assert.Matches($@"appointments\.close tx {Regex.Escape(closeTx)} in block \d+ \(log index \d+\)", advice.Out);
        Assert.Contains("- Follow-up visit on " + followUp, advice.Out);
        Assert.Matches($@"Prescription {prescription}: 24 units in up to 2 fill\(s\), valid until [^;]+; issued in tx [0-9a-f]{{64}} \(receipt verified\)", advice.Out);
        var listed = await Run(patientHome, "appointments", "list");
        Assert.Matches($@"{appointment}[^\n]*Fulfilled", listed.Out);
    }
}
