using System.Globalization;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Payments;

/// <summary>
/// A payee's pharmacist refunds a payment (a payments.refund they sign), in full or in parts. The ledger keeps the running
/// total and each refund id once, so concurrent refunds never give back more than was paid; the journal entry (payee refunds
/// −amount, patient wallet +amount) is posted only once the ledger committed the refund, by the row writer.
/// </summary>
public sealed class RefundService(MedLedgerDbContext db, LedgerRollForward rollForward, WalletHistoryService history, TimeProvider clock)
{
    public async Task<PaymentResponse> RefundAsync(Caller pharmacist, Guid paymentId, RefundRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var tx = LedgerGateway.Expect(r.Transaction, PaymentRefundContract.TypeName, pharmacist.Id);
        var payment = await db.Set<Payment>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == paymentId, ct)
            ?? throw ProblemException.NotFound($"Payment {paymentId}");
        if (payment.PayeeOrganizationId != pharmacist.Organization)
        {
            throw ProblemException.Forbidden("Only the payee's own pharmacists refund a payment.");
        }
        if (!Guid.TryParseExact(tx.Get("refundId"), "D", out _) || tx.Get("paymentId") != paymentId.ToString()
            || tx.Get("payeeOrganizationId") != pharmacist.Organization.ToString()
            || !long.TryParse(tx.Get("amount"), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount < 1)
        {
            throw ProblemException.Invalid("transaction", "The refund must name the payment in the path, your pharmacy as payee, a refundId and a positive amount.");
        }
        if (payment.Status != PaymentStatus.Paid)
        {
            throw ProblemException.Conflict($"Payment {paymentId} is {payment.Status}; only a settled payment is refunded.");
        }
        await rollForward.SubmitAsync(tx, new PaymentRows(clock.GetUtcNow()), ct);
        return await history.PaymentAsync(payment.PayerId, paymentId, ct);
    }
}
