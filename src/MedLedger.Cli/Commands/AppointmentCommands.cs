using System.CommandLine;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>appointments verbs, through the SDK: free slots, book (reason sealed on this device), list, cancel, close with advice, advice (verified), schedule set.</summary>
public static class AppointmentCommands
{
    public static Command Build()
    {
        var doctor = new Argument<Guid>("DOCTOR_ID") { Description = "Doctor (user) id" };
        var days = new Option<int>("--days") { Description = "How many days ahead (at most 31)", DefaultValueFactory = _ => 7 };
        var slots = new Command("slots", "A doctor's free slots") { doctor, days };
        slots.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var now = DateTimeOffset.UtcNow;
            var table = new Table().AddColumns("start (UTC)", "local", "minutes", "kind", "schedule");
            foreach (var s in await client.FreeSlotsAsync(p.GetValue(doctor), now, now.AddDays(Math.Clamp(p.GetValue(days), 1, 31)), ct))
            {
                table.AddRow(s.Start.ToString("u", CultureInfo.InvariantCulture), s.LocalStart, ((int)(s.End - s.Start).TotalMinutes).ToString(CultureInfo.InvariantCulture),
                    s.VisitKind.ToString(), s.ScheduleId.ToString());
            }
            AnsiConsole.Write(table);
            return 0;
        });

        var bookDoctor = new Argument<Guid>("DOCTOR_ID") { Description = "Doctor (user) id" };
        var at = new Option<DateTimeOffset>("--at") { Description = "Start of the first slot (ISO 8601, as `slots` prints it)", Required = true };
        var count = new Option<int>("--slots") { Description = "Consecutive slots to book (1-4)", DefaultValueFactory = _ => 1 };
        var reason = new Option<string>("--reason") { Description = "Reason for the visit (sealed on this device for the doctor)", Required = true };
        var share = new Option<string[]>("--share")
        {
            Description = "A record id or a category (e.g. Observation) to share with the doctor for this appointment only (until 2 h after its end); repeatable, all ids or all categories",
            AllowMultipleArgumentsPerToken = true,
        };
        var book = new Command("book", "Book free slots with a doctor (patients); prints the appointment id") { bookDoctor, at, count, reason, share };
        book.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var start = p.GetValue(at).ToUniversalTime();
            var free = await client.FreeSlotsAsync(p.GetValue(bookDoctor), start, start.AddDays(1), ct);
            var first = free.FirstOrDefault(s => s.Start == start) ?? throw new InvalidOperationException($"No free slot starts at {start:u}.");
            var run = free.SkipWhile(s => s != first).Take(Math.Clamp(p.GetValue(count), 1, 4)).ToList();
            var a = await client.BookAppointmentAsync(first, p.GetValue(reason)!, end: run[^1].End, ct: ct);
            AnsiConsole.MarkupLine($"[green]Booked[/] {a.Start.ToString("u", CultureInfo.InvariantCulture)} – {a.End.ToString("u", CultureInfo.InvariantCulture)} — ledger tx {a.BookTransactionId}");
            if (p.GetValue(share) is { Length: > 0 } items)
            {
                var (scope, chosen) = ShareScope(items);
                var grant = await client.GrantForAppointmentAsync(a, scope, chosen, ct);
                Console.WriteLine($"Shared {chosen.Count} {scope.ToString().ToLowerInvariant()} with the doctor until {grant.ExpiresAt!.Value.ToString("u", CultureInfo.InvariantCulture)} — grant {grant.Id}, ledger tx {grant.GrantTransactionId}");
            }
            Console.WriteLine(a.Id);
            return 0;
        });

        var list = new Command("list", "Your appointments (patients, doctors) or your hospital's (staff)");
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var table = new Table().AddColumns("appointment", "start (UTC)", "end", "status", "doctor", "patient", "reason");
            foreach (var a in await client.AppointmentsAsync(ct: ct))
            {
                var words = a.SealedReason is null ? "-" : client.OpenAppointmentReason(a);
                table.AddRow(a.Id.ToString(), a.Start.ToString("u", CultureInfo.InvariantCulture), a.End.ToString("u", CultureInfo.InvariantCulture), a.Status.ToString(),
                    a.DoctorId.ToString()[..8], a.PatientId.ToString()[..8], Markup.Escape(words));
            }
            AnsiConsole.Write(table);
            return 0;
        });

        var cancelId = IdPrefix.Argument("APPOINTMENT_ID", "Appointment");
        var cancel = new Command("cancel", "Cancel a booked appointment (patients sign it; doctors and staff through the server's peer)") { cancelId };
        cancel.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var id = await AppointmentIdAsync(client, p.GetValue(cancelId)!, ct);
            var a = await client.AppointmentAsync(id, ct);
            var done = await client.CancelAppointmentAsync(id, asPatient: a.PatientId == client.UserId, ct);
            AnsiConsole.MarkupLine($"[green]{done.Status}[/] — ledger tx {done.LastTransactionId}");
            return 0;
        });

        var closeId = IdPrefix.Argument("APPOINTMENT_ID", "Appointment");
        var outcome = new Option<string>("--outcome") { Description = "The visit's outcome (the Encounter note): text, @file, or an @file of FHIR Encounter JSON", Required = true };
        var advice = new Option<string>("--advice") { Description = "The advice (a CarePlan): text, @file, or an @file of FHIR CarePlan JSON", Required = true };
        var prescribe = new Option<string>("--prescribe") { Description = "Also prescribe: the medicine and instructions as text, or an @file of FHIR MedicationRequest JSON (issued on the ledger)" };
        var fills = new Option<int>("--fills") { Description = "With --prescribe text: number of fills (1 + repeats)", DefaultValueFactory = _ => 1 };
        var units = new Option<int>("--units") { Description = "With --prescribe text: units per fill (tablets, inhalers…)", DefaultValueFactory = _ => 1 };
        var followUp = new Option<DateOnly?>("--follow-up") { Description = "A follow-up visit date (yyyy-MM-dd), added to the sealed advice as a CarePlan activity" };
        var close = new Command("close", "Close a consultation with its outcome and advice (the appointment's doctor); both are sealed records the patient can prove")
        {
            closeId, outcome, advice, prescribe, fills, units, followUp,
        };
        close.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var id = await AppointmentIdAsync(client, p.GetValue(closeId)!, ct);
            var a = await OwnAppointmentAsync(client, id, ct);
            if (a.DoctorId != client.UserId)
            {
                AnsiConsole.MarkupLine($"[red]refused[/]: appointment {id} is not yours to close — only its doctor closes a consultation.");
                return 1;
            }
            var encounter = await TextOrFileAsync(p.GetValue(outcome)!, ct);
            var carePlan = await TextOrFileAsync(p.GetValue(advice)!, ct);
            carePlan = LooksLikeJson(carePlan) ? carePlan : ConsultationOutcome.CarePlan(a.PatientId, carePlan);
            if (p.GetValue(followUp) is { } day)
            {
                carePlan = ConsultationOutcome.WithFollowUp(carePlan, day);
            }
            string? medicationRequest = null;
            if (p.GetValue(prescribe) is { } rx)
            {
                var text = await TextOrFileAsync(rx, ct);
                medicationRequest = LooksLikeJson(text) ? text : ConsultationOutcome.MedicationRequest(a.PatientId, text, p.GetValue(units), p.GetValue(fills));
            }
            var done = await client.CloseConsultationAsync(id,
                LooksLikeJson(encounter) ? encounter : ConsultationOutcome.Encounter(a.PatientId, encounter, a.VisitKind == VisitKind.Remote), carePlan, medicationRequest, ct);
            AnsiConsole.MarkupLine($"[green]{done.Status}[/] — advice record {done.CarePlanRecordId}, visit note {done.EncounterRecordId}, ledger tx {done.CloseTransactionId}");
            if (medicationRequest is not null)
            {
                var closeTx = (await client.ReceiptAsync(done.CloseTransactionId!, ct)).Transaction();
                Console.WriteLine($"Prescription {closeTx.Get("prescriptionId")} issued (MedicationRequest record {closeTx.Get("prescriptionRecordId")}); sending it to a pharmacy is not built yet — the patient grants a pharmacist access.");
            }
            return 0;
        });

        var adviceId = IdPrefix.Argument("APPOINTMENT_ID", "Appointment");
        var showAdvice = new Command("advice", "Open and verify a closed consultation's advice (patients; the doctor too) and show the ledger entry that proves it") { adviceId };
        showAdvice.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var id = await AppointmentIdAsync(client, p.GetValue(adviceId)!, ct);
            await OwnAppointmentAsync(client, id, ct);
            var opened = await client.OpenConsultationAdviceAsync(id, ct);
            var (visit, words) = ConsultationOutcome.Read(opened);
            var r = opened.CloseReceipt;
            Console.WriteLine($"Closed {opened.ClosedAt.ToString("u", CultureInfo.InvariantCulture)} by doctor {opened.Appointment.DoctorId} (signature verified)");
            Console.WriteLine($"Outcome: {visit}");
            Console.WriteLine("Advice:");
            Console.WriteLine(words);
            Console.WriteLine($"Proof: appointments.close tx {r.TransactionId} in block {r.BlockHeight.ToString(CultureInfo.InvariantCulture)} (log index {r.LogIndex.ToString(CultureInfo.InvariantCulture)}), " +
                $"receipt verified against the peer's key; advice record {opened.CarePlan.RecordId} written in tx {opened.CarePlan.LedgerTransactionId}");
            if (opened.Prescription is { } prescription)
            {
                var i = prescription.Info;
                Console.WriteLine($"Prescription {i.PrescriptionId}: {i.TotalUnits.ToString(CultureInfo.InvariantCulture)} units in up to {i.MaxFills.ToString(CultureInfo.InvariantCulture)} fill(s), valid until "
                    + $"{i.ValidUntil.ToString("u", CultureInfo.InvariantCulture)}; issued in tx {i.IssueTransactionId} (receipt verified), MedicationRequest record {i.RecordId}");
            }
            return 0;
        });

        var schedDoctor = new Argument<Guid>("DOCTOR_ID") { Description = "The doctor (yourself, or a doctor of your hospital)" };
        var zone = new Option<string>("--zone") { Description = "IANA time zone, e.g. Europe/Berlin", Required = true };
        var slotMinutes = new Option<int>("--slot") { Description = "Slot length in minutes (10, 15, 20, 30, 45, 60)", DefaultValueFactory = _ => 15 };
        var hours = new Option<string>("--hours") { Description = "Working hours, e.g. Mon-Fri 08:00-12:00,13:00-17:00;Sat 09:00-12:00", Required = true };
        var remote = new Option<bool>("--remote") { Description = "Remote visits (default: in person at the hospital)" };
        var leave = new Option<string[]>("--leave") { Description = "Leave days (yyyy-MM-dd), repeatable", AllowMultipleArgumentsPerToken = true };
        var setSchedule = new Command("set", "Set a doctor's schedule (the doctor or their hospital's staff)") { schedDoctor, zone, slotMinutes, hours, remote, leave };
        setSchedule.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var s = await client.SetScheduleAsync(p.GetValue(schedDoctor), p.GetValue(zone)!, p.GetValue(slotMinutes), p.GetValue(remote) ? VisitKind.Remote : VisitKind.InPerson,
                ParseHours(p.GetValue(hours)!), leaveDays: (p.GetValue(leave) ?? []).Select(d => DateOnly.ParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture)).ToList(), ct: ct);
            AnsiConsole.MarkupLine($"Schedule {s.Id}: {s.SlotMinutes}-minute {s.VisitKind} slots in {Markup.Escape(s.TimeZone)}, {s.Hours.Count} working range(s), {s.LeaveDays.Count} leave day(s).");
            return 0;
        });
        var schedule = new Command("schedule", "Doctors' schedules") { setSchedule };

        return new Command("appointments", "Doctors' free slots and appointments") { slots, book, list, cancel, close, showAdvice, schedule };
    }

    /// <summary>The appointment as the caller may see it; the server answers 404 for anyone else's, said here in words.</summary>
    private static async Task<Appointment> OwnAppointmentAsync(MedLedgerClient client, Guid id, CancellationToken ct)
    {
        try
        {
            return await client.AppointmentAsync(id, ct);
        }
        catch (MedLedgerApiException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException($"Refused: appointment {id} is not one of yours (only its patient, its doctor and their hospital's staff see it).", e);
        }
    }

    /// <summary>--share values: all record ids (scope Records) or all categories (scope Categories); one grant holds one kind.</summary>
    internal static (ConsentScope Scope, IReadOnlyList<string> Items) ShareScope(IReadOnlyList<string> values)
    {
        var items = values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList();
        var ids = items.Count(i => Guid.TryParseExact(i, "D", out _));
        if (ids == items.Count)
        {
            return (ConsentScope.Records, items);
        }
        if (ids == 0 && items.All(MedLedger.Crypto.RecordCategories.IsKnown))
        {
            return (ConsentScope.Categories, items);
        }
        throw new InvalidOperationException("--share takes record ids or known categories (e.g. Observation), not a mix: one grant covers one kind.");
    }

    private static async Task<string> TextOrFileAsync(string value, CancellationToken ct) =>
        value.StartsWith('@') ? await File.ReadAllTextAsync(value[1..], ct) : value;

    private static bool LooksLikeJson(string value) => value.TrimStart().StartsWith('{');

    /// <summary>"Mon-Fri 08:00-12:00,13:00-17:00;Sat 09:00-12:00" → one range per day and time span.</summary>
    public static IReadOnlyList<WorkingHours> ParseHours(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var days = new[] { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
        var result = new List<WorkingHours>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (dayText, spans) = (part.Split(' ', 2)[0], part.Split(' ', 2).ElementAtOrDefault(1) ?? throw new FormatException($"'{part}' has no times."));
            var range = dayText.ToLowerInvariant().Split('-');
            var from = Array.IndexOf(days, range[0]);
            var to = Array.IndexOf(days, range[^1]);
            if (from < 0 || to < from)
            {
                throw new FormatException($"'{dayText}' is not a day or day range such as Mon-Fri.");
            }
            foreach (var span in spans.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var t = span.Split('-');
                var (start, end) = (TimeOnly.ParseExact(t[0], "HH:mm", CultureInfo.InvariantCulture), TimeOnly.ParseExact(t[1], "HH:mm", CultureInfo.InvariantCulture));
                for (var d = from; d <= to; d++)
                {
                    result.Add(new WorkingHours((DayOfWeek)d, start, end));
                }
            }
        }
        return result;
    }

    private static Task<Guid> AppointmentIdAsync(MedLedgerClient client, string text, CancellationToken ct) =>
        IdPrefix.ResolveAsync(text, "appointment", async () => (await client.AppointmentsAsync(ct: ct)).Select(a => a.Id));
}
