using MedLedger.Ledger;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Payments;

/// <summary>A patient's wallet as they see it: balances, top-ups, and payments with refunds, each with its ledger receipt.</summary>
public sealed class WalletHistoryService(MedLedgerDbContext db, Journal journal, LedgerGateway ledger)
{
    public Task<IReadOnlyList<WalletBalance>> BalancesAsync(Caller patient, CancellationToken ct) => journal.WalletAsync(patient.Id, ct);

    public async Task<WalletHistory> HistoryAsync(Caller patient, CancellationToken ct)
    {
        var balances = await journal.WalletAsync(patient.Id, ct);
        var wallets = balances.ToDictionary(b => b.Currency, b => b.Balance, StringComparer.Ordinal);
        var topUps = (await db.Set<WalletTopUp>().AsNoTracking().Where(t => t.PatientId == patient.Id).ToListAsync(ct))
            .OrderByDescending(t => t.At).Select(t => new TopUpResponse(t.Id, t.Amount, t.Currency, t.ExternalReference, t.At, wallets.GetValueOrDefault(t.Currency))).ToList();
        var ids = (await db.Set<Payment>().AsNoTracking().Where(p => p.PayerId == patient.Id).Select(p => new { p.Id, p.CreatedAt }).ToListAsync(ct))
            .OrderByDescending(p => p.CreatedAt).Select(p => p.Id).ToList();
        var payments = new List<PaymentResponse>(ids.Count);
        foreach (var id in ids)
        {
            payments.Add(await PaymentAsync(patient.Id, id, ct));
        }
        return new WalletHistory(balances, topUps, payments);
    }

    /// <summary>One of <paramref name="payerId"/>'s payments with its refunds and their receipts.</summary>
    public async Task<PaymentResponse> PaymentAsync(Guid payerId, Guid paymentId, CancellationToken ct)
    {
        var p = await db.Set<Payment>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == paymentId && x.PayerId == payerId, ct)
            ?? throw ProblemException.NotFound($"Payment {paymentId}");
        var refunds = new List<RefundResponse>();
        foreach (var r in (await db.Set<PaymentRefund>().AsNoTracking().Where(x => x.PaymentId == paymentId).ToListAsync(ct)).OrderBy(x => x.At))
        {
            refunds.Add(new RefundResponse(r.Id, r.PaymentId, r.PharmacistId, r.Amount, r.TransactionId, r.At, await ReceiptAsync(r.TransactionId, ct)));
        }
        return new PaymentResponse(p.Id, p.PayableId, p.PayerId, p.PayeeOrganizationId, p.Amount, p.Currency, p.Status, p.TransactionId, p.CreatedAt, p.SettledAt,
            p.Status == PaymentStatus.Paid ? await ReceiptAsync(p.TransactionId, ct) : null, refunds);
    }

    private async Task<LedgerReceipt> ReceiptAsync(string transactionId, CancellationToken ct) =>
        await ledger.Peer.Queries.GetReceiptAsync(transactionId, ct) ?? throw new InvalidOperationException($"committed transaction {transactionId} has no receipt");
}
