using System.CommandLine;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>
/// orders (patients: place, list, show, cancel) and pharmacy orders (pharmacists: list, open, accept, ready, collect, decline,
/// release), through the SDK: the lines are sealed and opened on this machine. Ids go to standard output on their own line.
/// </summary>
public static class OrderCommands
{
    public static Command Orders()
    {
        var pharmacy = new Option<Guid>("--pharmacy") { Description = "The pharmacy to order from", Required = true };
        var items = new Option<string[]>("--item") { Description = "MEDICINE_ID:QUANTITY (repeat for each line)", Required = true, AllowMultipleArgumentsPerToken = true };
        var prescription = new Option<Guid?>("--prescription") { Description = "The prescription this order is for (named inside the sealed order; its MedicationRequest is shared with the pharmacy's admin-verified pharmacists)" };
        var key = new Option<string?>("--idempotency-key") { Description = "An order is placed once per key: running the command again with the same key is refused (422), never a second order" };
        var place = new Command("place", "Seal an order for the pharmacy's anchored key and for you, sign orders.place; prints the order id") { pharmacy, items, prescription, key };
        place.SetAction(async (p, ct) =>
        {
            var lines = new List<OrderItem>();
            foreach (var item in p.GetValue(items) ?? [])
            {
                var parts = item.Split(':');
                if (parts.Length != 2 || !Guid.TryParse(parts[0], out var medicine) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var quantity) || quantity < 1)
                {
                    AnsiConsole.MarkupLine($"[red]--item {Markup.Escape(item)}: expected MEDICINE_ID:QUANTITY[/]");
                    return 2;
                }
                lines.Add(new OrderItem(medicine, quantity));
            }
            using var client = await CliSession.ConnectAsync(p, ct);
            var order = await client.PlaceOrderAsync(p.GetValue(pharmacy), lines, p.GetValue(prescription), p.GetValue(key), ct);
            AnsiConsole.MarkupLine($"[green]Placed[/] {order.Currency} {Money(order.Amount)} (receipt verified); expires {order.ExpiresAt:u}");
            Console.WriteLine(order.Id);
            return 0;
        });

