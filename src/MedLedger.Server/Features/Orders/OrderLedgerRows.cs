using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Orders;

/// <summary>Writes what a committed orders.place or orders.status stands for (at once, or rolled forward after a crash).</summary>
public sealed class OrderLedgerRows(OrderProgress progress) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [OrderPlaceContract.TypeName, OrderStatusContract.TypeName];

    public Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<OrderRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty order rows");
        return progress.WriteRowsAsync(tx, r, ct);
    }
}

/// <summary>
/// Start-up: an order still submitting after the roll-forward (which marks committed ones placed) was never committed by the
/// ledger: it is removed, and its Idempotency-Key is free again.
/// </summary>
public sealed class SubmittingOrderRepair(MedLedgerDbContext db, LedgerGateway gateway, TimeProvider clock) : ILedgerRowRepair
{
    public async Task<int> RepairAsync(CancellationToken ct)
    {
        var repaired = 0;
        foreach (var o in await db.Set<Order>().AsNoTracking().Where(x => x.Status == OrderStatus.Submitting).Select(x => new { x.Id, x.PlaceTransactionId }).ToListAsync(ct))
        {
            var stored = await gateway.Peer.Store.GetTransactionsByIdAsync(o.PlaceTransactionId, ct);
            if (stored.Any(s => s.Valid))
            {
                var at = clock.GetUtcNow();
                await db.Set<Order>().Where(x => x.Id == o.Id && x.Status == OrderStatus.Submitting)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, OrderStatus.Placed).SetProperty(x => x.UpdatedAt, at), ct);
            }
            else
            {
                await db.Set<Order>().Where(x => x.Id == o.Id && x.Status == OrderStatus.Submitting).ExecuteDeleteAsync(ct);
            }
            repaired++;
        }
        return repaired;
    }
}
