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

/// <summary>
/// `ledger verify`: every paid payment and every refund row stands for a committed transaction with the same parties and amount,
/// and the other way round; and the journal is whole — each entry sums to zero and each balance is the sum of its postings.
/// </summary>
public sealed class PaymentLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [PaymentPayContract.TypeName, PaymentRefundContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var pays = committed.Where(t => t.Type == PaymentPayContract.TypeName).ToDictionary(t => t.Get("paymentId") ?? "", StringComparer.Ordinal);
        var refunds = committed.Where(t => t.Type == PaymentRefundContract.TypeName).ToDictionary(t => t.Get("refundId") ?? "", StringComparer.Ordinal);

        var payments = await db.Set<Payment>().AsNoTracking().ToListAsync(ct);
        foreach (var p in payments.OrderBy(p => p.Id))
        {
            var onLedger = pays.GetValueOrDefault(p.Id.ToString());
            if (p.Status == PaymentStatus.Paid && onLedger is null)
            {
                findings.Add($"payment {p.Id}: paid in the journal but the ledger holds no payments.pay for it (ahead)");
            }
            else if (onLedger is not null && p.Status != PaymentStatus.Paid)
            {
                // A pending one is settled by PendingPaymentRepair at the next start; a failed one was refused yet committed.
                findings.Add($"payment {p.Id}: committed on the ledger ({onLedger.Id}) but the row says {p.Status}");
            }
            else if (onLedger is not null && (onLedger.Id != p.TransactionId || onLedger.Get("payerId") != p.PayerId.ToString()
                     || onLedger.Get("payeeOrganizationId") != p.PayeeOrganizationId.ToString() || onLedger.Get("amount") != Amount(p.Amount)
                     || onLedger.Get("currency") != p.Currency))
            {
                findings.Add($"payment {p.Id}: the row ({p.PayerId} → {p.PayeeOrganizationId}, {Amount(p.Amount)} {p.Currency}, {p.TransactionId}) differs from the ledger " +
                             $"({onLedger.Get("payerId")} → {onLedger.Get("payeeOrganizationId")}, {onLedger.Get("amount")} {onLedger.Get("currency")}, {onLedger.Id})");
            }
        }
        var rowIds = payments.Select(p => p.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, tx) in pays.Where(x => !rowIds.Contains(x.Key)).OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            findings.Add($"payment {id}: on the ledger ({tx.Id}) but no row (missing)");
        }

        var refundRows = await db.Set<PaymentRefund>().AsNoTracking().ToListAsync(ct);
        foreach (var r in refundRows.OrderBy(r => r.Id))
        {
            if (!refunds.TryGetValue(r.Id.ToString(), out var tx))
            {
                findings.Add($"refund {r.Id}: a row the ledger does not hold (ahead)");
            }
            else if (tx.Id != r.TransactionId || tx.Get("paymentId") != r.PaymentId.ToString() || tx.Get("amount") != Amount(r.Amount))
            {
                findings.Add($"refund {r.Id}: the row ({Amount(r.Amount)} of payment {r.PaymentId}) differs from the ledger ({tx.Get("amount")} of payment {tx.Get("paymentId")})");
            }
        }
        var refundIds = refundRows.Select(r => r.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, tx) in refunds.Where(x => !refundIds.Contains(x.Key)).OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            findings.Add($"refund {id}: on the ledger ({tx.Id}) but no row (missing)");
        }

        foreach (var entry in await db.Set<JournalPosting>().AsNoTracking().GroupBy(p => p.EntryId)
                     .Select(g => new { g.Key, Sum = g.Sum(p => p.Amount) }).Where(g => g.Sum != 0).ToListAsync(ct))
        {
            findings.Add($"journal entry {entry.Key}: its postings sum to {entry.Sum}, not 0");
        }
        var sums = await db.Set<JournalPosting>().AsNoTracking().GroupBy(p => p.AccountId)
            .Select(g => new { g.Key, Sum = g.Sum(p => p.Amount) }).ToDictionaryAsync(g => g.Key, g => g.Sum, ct);
        foreach (var a in (await db.Set<PaymentAccount>().AsNoTracking().ToListAsync(ct)).OrderBy(a => a.Id))
        {
            var sum = sums.GetValueOrDefault(a.Id);
            if (sum != a.Balance)
            {
                findings.Add($"account {a.Kind} {a.OwnerId} {a.Currency}: balance {a.Balance}, its postings sum to {sum}");
            }
        }
    }

    private static string Amount(long minor) => minor.ToString(CultureInfo.InvariantCulture);
}
