using System.CommandLine;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>
/// prescriptions write / cancel / fills and pharmacy dispense: prescriptions on the ledger and their fills, every limit,
/// signature and receipt checked through the SDK (docs/prescriptions.md).
/// </summary>
public static class PrescriptionCommands
{
    public static Command Prescriptions()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A FHIR R4 MedicationRequest (.json) with a dispenseRequest" };
        var patient = new Option<string>("--patient") { Description = "Patient id or email (an assigned patient)", Required = true };
        var write = new Command("write", "Write a prescription: the sealed MedicationRequest and its limits on the ledger (prescriptions.issue)") { file, patient };
        write.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var patientId = await CliSession.ResolveUserAsync(client, p.GetValue(patient), ct);
            var rx = await client.WritePrescriptionAsync(await File.ReadAllTextAsync(p.GetValue(file)!.FullName, ct), patientId, ct);
            AnsiConsole.MarkupLine($"[green]Issued[/] prescription [bold]{rx.Info.PrescriptionId}[/] (record {rx.Info.RecordId}): {Limits(rx)} (on the ledger; stock taken)");
            Console.WriteLine(rx.Info.PrescriptionId);
            return 0;
        });

        var id = IdPrefix.Argument("PRESCRIPTION", "Prescription");
        var cancel = new Command("cancel", "Cancel a prescription you issued (prescriptions.cancel): no pharmacy can fill it afterwards") { id };
        cancel.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var prescriptionId = await IdPrefix.ResolveAsync(p.GetValue(id)!, "prescription",
                async () => (await client.PrescriptionsAsync(null, null, ct)).Select(rx => rx.Info.PrescriptionId));
            var rx = await client.CancelPrescriptionAsync(prescriptionId, ct);
            AnsiConsole.MarkupLine($"[yellow]Cancelled[/] prescription [bold]{rx.Info.PrescriptionId}[/] (on the ledger)");
            return 0;
        });

        var fills = new Command("fills", "Your prescriptions and every fill at any pharmacy, each checked against its ledger receipt (doctors: those you issued)");
        fills.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            // Plain lines: a fill you never collected must stand out, with its pharmacy, time and receipt.
            foreach (var rx in await client.PrescriptionsAsync(null, null, ct))
            {
                Console.WriteLine($"{rx.Info.PrescriptionId}  record {rx.Info.RecordId}  {Limits(rx)}");
                foreach (var f in rx.Info.Fills)
                {
                    Console.WriteLine($"  fill {N(f.FillNumber)}: {N(f.Quantity)} units at pharmacy {f.PharmacyId} by {f.PharmacistId}, {f.DispensedAt.ToString("u", CultureInfo.InvariantCulture)} (receipt {f.TransactionId} verified)");
                }
            }
            return 0;
        });
        return new Command("prescriptions", "Prescriptions on the ledger and their fills") { write, cancel, fills };
    }

    /// <summary>`pharmacy dispense`: a subcommand of PharmacyCommands.Pharmacy.</summary>
    public static Command Dispense()
    {
        var id = new Argument<Guid>("PRESCRIPTION") { Description = "Prescription id" };
        var quantity = new Option<int>("--quantity") { Description = "Units to dispense now (fewer than are left: a partial fill)", Required = true };
        var medicine = new Option<Guid>("--medicine") { Description = "Your pharmacy's catalogue medicine the units come from (`pharmacy medicines list`); taken earliest expiry first", Required = true };
        var insurance = new Option<Guid?>("--insurance") { Description = "The patient pays with insurance: the policy they shared with you; the fill's claim (category Pharmacy) is filed and the patient owes the co-pay" };
        var amount = new Option<long?>("--amount-minor") { Description = "With --insurance: the dispense's price in minor units (what is claimed; the patient's co-pay is this less the insurer's share)" };
        var dispense = new Command("dispense", "Check a prescription end to end, take the units from stock and record the next fill (pharmacy.dispense)") { id, quantity, medicine, insurance, amount };
        dispense.SetAction(async (p, ct) =>
        {
            if (p.GetValue(insurance) is not null && p.GetValue(amount) is not > 0)
            {
                AnsiConsole.MarkupLine("[red]--insurance needs --amount-minor (the dispense's price, > 0).[/]");
                return 1;
            }
            using var client = await CliSession.ConnectAsync(p, ct);
            var rx = await client.DispenseAsync(p.GetValue(id), p.GetValue(medicine), p.GetValue(quantity), ct);
            AnsiConsole.MarkupLine($"[green]Dispensed[/] fill {N(rx.FillsMade)} of [bold]{rx.Info.PrescriptionId}[/]: {Limits(rx)} (on the ledger; stock taken)");
            if (p.GetValue(insurance) is { } policy)
            {
                // Retry a failed filing with `insurance claims file-dispense` (same dispense: the same claim, never a second one).
                var claim = await client.FileDispenseClaimAsync(rx.Info.PrescriptionId, rx.FillsMade, policy, p.GetValue(amount)!.Value, ct);
                InsuranceClaimCommands.PrintDispenseClaim(claim);
            }
            return 0;
        });
        return dispense;
    }

    private static string Limits(VerifiedPrescription rx) =>
        $"{(rx.Cancelled ? "CANCELLED" : rx.Expired(DateTimeOffset.UtcNow) ? "EXPIRED" : "active")}, {N(rx.Dispensed)}/{N(rx.Info.TotalUnits)} units, "
        + $"{N(rx.FillsMade)}/{N(rx.Info.MaxFills)} fills, valid until {rx.Info.ValidUntil.ToString("u", CultureInfo.InvariantCulture)}";

    private static string N(int v) => v.ToString(CultureInfo.InvariantCulture);
}
