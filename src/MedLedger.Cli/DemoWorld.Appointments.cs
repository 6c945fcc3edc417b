using MedLedger.Client;

namespace MedLedger.Cli;

public static partial class DemoWorld
{
    /// <summary>The demo patient whose appointments show every state the contract reaches at seed time (docs/consultations.md, "Demo").</summary>
    public const string AppointmentsPatientEmail = "patient4@demo.medledger.local";

    /// <summary>
    /// Schedules for three doctors (15, 20 and 30-minute slots, Europe/Berlin, weekdays 08:00–16:00 with a lunch break;
    /// Dr. Piotr Nowak on leave for the rest of this week) and a patient of their own (patient4) with appointments
    /// booked, arrived, in progress, fulfilled (closed with an Encounter and a CarePlan) and cancelled, all through the
    /// SDK. A patient of their own because the consultation's records are written by a doctor, and the demo-based tests
    /// rely on patient1–3's records being theirs. doctor11 keeps no schedule: tests set theirs. No-show is left out: the
    /// contract allows it only once the visit's start has passed, and the seed does not wait for that.
    /// </summary>
    private static async Task SeedAppointmentsAsync(Func<HttpClient> http, List<DemoUser> users, CancellationToken ct)
    {
        var registered = await RegisterAsync(http, AppointmentsPatientEmail, Role.Patient, null, null, null, ct);
        var (patient, secret) = await SignInAndEnrolAsync(http, AppointmentsPatientEmail, registered.Password, ct);
        using var patientClient = patient;
        // Signed in one after another: the dev outbox is not safe for concurrent readers.
        var doctors = new List<(MedLedgerClient Client, Me Me, int SlotMinutes)>();
        try
        {
            foreach (var (email, slotMinutes) in new[] { ("doctor12@demo.medledger.local", 15), ("doctor21@demo.medledger.local", 20), ("doctor22@demo.medledger.local", 30) })
            {
                var account = users.Single(u => u.Email == email);
                var client = new MedLedgerClient(http(), ownsHttp: true);
                doctors.Add((client, await client.LoginWithDevOutboxAsync(account.Email, account.Password, ct), slotMinutes));
            }
            foreach (var hospitalId in doctors.Select(d => d.Me.OrganizationId!.Value).Distinct())
            {
                await patientClient.RegisterWithHospitalAsync(hospitalId, ct);
            }

            var weekdays = new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday };
            var hours = weekdays.Select(d => new WorkingHours(d, new TimeOnly(8, 0), new TimeOnly(16, 0))).ToList();
            var lunch = new[] { new ScheduleBreak(null, new TimeOnly(12, 0), new TimeOnly(13, 0)) };
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            // "This week": today through Sunday.
            var leave = Enumerable.Range(0, ((int)DayOfWeek.Sunday - (int)today.DayOfWeek + 7) % 7 + 1).Select(today.AddDays).ToList();
            await Task.WhenAll(doctors.Select((d, i) =>
                d.Client.SetScheduleAsync(d.Me.Id, "Europe/Berlin", d.SlotMinutes, VisitKind.InPerson, hours, lunch, i == 2 ? leave : null, ct)));

            // From tomorrow, so a patient's cancellation is well before the cut-off; one day per appointment, so the
            // patient's appointments never overlap.
            var from = new DateTimeOffset(today.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var slots = await Task.WhenAll(doctors.Select(d => patientClient.FreeSlotsAsync(d.Me.Id, from, from.AddDays(14), ct)));
            var usedDays = new HashSet<DateOnly>();
            async Task<(Appointment Appointment, MedLedgerClient Doctor)> BookAsync(int doctor, string reason)
            {
                var slot = slots[doctor].First(s => usedDays.Add(DateOnly.FromDateTime(s.Start.UtcDateTime)));
                return (await patientClient.BookAppointmentAsync(slot, reason, ct: ct), doctors[doctor].Client);
            }

            var fulfilled = await BookAsync(1, "My son's cough has lasted three weeks");
            var inProgress = await BookAsync(1, "Follow-up on the rash");
            var arrived = await BookAsync(0, "Sprained ankle, still swollen");
            await BookAsync(0, "Check-up after the flu");
            var cancelled = await BookAsync(0, "Repeat prescription (no longer needed)");
            await BookAsync(2, "Blood pressure review");

            // Closing marks the visit in progress first and leaves it fulfilled.
            await fulfilled.Doctor.CloseConsultationAsync(fulfilled.Appointment.Id,
                ConsultationOutcome.Encounter(patientClient.UserId, "Post-viral cough; chest clear, no fever."),
                ConsultationOutcome.CarePlan(patientClient.UserId, "Honey and warm drinks at night, no antibiotics needed. Come back if the cough lasts beyond two more weeks or a fever starts."),
                ct);
            await inProgress.Doctor.SetAppointmentStatusAsync(inProgress.Appointment.Id, AppointmentStatus.InProgress, ct);
            await arrived.Doctor.SetAppointmentStatusAsync(arrived.Appointment.Id, AppointmentStatus.Arrived, ct);
            await patientClient.CancelAppointmentAsync(cancelled.Appointment.Id, asPatient: true, ct);

            // The profile last: sealed on the patient's device and wrapped for the doctors they booked, who see the name in their day view.
            await patientClient.SetMyProfileAsync(new MedLedger.Crypto.PatientProfile("Jonas Richter", "1983-09-21", "male", "+49 30 5550 1204"), ct);
        }
        finally
        {
            doctors.ForEach(d => d.Client.Dispose());
        }
        users.Add(new DemoUser(AppointmentsPatientEmail, registered.Password, nameof(Role.Patient), secret, null));
    }
}
