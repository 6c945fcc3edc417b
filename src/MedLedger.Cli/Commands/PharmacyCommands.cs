using System.CommandLine;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>
/// pharmacy (the signed-in pharmacist's own pharmacy), medicines and pharmacies verbs, through the SDK. Ids go to standard
/// output on their own line so scripts can capture them.
/// </summary>
public static class PharmacyCommands
{
    public static Command Pharmacy() => new("pharmacy", "Your pharmacy's catalogue, stock, orders, records and dispensing (pharmacists)")
        { Medicines(), Stock(), Reports(), PrescriptionCommands.Dispense(), WalletCommands.Payables(), OrderCommands.PharmacyOrders(), OrderCommands.PharmacyKey() };

    private static Command Medicines()
    {
        var name = new Option<string>("--name") { Required = true };
        var strength = new Option<string>("--strength") { Description = "e.g. 500 mg", Required = true };
        var form = new Option<DosageForm>("--form") { Description = "Tablet, Capsule, Liquid, Injection, Cream, Inhaler, Drops, Patch, Other", DefaultValueFactory = _ => DosageForm.Tablet };
        var pack = new Option<int>("--pack-size") { Description = "Units per pack", Required = true };
        var price = new Option<long>("--price-minor") { Description = "Price in minor units (cents)", Required = true };
        var currency = new Option<string>("--currency") { DefaultValueFactory = _ => "EUR" };
        var rx = new Option<bool>("--rx") { Description = "Prescription-only (dispensed, never sold over the counter)" };
        var schedule = new Option<DrugSchedule>("--schedule") { Description = "Controlled-drug schedule: None, II, III, IV, V", DefaultValueFactory = _ => DrugSchedule.None };
        var reorder = new Option<int>("--reorder-level") { Description = "Below this many usable units the medicine is low", DefaultValueFactory = _ => 0 };
        var add = new Command("add", "Add a medicine to your pharmacy's catalogue; prints its id") { name, strength, form, pack, price, currency, rx, schedule, reorder };
        add.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var m = await client.AddMedicineAsync(await OwnPharmacyAsync(client, ct), new NewMedicine(p.GetValue(name)!, p.GetValue(strength)!, p.GetValue(form), p.GetValue(pack),
                p.GetValue(price), p.GetValue(currency)!, p.GetValue(rx), p.GetValue(schedule), p.GetValue(reorder)), ct);
            AnsiConsole.MarkupLine($"[green]Added[/] {Markup.Escape(Describe(m))}");
            Console.WriteLine(m.Id);
            return 0;
        });
        var list = new Command("list", "Your pharmacy's catalogue with usable stock");
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            PrintLines(await client.PharmacyStockAsync(await OwnPharmacyAsync(client, ct), ct), lots: false);
            return 0;
        });
        return new Command("medicines", "Your pharmacy's catalogue") { add, list, Update(), Prices() };
    }

    private static Command Update()
    {
        var medicine = new Argument<Guid>("MEDICINE_ID");
        var price = new Option<long?>("--price-minor") { Description = "New price in minor units (cents)" };
        var reorder = new Option<int?>("--reorder-level");
        var rx = new Option<bool?>("--rx") { Description = "true: prescription-only; false: over the counter" };
        var schedule = new Option<DrugSchedule?>("--schedule") { Description = "Controlled-drug schedule: None, II, III, IV, V" };
        var discontinue = new Option<bool>("--discontinue") { Description = "Stop offering it (no deliveries; what is left can still be sold or written off)" };
        var reinstate = new Option<bool>("--reinstate") { Description = "Offer a discontinued medicine again" };
        var update = new Command("update", "Edit a medicine's price, prescription status, schedule or reorder level, or discontinue it")
            { medicine, price, reorder, rx, schedule, discontinue, reinstate };
        update.SetAction(async (p, ct) =>
        {
            if (p.GetValue(discontinue) && p.GetValue(reinstate))
            {
                throw new InvalidOperationException("--discontinue and --reinstate exclude each other.");
            }
            using var client = await CliSession.ConnectAsync(p, ct);
            var pharmacy = await OwnPharmacyAsync(client, ct);
            var id = p.GetValue(medicine);
            // The edit starts from the entry as it is now and names its version: a colleague's edit in between is a 409, not overwritten.
            var current = (await client.PharmacyStockAsync(pharmacy, ct)).Select(l => l.Medicine).FirstOrDefault(m => m.Id == id)
                ?? throw new InvalidOperationException($"Medicine {id} is not in your pharmacy's catalogue.");
            var edit = MedicineEdit.From(current);
            edit = edit with
            {
                PriceMinor = p.GetValue(price) ?? edit.PriceMinor,
                ReorderLevel = p.GetValue(reorder) ?? edit.ReorderLevel,
                PrescriptionOnly = p.GetValue(rx) ?? edit.PrescriptionOnly,
                Schedule = p.GetValue(schedule) ?? edit.Schedule,
                Discontinued = p.GetValue(discontinue) || (!p.GetValue(reinstate) && edit.Discontinued),
            };
            var m = await client.UpdateMedicineAsync(pharmacy, id, edit, ct);
            AnsiConsole.MarkupLine($"[green]Updated[/] {Markup.Escape(Describe(m))}: {Price(m)}, reorder at {m.ReorderLevel}" + (m.Discontinued ? ", discontinued" : ""));
            return 0;
        });
        return update;
    }

    private static Command Prices()
    {
        var medicine = new Argument<Guid>("MEDICINE_ID");
        var prices = new Command("prices", "A medicine's price changes, newest first") { medicine };
        prices.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var table = new Table().AddColumns("changed at (UTC)", "from", "to", "by");
            foreach (var c in await client.MedicinePriceHistoryAsync(await OwnPharmacyAsync(client, ct), p.GetValue(medicine), ct))
            {
                table.AddRow(c.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Minor(c.OldPriceMinor), Minor(c.NewPriceMinor), c.ActorId.ToString());
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return prices;
    }

    private static Command Reports()
    {
        var zone = new Option<string?>("--zone") { Description = "IANA time zone the days are in, e.g. Europe/Berlin (default UTC)" };
        var date = new Option<string?>("--date") { Description = "yyyy-MM-dd (default: today in --zone)" };
        var daily = new Command("daily", "A day's sales, dispenses, stock moved per medicine and takings") { date, zone };
        daily.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var z = p.GetValue(zone);
            var day = p.GetValue(date) is { } d ? ParseDate(d, "--date") : Today(z);
            var s = await client.PharmacyDailySummaryAsync(await OwnPharmacyAsync(client, ct), day, z, ct);
            AnsiConsole.MarkupLine($"[bold]{s.Date:yyyy-MM-dd}[/] ({Markup.Escape(s.Zone)}): {s.Sales} sale(s), {s.Dispenses} dispense(s), {s.OrderReservations} order reservation(s)");
            var table = new Table().AddColumns("medicine", "received", "sold", "dispensed", "written off", "returned", "adjusted");
            foreach (var l in s.Medicines)
            {
                table.AddRow(Markup.Escape($"{l.Name} {l.Strength}"), N(l.Received), N(l.Sold), N(l.Dispensed), N(l.WrittenOff), N(l.Returned), N(l.Adjusted));
            }
            AnsiConsole.Write(table);
            foreach (var t in s.Takings)
            {
                AnsiConsole.MarkupLine($"{t.Currency}: {t.Payments} payment(s) {Minor(t.Paid)}, {t.Refunds} refund(s) {Minor(t.Refunded)}, net {Minor(t.Net)}");
            }
            return 0;
        });

        var from = new Option<string>("--from") { Description = "First day, yyyy-MM-dd", Required = true };
        var to = new Option<string>("--to") { Description = "Last day, yyyy-MM-dd", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "Write the CSV here (default: standard output)" };
        var movements = new Command("movements", "Stock movements of a period as CSV") { from, to, zone, output };
        movements.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var csv = await client.ExportStockMovementsCsvAsync(await OwnPharmacyAsync(client, ct), ParseDate(p.GetValue(from)!, "--from"), ParseDate(p.GetValue(to)!, "--to"),
                p.GetValue(zone), ct);
            if (p.GetValue(output) is { } file)
            {
                await File.WriteAllBytesAsync(file.FullName, csv, ct);
                AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(file.FullName)}");
            }
            else
            {
                await using var stdout = Console.OpenStandardOutput();
                await stdout.WriteAsync(csv, ct);
            }
            return 0;
        });
        return new Command("report", "Daily summary and CSV export") { daily, movements };
    }

    private static DateOnly Today(string? zone)
    {
        if (zone is null)
        {
            return DateOnly.FromDateTime(DateTime.UtcNow);
        }
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var tz))
        {
            throw new InvalidOperationException($"--zone must be an IANA time zone id such as Europe/Berlin, not '{zone}'.");
        }
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, tz).DateTime);
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Minor(long minor) => (minor / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    private static Command Stock()
    {
        var list = new Command("list", "Every medicine with its lots and exact counts");
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            PrintLines(await client.PharmacyStockAsync(await OwnPharmacyAsync(client, ct), ct), lots: true);
            return 0;
        });

        var low = new Command("low", "Medicines below their reorder level");
        low.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            PrintLines(await client.LowStockAsync(await OwnPharmacyAsync(client, ct), ct), lots: false);
            return 0;
        });

        var days = new Option<int>("--days") { DefaultValueFactory = _ => 30 };
        var expiring = new Command("expiring", "Lots with stock expiring within --days (expired first)") { days };
        expiring.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var table = new Table().AddColumns("lot id", "medicine", "lot", "expires", "on hand");
            foreach (var e in await client.NearExpiryAsync(await OwnPharmacyAsync(client, ct), p.GetValue(days), ct))
            {
                table.AddRow(e.Lot.Id.ToString(), Markup.Escape(Describe(e.Medicine)), Markup.Escape(e.Lot.LotNumber), Expiry(e.Lot), e.Lot.OnHand.ToString(CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
            return 0;
        });

        var medicine = new Argument<Guid>("MEDICINE_ID");
        var lotNumber = new Option<string>("--lot") { Description = "Lot number on the pack", Required = true };
        var expires = new Option<string>("--expires") { Description = "Expiry date, yyyy-MM-dd", Required = true };
        var quantity = new Option<int>("--quantity") { Description = "Units", Required = true };
        var reference = new Option<string?>("--reference") { Description = "Delivery note or receipt number" };
        var receive = new Command("receive", "Receive a delivery into a lot; prints the lot id") { medicine, lotNumber, expires, quantity, reference };
        receive.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var lot = await client.ReceiveStockAsync(await OwnPharmacyAsync(client, ct), p.GetValue(medicine), p.GetValue(lotNumber)!, ParseDate(p.GetValue(expires)!), p.GetValue(quantity), p.GetValue(reference), ct);
            PrintLot("Received into", lot);
            Console.WriteLine(lot.Id);
            return 0;
        });

        var sellMedicine = new Argument<Guid>("MEDICINE_ID");
        var sellQuantity = new Option<int>("--quantity") { Required = true };
        var sellReference = new Option<string?>("--reference") { Description = "Till receipt number" };
        var sell = new Command("sell", "Sell an over-the-counter medicine, earliest expiry first") { sellMedicine, sellQuantity, sellReference };
        sell.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var taken = await client.SellAsync(await OwnPharmacyAsync(client, ct), p.GetValue(sellMedicine), p.GetValue(sellQuantity), p.GetValue(sellReference), ct);
            AnsiConsole.MarkupLine($"[green]Sold[/] {taken.Quantity} from " + Markup.Escape(string.Join(", ", taken.Lots.Select(l => $"lot {l.LotNumber} ({l.Quantity})"))));
            Console.WriteLine(taken.OperationId);
            return 0;
        });

        return new Command("stock", "Lots and stock movements") { list, low, expiring, receive, LotChange("adjust", "Correct a lot's count by a signed --delta", delta: true),
            LotChange("write-off", "Write units of a lot off (reason required)", delta: false), LotChange("return", "Take returned units back into their lot", delta: false), sell };
    }

    private static Command LotChange(string verb, string description, bool delta)
    {
        var lot = new Argument<Guid>("LOT_ID");
        var amount = new Option<int>(delta ? "--delta" : "--quantity") { Required = true };
        var reason = new Option<string>("--reason") { Required = true };
        var command = new Command(verb, description) { lot, amount, reason };
        command.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var pharmacy = await OwnPharmacyAsync(client, ct);
            var (id, n, why) = (p.GetValue(lot), p.GetValue(amount), p.GetValue(reason)!);
            var result = verb switch
            {
                "adjust" => await client.AdjustStockAsync(pharmacy, id, n, why, ct),
                "write-off" => await client.WriteOffStockAsync(pharmacy, id, n, why, ct),
                _ => await client.ReturnStockAsync(pharmacy, id, n, why, ct),
            };
            PrintLot(verb switch { "adjust" => "Adjusted", "write-off" => "Wrote off from", _ => "Returned into" }, result);
            return 0;
        });
        return command;
    }

    public static Command SearchMedicines()
    {
        var query = new Argument<string>("NAME") { Description = "Part of the medicine's name" };
        var search = new Command("search", "Find a medicine across verified pharmacies (availability, not counts)") { query };
        search.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var result = await client.SearchMedicinesAsync(p.GetValue(query)!, ct: ct);
            var table = new Table().AddColumns("pharmacy", "pharmacy name", "medicine", "price", "availability");
            foreach (var h in result.Items)
            {
                table.AddRow(h.PharmacyId.ToString(), Markup.Escape(h.PharmacyName), Markup.Escape(Describe(h.Medicine)), Price(h.Medicine), h.Availability.ToString());
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"{result.Total} match(es).");
            return 0;
        });
        return new Command("medicines", "Medicine directory") { search };
    }

    public static Command Pharmacies()
    {
        var near = new Option<string>("--near") { Description = "LAT,LON (decimal degrees)", Required = true };
        var radius = new Option<double?>("--radius") { Description = "Radius in km (default 10, at most 200)" };
        var has = new Option<string?>("--has") { Description = "Only pharmacies with a medicine of this name in stock" };
        var nearby = new Command("nearby", "Verified pharmacies near a point, nearest first") { near, radius, has };
        nearby.SetAction(async (p, ct) =>
        {
            var (lat, lon) = HospitalCommands.ParseNear(p.GetValue(near)!);
            using var client = await CliSession.ConnectAsync(p, ct);
            var result = await client.PharmaciesNearbyAsync(lat, lon, p.GetValue(radius), p.GetValue(has), ct);
            var table = new Table().AddColumns("pharmacy", "name", "km", "has");
            foreach (var x in result.Items)
            {
                table.AddRow(x.PharmacyId.ToString(), Markup.Escape(x.Name), x.DistanceKm.ToString("F1", CultureInfo.InvariantCulture),
                    Markup.Escape(x.Matches.Count == 0 ? "-" : string.Join(", ", x.Matches.Select(m => $"{Describe(m.Medicine)} ({m.Availability})"))));
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"{result.Total} pharmacy(ies) within range.");
            return 0;
        });
        return new Command("pharmacies", "Pharmacy directory") { nearby };
    }

    private static DateOnly ParseDate(string s, string option = "--expires") =>
        DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw new InvalidOperationException($"{option} must be a date as yyyy-MM-dd, not '{s}'.");

    private static async Task<Guid> OwnPharmacyAsync(MedLedgerClient client, CancellationToken ct) =>
        (await client.MeAsync(ct)).OrganizationId ?? throw new InvalidOperationException("The signed-in account belongs to no pharmacy.");

    private static string Describe(CatalogueMedicine m) =>
        $"{m.Name} {m.Strength} {m.Form} x{m.PackSize}" + (m.Schedule != DrugSchedule.None ? $" [schedule {m.Schedule}]" : m.PrescriptionOnly ? " [Rx]" : "");

    private static string Price(CatalogueMedicine m) => string.Create(CultureInfo.InvariantCulture, $"{m.PriceMinor / 100m:0.00} {m.Currency}");

    private static string Expiry(StockLotView l) => l.ExpiresOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + (l.Expired ? " (expired)" : "");

    private static void PrintLot(string what, StockLotView l) =>
        AnsiConsole.MarkupLine($"[green]{what}[/] lot {Markup.Escape(l.LotNumber)} (expires {Expiry(l)}): {l.OnHand} on hand");

    private static void PrintLines(IReadOnlyList<PharmacyStockLine> lines, bool lots)
    {
        var table = lots
            ? new Table().AddColumns("medicine id", "medicine", "lot id", "lot", "expires", "on hand")
            : new Table().AddColumns("medicine id", "medicine", "price", "usable", "reorder at", "status");
        foreach (var line in lines)
        {
            if (!lots)
            {
                table.AddRow(line.Medicine.Id.ToString(), Markup.Escape(Describe(line.Medicine)), Price(line.Medicine), line.Usable.ToString(CultureInfo.InvariantCulture),
                    line.Medicine.ReorderLevel.ToString(CultureInfo.InvariantCulture), line.Medicine.Discontinued ? "discontinued" : line.Availability.ToString());
                continue;
            }
            foreach (var l in line.Lots)
            {
                table.AddRow(line.Medicine.Id.ToString(), Markup.Escape(Describe(line.Medicine)), l.Id.ToString(), Markup.Escape(l.LotNumber), Expiry(l), l.OnHand.ToString(CultureInfo.InvariantCulture));
            }
            if (line.Lots.Count == 0)
            {
                table.AddRow(line.Medicine.Id.ToString(), Markup.Escape(Describe(line.Medicine)), "-", "-", "-", "0");
            }
        }
        AnsiConsole.Write(table);
    }
}
