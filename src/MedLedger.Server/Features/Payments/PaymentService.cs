using System.Globalization;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Payments;

/// <summary>What a payments.pay or payments.refund stores beyond its transaction: the server time it was accepted.</summary>
public sealed record PaymentRows(DateTimeOffset At);

/// <summary>
/// A patient pays a payable with a payments.pay they signed. Order (docs/payments.md, "A payment"): (1) in one database
/// transaction the Idempotency-Key record, the pending payment and the hold (wallet −amount, pending +amount; refused as
/// insufficient funds when the wallet cannot cover it, race-free); (2) submit to the ledger; (3a) accepted: the settlement
/// (pending −amount, payee revenue +amount) is posted with the payment marked paid, in the roll-forward's transaction;
/// (3b) refused: the release (pending −amount, wallet +amount) and the key is freed. A crash between (1) and (3) leaves a
/// pending payment that the next start settles or releases against the ledger (<see cref="PendingPaymentRepair"/>).
/// </summary>
public sealed class PaymentService(MedLedgerDbContext db, Journal journal, IdempotencyKeys keys, LedgerRollForward rollForward, WalletHistoryService history, TimeProvider clock)
{
    public const string Operation = "pay";

    public async Task<PaymentResponse> PayAsync(Caller patient, Guid payableId, string? idempotencyKey, PayRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var key = IdempotencyKeys.Require(idempotencyKey);
        var tx = LedgerGateway.Expect(r.Transaction, PaymentPayContract.TypeName, patient.Id);
        var fingerprint = IdempotencyKeys.Fingerprint(payableId.ToString(), tx.Id);
        if (await keys.FindAsync(patient.Id, key, Operation, fingerprint, ct) is { } done)
        {
            return await history.PaymentAsync(patient.Id, done, ct);
        }
        var payable = await db.Set<Payable>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == payableId, ct)
            ?? throw ProblemException.NotFound($"Payable {payableId}");
        if (payable.PatientId != patient.Id)
        {
            throw ProblemException.Forbidden("This payable is made out to another patient.");
        }
        if (!Guid.TryParseExact(tx.Get("paymentId"), "D", out var paymentId) || tx.Get("payerId") != patient.Id.ToString()
            || tx.Get("payeeOrganizationId") != payable.PayeeOrganizationId.ToString() || tx.Get("referenceKind") != payable.ReferenceKind
            || tx.Get("referenceId") != payable.ReferenceId.ToString() || tx.Get("amount") != payable.Amount.ToString(CultureInfo.InvariantCulture)
            || tx.Get("currency") != payable.Currency)
        {
            throw ProblemException.Invalid("transaction", "The payment must name you as payer and the payable's payee, reference, amount and currency exactly.");
        }
        if (payable.PaymentId is not null)
        {
            throw ProblemException.Conflict($"Payable {payableId} is paid already.");
        }
        if (payable.ClosedAt is not null)
        {
            // Settled outside the wallet (on the ledger too: a payments.pay racing this check is refused there and released).
            throw new ProblemException(409, "payable-closed", "Payable closed", $"Payable {payableId} was settled outside the wallet ({payable.ClosedReason}); there is nothing to pay.");
        }
        var wallet = await journal.FindAsync(AccountKinds.PatientWallet, patient.Id, payable.Currency, ct)
            ?? throw new ProblemException(409, "insufficient-funds", "Insufficient funds", $"You hold no {payable.Currency} in your wallet; top it up first.");
        var pending = await journal.AccountAsync(AccountKinds.PaymentsPending, Guid.Empty, payable.Currency, ct);
        var payment = new Payment
        {
            Id = paymentId, PayableId = payable.Id, PayerId = patient.Id, PayeeOrganizationId = payable.PayeeOrganizationId, Amount = payable.Amount,
            Currency = payable.Currency, TransactionId = tx.Id, Status = PaymentStatus.Pending, CreatedAt = clock.GetUtcNow(),
        };
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // Key and payment first: a concurrent retry (same key or same signed payment) fails here, before any money moves.
            keys.Add(patient.Id, key, Operation, fingerprint, payment.Id, payment.CreatedAt);
            db.Add(payment);
            await db.SaveChangesAsync(ct);
            await journal.PostAsync("payment-hold", payment.Id, [(wallet, -payment.Amount), (pending, payment.Amount)], ct);
            await transaction.CommitAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return await keys.FindAsync(patient.Id, key, Operation, fingerprint, ct) is { } first
                ? await history.PaymentAsync(patient.Id, first, ct)
                : throw ProblemException.Conflict("This payment is already being made.");
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
        try
        {
            await rollForward.SubmitAsync(tx, new PaymentRows(clock.GetUtcNow()), ct);
        }
        catch (ProblemException)
        {
            // Refused by the ledger (reused token, paid reference): nothing was paid, so the money goes back and the key is free.
            // Any other failure leaves the outcome unknown; the payment stays pending and the next start settles it.
            await ReleaseAsync(db, journal, payment.Id, CancellationToken.None);
            await keys.ForgetAsync(patient.Id, key, CancellationToken.None);
            throw;
        }
        return await history.PaymentAsync(patient.Id, payment.Id, ct);
    }

    /// <summary>Gives a pending payment's money back and marks it failed, once: whoever flips it from pending posts the release.</summary>
    internal static async Task ReleaseAsync(MedLedgerDbContext db, Journal journal, Guid paymentId, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await db.Set<Payment>().Where(p => p.Id == paymentId && p.Status == PaymentStatus.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PaymentStatus.Failed), ct) == 1)
        {
            var p = await db.Set<Payment>().AsNoTracking().FirstAsync(x => x.Id == paymentId, ct);
            var wallet = await journal.FindAsync(AccountKinds.PatientWallet, p.PayerId, p.Currency, ct) ?? throw new InvalidOperationException("held payment without wallet");
            var pending = await journal.FindAsync(AccountKinds.PaymentsPending, Guid.Empty, p.Currency, ct) ?? throw new InvalidOperationException("held payment without pending account");
            await journal.PostAsync("payment-release", p.Id, [(pending, -p.Amount), (wallet, p.Amount)], ct);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// Settles a committed payment once: flips it from pending to paid, posts pending −amount / payee revenue +amount and marks
    /// its payable paid. Runs inside the caller's database transaction (the roll-forward's, or the start-up repair's).
    /// </summary>
    internal static async Task SettleAsync(MedLedgerDbContext db, Journal journal, LedgerTransaction tx, DateTimeOffset at, CancellationToken ct)
    {
        var paymentId = Guid.Parse(tx.Get("paymentId")!);
        if (await db.Set<Payment>().Where(p => p.Id == paymentId && p.Status == PaymentStatus.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PaymentStatus.Paid).SetProperty(p => p.SettledAt, at), ct) != 1)
        {
            return;
        }
        var p = await db.Set<Payment>().AsNoTracking().FirstAsync(x => x.Id == paymentId, ct);
        var pending = await journal.FindAsync(AccountKinds.PaymentsPending, Guid.Empty, p.Currency, ct) ?? throw new InvalidOperationException("held payment without pending account");
        var revenue = await journal.FindAsync(AccountKinds.PharmacyRevenue, p.PayeeOrganizationId, p.Currency, ct) ?? throw new InvalidOperationException("payable without revenue account");
        await journal.PostAsync("payment-settle", p.Id, [(pending, -p.Amount), (revenue, p.Amount)], ct);
        await db.Set<Payable>().Where(x => x.Id == p.PayableId).ExecuteUpdateAsync(s => s.SetProperty(x => x.PaymentId, p.Id), ct);
    }
}

/// <summary>
/// Start-up: a payment still pending after the roll-forward (which settles committed ones) is settled if the ledger holds its
/// payments.pay, or released (money back to the wallet) if the ledger never committed it.
/// </summary>
public sealed class PendingPaymentRepair(MedLedgerDbContext db, Journal journal, LedgerGateway gateway, TimeProvider clock) : ILedgerRowRepair
{
    public async Task<int> RepairAsync(CancellationToken ct)
    {
        var repaired = 0;
        foreach (var p in await db.Set<Payment>().AsNoTracking().Where(x => x.Status == PaymentStatus.Pending).ToListAsync(ct))
        {
            var stored = await gateway.Peer.Store.GetTransactionsByIdAsync(p.TransactionId, ct);
            if (stored.FirstOrDefault(s => s.Valid) is { } committed)
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                await PaymentService.SettleAsync(db, journal, committed.Transaction, clock.GetUtcNow(), ct);
                await transaction.CommitAsync(ct);
            }
            else
            {
                await PaymentService.ReleaseAsync(db, journal, p.Id, ct);
            }
            repaired++;
        }
        return repaired;
    }
}