        var list = new Command("list", "Your orders, with what each contains (opened here)");
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            foreach (var o in await client.MyOrdersAsync(ct))
            {
                var content = client.OpenMyOrder(o);
                Console.WriteLine($"{o.Id}  {o.Status,-9}  {o.Currency} {Money(o.Amount)}  pharmacy {o.PharmacyId}  {Lines(content)}");
            }
            return 0;
        });

        var orderId = IdPrefix.Argument("order-id", "Order");
        var cancel = new Command("cancel", "Cancel your order while it is placed or accepted (signs orders.status)") { orderId };
        cancel.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var id = await IdPrefix.ResolveAsync(p.GetValue(orderId)!, "order", async () => (await client.MyOrdersAsync(ct)).Select(o => o.Id));
            var o = await client.CancelOrderAsync(id, ct);
            AnsiConsole.MarkupLine($"[yellow]Order {o.Id} is {Markup.Escape(o.Status)}[/]");
            return 0;
        });
        return new Command("orders", "Your orders at pharmacies (patients): place, list, cancel") { place, list, cancel };
    }

    /// <summary>`pharmacy orders`: a subcommand of PharmacyCommands.Pharmacy.</summary>
    public static Command PharmacyOrders()
    {
        var status = new Option<string?>("--status") { Description = "Only orders in this status (placed, accepted, ready, …)" };
        var list = new Command("list", "Your pharmacy's order queue") { status };
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            foreach (var o in await client.PharmacyOrdersAsync(p.GetValue(status), ct))
            {
                Console.WriteLine($"{o.Id}  {o.Status,-9}  {o.Currency} {Money(o.Amount)}  patient {o.PatientId}  placed {o.PlacedAt:u}  expires {o.ExpiresAt:u}");
            }
            return 0;
        });

        Command OnOrder(string name, string description, Func<MedLedgerClient, Guid, CancellationToken, Task<OrderView>> act)
        {
            var id = IdPrefix.Argument("order-id", "Order");
            var c = new Command(name, description) { id };
            c.SetAction(async (p, ct) =>
            {
                using var client = await CliSession.ConnectAsync(p, ct);
                var o = await act(client, await PharmacyOrderIdAsync(client, p.GetValue(id)!, ct), ct);
                AnsiConsole.MarkupLine($"Order {o.Id} is [green]{Markup.Escape(o.Status)}[/]");
                return 0;
            });
            return c;
        }

        var openId = IdPrefix.Argument("order-id", "Order");
        var open = new Command("open", "Open an order with the pharmacy key (its placing receipt checked)") { openId };
        open.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var o = await client.OpenOrderAsync(await PharmacyOrderIdAsync(client, p.GetValue(openId)!, ct), ct);
            Console.WriteLine($"{o.Order.Id}  {o.Order.Status}  {o.Order.Currency} {Money(o.Order.Amount)}  patient {o.Order.PatientId}");
            foreach (var l in o.Content.Lines)
            {
                Console.WriteLine($"  {l.MedicineId}  x{l.Quantity}  at {Money(l.UnitPrice)}");
            }
            if (o.Content.PrescriptionId is { } rx)
            {
                Console.WriteLine($"  prescription {rx}");
            }
            return 0;
        });

        var declineId = IdPrefix.Argument("order-id", "Order");
        var reason = new Option<string>("--reason") { Description = "out-of-stock, total-mismatch, prescription-invalid, not-supplied, unreadable or other", DefaultValueFactory = _ => "other" };
        var decline = new Command("decline", "Decline a placed order with a reason code") { declineId, reason };
        decline.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var o = await client.DeclineOrderAsync(await PharmacyOrderIdAsync(client, p.GetValue(declineId)!, ct), p.GetValue(reason)!, ct);
            AnsiConsole.MarkupLine($"Order {o.Id} is [yellow]{Markup.Escape(o.Status)}[/] ({Markup.Escape(o.DeclineReason ?? "")})");
            return 0;
        });

        var releaseId = IdPrefix.Argument("order-id", "Order");
        var release = new Command("release", "Put back the stock reserved for an order its patient cancelled") { releaseId };
        release.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var released = await client.ReleaseCancelledOrderAsync(await PharmacyOrderIdAsync(client, p.GetValue(releaseId)!, ct), ct);
            AnsiConsole.MarkupLine(released ? "[green]Reservation released[/]" : "[grey]Nothing was held any more (released or expired).[/]");
            return 0;
        });

        return new Command("orders", "Your pharmacy's orders: list, open, accept, ready, collect, decline, release")
        {
            list, open,
            OnOrder("accept", "Check the total, reserve the stock (naming no order or patient) and accept", (c, id, ct) => c.AcceptOrderAsync(id, ct)),
            OnOrder("ready", "Mark an accepted order ready for collection", (c, id, ct) => c.MarkOrderReadyAsync(id, ct)),
            OnOrder("collect", "Hand a ready, paid order over (its reservation becomes a sale)", (c, id, ct) => c.CollectOrderAsync(id, ct)),
            decline, release,
        };
    }

    /// <summary>`pharmacy key publish|share`: the organization key patients seal orders for (a subcommand of PharmacyCommands.Pharmacy).</summary>
    public static Command PharmacyKey()
    {
        var publish = new Command("publish", "Make the pharmacy's organization key here, seal it to every verified pharmacist, anchor it on the ledger (also rotates); prints the pharmacy id");
        publish.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var key = await client.PublishPharmacyKeyAsync(ct);
            AnsiConsole.MarkupLine($"[green]Published[/] organization key {Markup.Escape(key.KeyId)} (receipt verified)");
            Console.WriteLine(key.PharmacyId);
            return 0;
        });
        var share = new Command("share", "Seal the key you hold for colleagues verified since it was made");
        share.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var shared = await client.SharePharmacyKeyWithNewPharmacistsAsync(ct);
            AnsiConsole.MarkupLine(shared.Count == 0 ? "[grey]Nobody is waiting for the key.[/]" : $"[green]Shared with {shared.Count} pharmacist(s)[/]");
            return 0;
        });
        return new Command("key", "The pharmacy's organization key (orders are sealed for it)") { publish, share };
    }

    private static string Lines(MedLedger.Crypto.OrderContent c) =>
        string.Join(", ", c.Lines.Select(l => $"{l.MedicineId} x{l.Quantity}")) + (c.PrescriptionId is { } rx ? $" (prescription {rx})" : "");

    private static string Money(long minor) => (minor / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    private static Task<Guid> PharmacyOrderIdAsync(MedLedgerClient client, string text, CancellationToken ct) =>
        IdPrefix.ResolveAsync(text, "order", async () => (await client.PharmacyOrdersAsync(null, ct)).Select(o => o.Id));
}
