using System.CommandLine;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>hospitals and beds verbs, through the SDK. Ids go to standard output on their own line so scripts can capture them.</summary>
public static class HospitalCommands
{
    public static Command Hospitals()
    {
        var near = new Option<string>("--near") { Description = "LAT,LON (decimal degrees)", Required = true };
        var radius = new Option<double?>("--radius") { Description = "Radius in km (default 25, at most 200)" };
        var service = new Option<string?>("--service") { Description = "Only hospitals offering this service" };
        var bedType = new Option<string?>("--bed-type") { Description = "Only hospitals with a free bed of this type (icu, emergency, general, maternity, paediatric, isolation…)" };
        var page = new Option<int>("--page") { Description = "Result page (20 per page)", DefaultValueFactory = _ => 1 };
        var search = new Command("search", "Find verified hospitals near a point, nearest first") { near, radius, service, bedType, page };
        search.SetAction(async (p, ct) =>
        {
            var (lat, lon) = ParseNear(p.GetValue(near)!);
            using var client = await CliSession.ConnectAsync(p, ct);
            var result = await client.SearchHospitalsAsync(lat, lon, p.GetValue(radius), p.GetValue(service), p.GetValue(bedType), p.GetValue(page), ct: ct);
            var table = new Table().AddColumns("hospital", "name", "km", "free beds", "rating", "verified");
            foreach (var h in result.Items)
            {
                // "verified" is this client's own check of the admin's signature over the card shown, not the server's listing.
                var check = await client.CheckHospitalAsync(h, ct);
                table.AddRow(h.HospitalId.ToString(), Markup.Escape(h.Name), h.DistanceKm.ToString("F1", CultureInfo.InvariantCulture),
                    Markup.Escape(h.FreeBeds.Count == 0 ? "-" : string.Join(", ", h.FreeBeds.Select(kv => $"{kv.Key} {kv.Value}"))),
                    h.Rating.Average is { } avg ? string.Create(CultureInfo.InvariantCulture, $"{avg:F1} ({h.Rating.Count})") : "-",
                    Markup.Escape(check.Label));
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"{result.Total} hospital(s) within range; page {result.Page}.");
            return 0;
        });
        var list = new Command("list", "The hospital directory, each checked against the admin's signed verification on the ledger");
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var table = new Table().AddColumns("hospital", "name", "address", "verified");
            foreach (var o in await client.OrganizationsAsync(OrganizationKind.Hospital, ct))
            {
                var check = await client.CheckOrganizationAsync(o, ct);
                table.AddRow(o.Id.ToString(), Markup.Escape(o.Name), Markup.Escape(o.Address), Markup.Escape(check.Label));
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return new Command("hospitals", "Hospital directory") { search, list };
    }

    /// <summary>admin verify-organization: the admin's own client signs the decision over the organization card it is shown.</summary>
    public static Command AdminVerifyOrganization()
    {
        var id = new Argument<Guid>("ORGANIZATION_ID") { Description = "Hospital, pharmacy or insurer id (from the verification queue)" };
        var reject = new Option<string?>("--reject") { Description = "Reject with this reason instead of approving" };
        var cmd = new Command("verify-organization", "Approve (or --reject) an organization, signed with your own admin key") { id, reject };
        cmd.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var reason = p.GetValue(reject);
            await client.DecideOrganizationAsync(p.GetValue(id), approve: reason is null, reason, ct);
            AnsiConsole.MarkupLine(reason is null ? "[green]approved[/]" : "[yellow]rejected[/]");
            return 0;
        });
        return cmd;
    }

    public static Command Beds()
    {
        var hospital = new Argument<Guid>("HOSPITAL_ID") { Description = "Hospital (organization) id" };
        var show = new Command("show", "Live bed counts of a hospital") { hospital };
        show.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            Print(await client.BedsAsync(p.GetValue(hospital), ct));
            return 0;
        });

        var setHospital = new Argument<Guid>("HOSPITAL_ID") { Description = "Your hospital's id" };
        var ward = new Option<string>("--ward") { Description = "Ward name (created if new)", Required = true };
        var total = new Option<int>("--total") { Description = "Beds in the ward", Required = true };
        var occupied = new Option<int>("--occupied") { Description = "Occupied beds", Required = true };
        var type = new Option<string?>("--type") { Description = "Bed type (required for a new ward; default: the ward's current type)" };
        var set = new Command("set", "Set a ward's total and occupied beds (hospital staff)") { setHospital, ward, total, occupied, type };
        set.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var id = p.GetValue(setHospital);
            var name = p.GetValue(ward)!;
            var bedType = p.GetValue(type)
                ?? (await client.BedsAsync(id, ct)).Wards.FirstOrDefault(w => w.Ward == name.Trim())?.BedType
                ?? throw new InvalidOperationException($"Ward '{name}' is new: give its bed type with --type.");
            Print(await client.SetWardAsync(id, name, bedType, p.GetValue(total), p.GetValue(occupied), ct));
            return 0;
        });

        var bookHospital = new Argument<Guid>("HOSPITAL_ID") { Description = "Hospital id" };
        var bookType = new Option<string>("--type") { Description = "Bed type", Required = true };
        var book = new Command("book", "Hold a bed of a type at a hospital (patients); prints the booking id") { bookHospital, bookType };
        book.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var b = await client.BookBedAsync(p.GetValue(bookHospital), p.GetValue(bookType)!, ct);
            AnsiConsole.MarkupLine($"[green]Held[/] a {Markup.Escape(b.BedType)} bed until {b.ExpiresAt.ToString("u", CultureInfo.InvariantCulture)} — ledger tx {b.BookTransactionId}");
            Console.WriteLine(b.Id);
            return 0;
        });

        var status = new Option<BedBookingStatus?>("--status") { Description = "Only bookings in this state (Held, Admitted, Released, Expired, Cancelled)" };
        var bookings = new Command("bookings", "Your bookings, or your hospital's (staff)") { status };
        bookings.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var me = client.Tokens!.User;
            var rows = me.Role == Role.HospitalStaff && me.OrganizationId is { } org
                ? await client.HospitalBedBookingsAsync(org, p.GetValue(status), ct)
                : await client.MyBedBookingsAsync(p.GetValue(status), ct);
            var table = new Table().AddColumns("booking", "hospital", "patient", "name", "type", "status", "created", "hold until");
            var names = await client.SharedProfilesAsync(ct);
            foreach (var b in rows)
            {
                table.AddRow(b.Id.ToString(), b.HospitalId.ToString(), b.PatientId.ToString(), Markup.Escape(OpenedProfile.LabelOf(b.PatientId, names)), Markup.Escape(b.BedType), b.Status.ToString(),
                    b.CreatedAt.ToString("u", CultureInfo.InvariantCulture), b.ExpiresAt.ToString("u", CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
            return 0;
        });

        return new Command("beds", "Bed availability and emergency bed booking")
        {
            show, set, book, bookings,
            Transition("cancel", "Cancel your held booking (patients)", (c, id, ct) => c.CancelBedBookingAsync(id, ct)),
            Transition("admit", "Admit the patient of a held booking (hospital staff)", (c, id, ct) => c.AdmitBedBookingAsync(id, ct)),
            Transition("release", "Release a held booking's bed (hospital staff)", (c, id, ct) => c.ReleaseBedBookingAsync(id, ct)),
        };
    }

    private static Command Transition(string name, string description, Func<MedLedgerClient, Guid, CancellationToken, Task<BedBooking>> act)
    {
        var id = IdPrefix.Argument("BOOKING_ID", "Booking");
        var command = new Command(name, description) { id };
        command.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var me = client.Tokens!.User;
            var bookingId = await IdPrefix.ResolveAsync(p.GetValue(id)!, "booking", async () =>
                (me.Role == Role.HospitalStaff && me.OrganizationId is { } org
                    ? await client.HospitalBedBookingsAsync(org, null, ct)
                    : await client.MyBedBookingsAsync(null, ct)).Select(b => b.Id));
            var b = await act(client, bookingId, ct);
            AnsiConsole.MarkupLine($"Booking {b.Id} is now [bold]{b.Status}[/] — ledger tx {b.CloseTransactionId}");
            return 0;
        });
        return command;
    }

    internal static (double Lat, double Lon) ParseNear(string near)
    {
        var parts = near.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var lat)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var lon))
        {
            return (lat, lon);
        }
        throw new InvalidOperationException($"--near must be LAT,LON in decimal degrees (e.g. 52.52,13.405), not '{near}'.");
    }

    private static void Print(BedAvailability beds)
    {
        var table = new Table().AddColumns("ward", "type", "total", "occupied", "held", "free");
        foreach (var w in beds.Wards)
        {
            table.AddRow(Markup.Escape(w.Ward), Markup.Escape(w.BedType), Num(w.Total), Num(w.Occupied), Num(w.Held), Num(w.Free));
        }
        foreach (var t in beds.ByType)
        {
            table.AddRow("[bold]all[/]", Markup.Escape(t.BedType), Num(t.Total), Num(t.Occupied), Num(t.Held), Num(t.Free));
        }
        AnsiConsole.Write(table);
    }

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);
}
