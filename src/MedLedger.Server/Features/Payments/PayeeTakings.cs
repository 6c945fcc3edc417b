using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Payments;

/// <summary>What an organization took in a period, per currency: payments settled to it and refunds it gave back (counts and minor units).</summary>
public sealed record CurrencyTakings(string Currency, int Payments, long Paid, int Refunds, long Refunded, long Net);

/// <summary>The read side other features use for a payee's takings (the pharmacy's daily summary).</summary>
public sealed class PayeeTakings(MedLedgerDbContext db)
{
    /// <summary>Payments settled in [from, to) and refunds made in [from, to), by currency; of one payee, or of all (null: the admin's figures).</summary>
    public async Task<IReadOnlyList<CurrencyTakings>> BetweenAsync(Guid? payeeOrganizationId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var paid = await db.Set<Payment>().AsNoTracking()
            .Where(p => (payeeOrganizationId == null || p.PayeeOrganizationId == payeeOrganizationId) && p.Status == PaymentStatus.Paid && p.SettledAt >= from && p.SettledAt < to)
            .GroupBy(p => p.Currency).Select(g => new { Currency = g.Key, Count = g.Count(), Sum = g.Sum(p => p.Amount) }).ToListAsync(ct);
        var refunded = await db.Set<PaymentRefund>().AsNoTracking()
            .Where(r => r.At >= from && r.At < to)
            .Join(db.Set<Payment>().Where(p => payeeOrganizationId == null || p.PayeeOrganizationId == payeeOrganizationId), r => r.PaymentId, p => p.Id, (r, p) => new { p.Currency, r.Amount })
            .GroupBy(x => x.Currency).Select(g => new { Currency = g.Key, Count = g.Count(), Sum = g.Sum(x => x.Amount) }).ToListAsync(ct);
        return paid.Select(p => p.Currency).Union(refunded.Select(r => r.Currency)).Order(StringComparer.Ordinal).Select(c =>
        {
            var p = paid.FirstOrDefault(x => x.Currency == c);
            var r = refunded.FirstOrDefault(x => x.Currency == c);
            var (pc, ps, rc, rs) = (p?.Count ?? 0, p?.Sum ?? 0, r?.Count ?? 0, r?.Sum ?? 0);
            return new CurrencyTakings(c, pc, ps, rc, rs, ps - rs);
        }).ToList();
    }
}
