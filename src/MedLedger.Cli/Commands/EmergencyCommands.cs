using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>Emergency access: hospital emergency key, patient summary designation, break-glass.</summary>
public static class EmergencyCommands
{
    public static Command Build()
    {
        var publish = new Command("publish-key", "Hospital staff: make a new hospital emergency key here, seal it to each verified doctor, anchor it on the ledger");
        publish.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var key = await client.PublishHospitalEmergencyKeyAsync(ct);
            AnsiConsole.MarkupLine($"[green]Published[/] emergency key {key.KeyId[..16]}… for hospital {key.HospitalId} (ledger tx {key.Receipt?.TransactionId})");
            return 0;
        });

        var record = new Argument<Guid>("RECORD_ID") { Description = "Your EmergencySummary record (records add FILE --type EmergencySummary)" };
        var hospital = new Option<Guid>("--hospital") { Description = "Hospital id", Required = true };
        var designate = new Command("designate", "Patient: let a hospital's doctors open this summary by breaking the glass") { record, hospital };
        designate.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            await client.DesignateEmergencySummaryAsync(p.GetValue(record), p.GetValue(hospital), ct);
            AnsiConsole.MarkupLine($"[green]Designated[/]: doctors of {p.GetValue(hospital)} can open this summary in an emergency; every opening is on the ledger and you are notified.");
            return 0;
        });

        var withdrawHospital = new Option<Guid>("--hospital") { Description = "Hospital id", Required = true };
        var withdraw = new Command("withdraw", "Patient: take back a hospital's emergency access to your summary (signed, on the ledger)") { withdrawHospital };
        withdraw.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            await client.WithdrawEmergencyDesignationAsync(p.GetValue(withdrawHospital), ct);
            AnsiConsole.MarkupLine($"[green]Withdrawn[/]: doctors of {p.GetValue(withdrawHospital)} can no longer break the glass for you.");
            return 0;
        });

        var designations = new Command("designations", "Patient: the hospitals that can open your summary, and any left to re-wrap after a key rotation");
        designations.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var table = new Table().AddColumns("hospital", "summary", "version", "state");
            foreach (var d in await client.EmergencyDesignationsAsync(ct))
            {
                table.AddRow(d.HospitalId.ToString(), d.RecordId.ToString(), d.Version.ToString(CultureInfo.InvariantCulture), d.NeedsRewrap ? "key rotated: sign in to re-wrap" : "current");
            }
            AnsiConsole.Write(table);
            return 0;
        });

        var doctor = new Option<string>("--doctor") { Description = "Doctor email or id", Required = true };
        var removeDoctor = new Command("remove-doctor", "Hospital staff: remove a doctor from the hospital; rotates the emergency key in the same ledger transaction") { doctor };
        removeDoctor.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var key = await client.RemoveDoctorFromHospitalAsync(await CliSession.ResolveUserAsync(client, p.GetValue(doctor), ct), ct);
            AnsiConsole.MarkupLine($"[green]Removed[/]; new emergency key {key.KeyId[..16]}… (ledger tx {key.Receipt?.TransactionId}). Designating patients are notified.");
            return 0;
        });

        var patient = new Option<string>("--patient") { Description = "Patient id", Required = true };
        var reason = new Option<string>("--reason") { Description = "unconscious | life-threatening | unable-to-consent | other-emergency", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "Write the summary to this file instead of standard output" };
        var glass = new Command("break-glass", "Doctor: open a patient's emergency summary (signed, recorded, reviewed)") { patient, reason, output };
        glass.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var rec = await client.BreakGlassAsync(await CliSession.ResolveUserAsync(client, p.GetValue(patient), ct), p.GetValue(reason)!, ct);
            if (p.GetValue(output) is { } file)
            {
                await File.WriteAllBytesAsync(file.FullName, rec.Content, ct);
                AnsiConsole.MarkupLine($"Wrote the emergency summary to {Markup.Escape(file.FullName)} (ledger tx {rec.LedgerTransactionId})");
            }
            else
            {
                using var stdout = Console.OpenStandardOutput();
                await stdout.WriteAsync(rec.Content, ct);
            }
            return 0;
        });

        var events = new Command("events", "Break-glass events: about you (patients), by you (doctors), or all for review (admins)");
        events.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var table = new Table().AddColumns("event", "at", "doctor", "patient", "hospital", "reason", "reviewed");
            foreach (var e in await client.BreakGlassEventsAsync(ct))
            {
                table.AddRow(e.Id.ToString(), e.At.ToString("u", CultureInfo.InvariantCulture), e.DoctorId.ToString(), e.PatientId.ToString(), e.HospitalId.ToString(), e.Reason, e.ReviewOutcome ?? "-");
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return new Command("emergency", "Emergency summaries and break-glass") { publish, designate, withdraw, designations, removeDoctor, glass, events };
    }
}
