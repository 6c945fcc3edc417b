using System.Globalization;
using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Payments;

/// <summary>
/// Writes what a committed payments.pay or payments.refund stands for (at once, or rolled forward after a crash): the payment's
/// settlement, or the refund row and its posting. Amounts and parties come from the committed transaction itself.
/// </summary>
public sealed class PaymentLedgerRows(MedLedgerDbContext db, Journal journal) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [PaymentPayContract.TypeName, PaymentRefundContract.TypeName];

    public async Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var at = (JsonSerializer.Deserialize<PaymentRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty payment rows")).At;
        if (tx.Type == PaymentPayContract.TypeName)
        {
            await PaymentService.SettleAsync(db, journal, tx, at, ct);
            return;
        }
        var refundId = Guid.Parse(tx.Get("refundId")!);
        if (await db.Set<PaymentRefund>().AnyAsync(x => x.Id == refundId, ct))
        {
            return;
        }
        var paymentId = Guid.Parse(tx.Get("paymentId")!);
        var amount = long.Parse(tx.Get("amount")!, NumberStyles.None, CultureInfo.InvariantCulture);
        var payment = await db.Set<Payment>().AsNoTracking().FirstAsync(p => p.Id == paymentId, ct);
        db.Add(new PaymentRefund { Id = refundId, PaymentId = paymentId, PharmacistId = Guid.Parse(tx.ActorId), Amount = amount, TransactionId = tx.Id, At = at });
        await db.SaveChangesAsync(ct);
        var refunds = await journal.FindAsync(AccountKinds.PharmacyRefunds, payment.PayeeOrganizationId, payment.Currency, ct)
            ?? throw new InvalidOperationException("payee without refunds account");
        var wallet = await journal.FindAsync(AccountKinds.PatientWallet, payment.PayerId, payment.Currency, ct)
            ?? throw new InvalidOperationException("payer without wallet");
        await journal.PostAsync("refund", refundId, [(refunds, -amount), (wallet, amount)], ct);
    }
}
