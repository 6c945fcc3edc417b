using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Payments;

/// <summary>
/// The double-entry journal: accounts are found or opened here, and every balance change is a posting of an entry whose
/// amounts sum to zero. A balance moves only by a conditional update (<c>balance + amount &gt;= 0</c> unless the account may go
/// negative), so concurrent debits of one wallet cannot overdraw it: the database serializes the updates and the one that
/// no longer fits changes nothing. The caller owns the database transaction: an entry's postings commit together or not at all.
/// </summary>
public sealed class Journal(MedLedgerDbContext db, TimeProvider clock)
{
    /// <summary>The account of (kind, owner, currency), opened at zero if it is not there yet. Call outside a database transaction.</summary>
    public async Task<Guid> AccountAsync(string kind, Guid ownerId, string currency, CancellationToken ct)
    {
        if (await FindAsync(kind, ownerId, currency, ct) is { } id)
        {
            return id;
        }
        var account = new PaymentAccount
        {
            Id = Guid.NewGuid(), Kind = kind, OwnerId = ownerId, Currency = currency,
            AllowNegative = kind is AccountKinds.TopUpClearing or AccountKinds.PharmacyRefunds or AccountKinds.InsurerPayouts,
        };
        db.Add(account);
        try
        {
            await db.SaveChangesAsync(ct);
            return account.Id;
        }
        catch (DbUpdateException)
        {
            // Opened concurrently by another request: use that one.
            db.Entry(account).State = EntityState.Detached;
            return await FindAsync(kind, ownerId, currency, ct) ?? throw new InvalidOperationException($"account {kind}/{ownerId}/{currency} vanished");
        }
    }

    public Task<Guid?> FindAsync(string kind, Guid ownerId, string currency, CancellationToken ct) =>
        db.Set<PaymentAccount>().Where(a => a.Kind == kind && a.OwnerId == ownerId && a.Currency == currency).Select(a => (Guid?)a.Id).FirstOrDefaultAsync(ct);

    /// <summary>
    /// Posts one entry. Throws a 409 <c>insufficient-funds</c> problem when a posting would take an account below zero (the
    /// caller rolls its transaction back); the entry's (kind, reference) is unique, so a step is never posted twice.
    /// </summary>
    public async Task PostAsync(string kind, Guid reference, IReadOnlyList<(Guid Account, long Amount)> postings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(postings);
        if (postings.Count < 2 || postings.Sum(p => p.Amount) != 0 || postings.Any(p => p.Amount == 0))
        {
            throw new InvalidOperationException($"journal entry {kind}/{reference} does not balance");
        }
        var entry = new JournalEntry { Id = Guid.NewGuid(), Kind = kind, Reference = reference, At = clock.GetUtcNow() };
        db.Add(entry);
        foreach (var (account, amount) in postings)
        {
            db.Add(new JournalPosting { Id = Guid.NewGuid(), EntryId = entry.Id, AccountId = account, Amount = amount });
            var moved = await db.Set<PaymentAccount>()
                .Where(a => a.Id == account && (a.AllowNegative || a.Balance + amount >= 0))
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Balance, a => a.Balance + amount), ct);
            if (moved != 1)
            {
                throw new ProblemException(409, "insufficient-funds", "Insufficient funds", "The wallet does not hold enough for this payment.");
            }
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>A patient's balance in every currency they hold.</summary>
    public async Task<IReadOnlyList<WalletBalance>> WalletAsync(Guid patientId, CancellationToken ct) =>
        await db.Set<PaymentAccount>().AsNoTracking().Where(a => a.Kind == AccountKinds.PatientWallet && a.OwnerId == patientId)
            .OrderBy(a => a.Currency).Select(a => new WalletBalance(a.Currency, a.Balance)).ToListAsync(ct);
}
