using System.CommandLine;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>
/// wallet (patients: balance, top-up, pay, history) and pharmacy payables (pharmacists: create, list, refund), through the SDK.
/// Amounts are minor units (cents). Ids go to standard output on their own line so scripts can capture them.
/// </summary>
public static class WalletCommands
{
    public static Command Wallet()
    {
        var balance = new Command("balance", "Your wallet's balance in every currency");
        balance.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var balances = await client.WalletBalancesAsync(ct);
            if (balances.Count == 0)
            {
                AnsiConsole.MarkupLine("[grey]Your wallet is empty.[/]");
            }
            foreach (var b in balances)
            {
                Console.WriteLine($"{b.Currency} {Money(b.Balance)}");
            }
            return 0;
        });

        var amount = new Option<long>("--amount-minor") { Description = "Amount in minor units (cents)", Required = true };
        var currency = new Option<string>("--currency") { DefaultValueFactory = _ => "EUR" };
        var reference = new Option<string>("--external-reference") { Description = "The outside (card) payment's reference; the card side is out of scope", Required = true };
        var key = new Option<string?>("--idempotency-key") { Description = "Send the same key when retrying: the top-up is made once" };
        var topUp = new Command("top-up", "Add money paid outside to your wallet; prints the top-up id") { amount, currency, reference, key };
        topUp.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var t = await client.TopUpAsync(p.GetValue(amount), p.GetValue(currency)!, p.GetValue(reference)!, p.GetValue(key), ct);
            AnsiConsole.MarkupLine($"[green]Topped up[/] {t.Currency} {Money(t.Amount)}; balance {t.Currency} {Money(t.Balance)}");
            Console.WriteLine(t.Id);
            return 0;
        });

        var payableId = new Argument<Guid>("payable-id");
        var pay = new Command("pay", "Pay a payable made out to you (checks the payee is admin-verified, signs a payments.pay); prints the payment id") { payableId };
        pay.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var paid = await client.PayAsync(p.GetValue(payableId), ct);
            AnsiConsole.MarkupLine($"[green]Paid[/] {paid.Currency} {Money(paid.Amount)} ({Markup.Escape(paid.Status)}, receipt verified)");
            Console.WriteLine(paid.Id);
            return 0;
        });

        var payables = new Command("payables", "Payables made out to you");
        payables.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            foreach (var x in await client.MyPayablesAsync(ct))
            {
                Console.WriteLine($"{x.Id}  {x.Currency} {Money(x.Amount)}  payee {x.PayeeOrganizationId}  {(x.PaymentId is { } id ? "paid " + id : "open")}");
            }
            return 0;
        });

        var history = new Command("history", "Top-ups and payments with refunds, each payment checked against its ledger receipt");
        history.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var h = await client.WalletHistoryAsync(ct);
            foreach (var b in h.Balances)
            {
                Console.WriteLine($"balance {b.Currency} {Money(b.Balance)}");
            }
            foreach (var t in h.TopUps)
            {
                Console.WriteLine($"{t.At:u}  top-up   +{t.Currency} {Money(t.Amount)}  {t.ExternalReference}");
            }
            foreach (var x in h.Payments)
            {
                Console.WriteLine($"{x.CreatedAt:u}  payment  -{x.Currency} {Money(x.Amount)}  {x.Status}  {x.Id}{(x.Refunded > 0 ? $"  refunded {Money(x.Refunded)}" : "")}");
            }
            return 0;
        });
        return new Command("wallet", "Your wallet: balance, top-ups, payments (patients)") { balance, topUp, pay, payables, history };
    }

    /// <summary>pharmacy payables create|list|refund.</summary>
    public static Command Payables()
    {
        var patient = new Option<Guid>("--patient") { Required = true };
        var amount = new Option<long>("--amount-minor") { Description = "Amount in minor units (cents), fixed now", Required = true };
        var currency = new Option<string>("--currency") { DefaultValueFactory = _ => "EUR" };
        var create = new Command("create", "Make a counter payable for a patient; prints its id") { patient, amount, currency };
        create.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var x = await client.CreatePayableAsync(p.GetValue(patient), p.GetValue(amount), p.GetValue(currency)!, ct);
            AnsiConsole.MarkupLine($"[green]Payable[/] {x.Currency} {Money(x.Amount)} for patient {x.PatientId}");
            Console.WriteLine(x.Id);
            return 0;
        });

        var list = new Command("list", "Your pharmacy's payables and the payments that settled them");
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            foreach (var x in await client.PharmacyPayablesAsync(ct))
            {
                Console.WriteLine($"{x.Id}  {x.Currency} {Money(x.Amount)}  patient {x.PatientId}  {(x.PaymentId is { } id ? "paid " + id : "open")}");
            }
            return 0;
        });

        var paymentId = new Argument<Guid>("payment-id");
        var refundAmount = new Option<long>("--amount-minor") { Description = "Amount to refund in minor units; refunds never total more than the payment", Required = true };
        var refund = new Command("refund", "Refund a payment to your pharmacy (signs a payments.refund)") { paymentId, refundAmount };
        refund.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var x = await client.RefundPaymentAsync(p.GetValue(paymentId), p.GetValue(refundAmount), ct);
            AnsiConsole.MarkupLine($"[green]Refunded[/] {x.Currency} {Money(x.Refunded)} of {Money(x.Amount)} in total");
            return 0;
        });
        return new Command("payables", "Counter payables and refunds") { create, list, refund };
    }

    private static string Money(long minor) => (minor / 100m).ToString("0.00", CultureInfo.InvariantCulture);
}
