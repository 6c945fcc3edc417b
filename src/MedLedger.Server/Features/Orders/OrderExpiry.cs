using System.Linq.Expressions;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Orders;

/// <summary>
/// Placed or accepted orders past their expiry become expired, each with a peer-signed orders.status (on read: every list, get
/// and transition runs this for the orders it touches). The units the pharmacy reserved for an accepted order carry the same
/// expiry and are released by the pharmacy feature on its own reads (StockReservations.ExpireDueAsync): the server never
/// needs to know which reservation was the order's.
/// </summary>
public sealed class OrderExpiry(MedLedgerDbContext db, LedgerGateway gateway, LedgerRollForward rollForward, OrderNotices notices, TimeProvider clock)
{
    public async Task<int> ExpireDueAsync(Expression<Func<Order, bool>> which, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = (await db.Set<Order>().AsNoTracking().Where(which).Where(o => o.Status == OrderStatus.Placed || o.Status == OrderStatus.Accepted)
            .Select(o => new { o.Id, o.PatientId, o.PharmacyId, o.ExpiresAt }).ToListAsync(ct)).Where(o => o.ExpiresAt <= now).ToList();
        var expired = 0;
        foreach (var o in due)
        {
            var tx = gateway.Peer.CreateSystemTransaction(OrderStatusContract.TypeName, new Dictionary<string, string>
            {
                ["orderId"] = o.Id.ToString(),
                ["status"] = OrderStatusContract.Expired,
            });
            try
            {
                await rollForward.SubmitAsync(tx, new OrderRows(o.Id, OrderStatusContract.Expired, now, null, null, null), ct);
                expired++;
                await notices.ChangedAsync(new OrderNotice(o.Id, o.PatientId, o.PharmacyId, OrderStatusContract.Expired));
            }
            catch (ProblemException e) when (e.Status == 409)
            {
                // Another request expired, cancelled or moved it on first; the ledger keeps one of them.
            }
        }
        return expired;
    }
}
