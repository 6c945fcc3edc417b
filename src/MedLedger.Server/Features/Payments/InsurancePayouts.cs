using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Payments;

/// <summary>
/// Claim payouts in the journal (docs/payments.md "Insurance payouts"): one <c>insurance-payout</c> entry per claim, insurer-payouts
/// −a and the payee's account +a (a provider's insurance income, or the patient's wallet). (kind, reference = claim id) is unique,
/// so a payout is posted once however often its committed transaction is rolled forward.
/// </summary>
public sealed class InsurancePayouts(MedLedgerDbContext db, Journal journal)
{
    public const string EntryKind = "insurance-payout";

    /// <summary>Opens both accounts before the payout is submitted (the row writer runs inside a transaction and only finds them).</summary>
    public async Task PrepareAsync(Guid insurerId, bool toPatient, Guid payeeId, string currency, CancellationToken ct)
    {
        await journal.AccountAsync(AccountKinds.InsurerPayouts, insurerId, currency, ct);
        await journal.AccountAsync(toPatient ? AccountKinds.PatientWallet : AccountKinds.ProviderInsuranceIncome, payeeId, currency, ct);
    }

    /// <summary>Posts a committed payout once (inside the roll-forward's transaction).</summary>
    public async Task PostCommittedAsync(Guid claimId, Guid insurerId, bool toPatient, Guid payeeId, long amount, string currency, CancellationToken ct)
    {
        if (await db.Set<JournalEntry>().AnyAsync(e => e.Kind == EntryKind && e.Reference == claimId, ct))
        {
            return;
        }
        var from = await journal.FindAsync(AccountKinds.InsurerPayouts, insurerId, currency, ct) ?? throw new InvalidOperationException($"no payout account of insurer {insurerId}");
        var to = await journal.FindAsync(toPatient ? AccountKinds.PatientWallet : AccountKinds.ProviderInsuranceIncome, payeeId, currency, ct)
            ?? throw new InvalidOperationException($"no account of payee {payeeId}");
        await journal.PostAsync(EntryKind, claimId, [(from, -amount), (to, amount)], ct);
    }

    /// <summary>The balance of an insurer's payouts account or a provider's insurance income (0 when not opened).</summary>
    public async Task<long> BalanceAsync(string kind, Guid ownerId, string currency, CancellationToken ct) =>
        await db.Set<PaymentAccount>().AsNoTracking().Where(a => a.Kind == kind && a.OwnerId == ownerId && a.Currency == currency).Select(a => a.Balance).FirstOrDefaultAsync(ct);
}
