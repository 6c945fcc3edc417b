using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>care verbs: hospital staff sign doctor assignments here, through the SDK.</summary>
public static class CareCommands
{
    public static Command Build()
    {
        var doctor = new Option<string>("--doctor") { Description = "Doctor email or id", Required = true };
        var patient = new Option<string>("--patient") { Description = "Patient id", Required = true };
        var expect = new Option<string?>("--expect-fingerprint") { Description = "Refuse unless the doctor's key fingerprint is this one (as shown on their card)" };
        var assign = new Command("assign", "Assign a doctor of your hospital to a patient (hospital staff); prints the doctor's card first") { doctor, patient, expect };
        assign.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var doctorId = await CliSession.ResolveUserAsync(client, p.GetValue(doctor), ct);
            await CliSession.ShowTrustedCardAsync(client, doctorId, p.GetValue(expect), ct);
            var a = await client.AssignDoctorAsync(doctorId, await CliSession.ResolveUserAsync(client, p.GetValue(patient), ct), p.GetValue(expect), ct);
            AnsiConsole.MarkupLine($"[green]Assigned[/] doctor {a.DoctorId} to patient {a.PatientId} (ledger tx {a.TransactionId})");
            return 0;
        });
        var unassign = new Command("unassign", "End a doctor's assignment (hospital staff)") { doctor, patient };
        unassign.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            await client.UnassignDoctorAsync(await CliSession.ResolveUserAsync(client, p.GetValue(doctor), ct), await CliSession.ResolveUserAsync(client, p.GetValue(patient), ct), ct);
            AnsiConsole.MarkupLine("[yellow]Unassigned.[/]");
            return 0;
        });
        var list = new Command("list", "Assignments that concern you");
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var table = new Table().AddColumns("patient", "name", "doctor", "hospital", "since", "ledger tx");
            var names = await client.SharedProfilesAsync(ct);
            foreach (var a in await client.AssignmentsAsync(ct))
            {
                table.AddRow(a.PatientId.ToString(), Markup.Escape(MedLedger.Client.OpenedProfile.LabelOf(a.PatientId, names)), a.DoctorId.ToString(), a.HospitalId.ToString(), a.AssignedAt.ToString("u", CultureInfo.InvariantCulture), a.TransactionId[..16] + "…");
            }
            AnsiConsole.Write(table);
            return 0;
        });
        var hospital = new Option<Guid>("--hospital") { Description = "Hospital id", Required = true };
        var register = new Command("register", "Register with a hospital so its staff may assign its doctors to you (patient; signed here)") { hospital };
        register.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var r = await client.RegisterWithHospitalAsync(p.GetValue(hospital), ct);
            AnsiConsole.MarkupLine($"[green]Registered[/] with hospital {r.HospitalId} (ledger tx {r.TransactionId})");
            return 0;
        });
        var withdraw = new Command("withdraw", "Withdraw your registration with a hospital (patient; signed here)") { hospital };
        withdraw.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            await client.WithdrawHospitalRegistrationAsync(p.GetValue(hospital), ct);
            AnsiConsole.MarkupLine("[yellow]Registration withdrawn.[/] The hospital's staff can no longer assign doctors to you on its basis.");
            return 0;
        });
        var patients = new Command("patients", "Patients who registered with or hold a bed at your hospital (hospital staff)");
        patients.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var table = new Table().AddColumns("patient", "name", "registered", "bed");
            var names = await client.SharedProfilesAsync(ct);
            foreach (var r in await client.RelatedPatientsAsync(ct))
            {
                table.AddRow(r.PatientId.ToString(), Markup.Escape(MedLedger.Client.OpenedProfile.LabelOf(r.PatientId, names)), r.Registered ? "yes" : "-", r.Booked ? "yes" : "-");
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return new Command("care", "Doctor assignments and hospital registrations") { assign, unassign, list, register, withdraw, patients };
    }
}
