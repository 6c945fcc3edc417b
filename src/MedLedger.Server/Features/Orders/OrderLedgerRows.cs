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

/// <summary>`ledger verify`: every order row's status is the one its committed orders.place / orders.status transactions led to, and every committed order has a row.</summary>
public sealed class OrderLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [OrderPlaceContract.TypeName, OrderStatusContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var onLedger = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tx in committed)
        {
            onLedger[tx.Get("orderId") ?? ""] = tx.Type == OrderPlaceContract.TypeName ? OrderStatusContract.Placed : tx.Get("status") ?? "";
        }
        var rows = await db.Set<Order>().AsNoTracking().Where(o => o.Status != OrderStatus.Submitting).Select(o => new { o.Id, o.Status }).ToListAsync(ct);
        foreach (var row in rows)
        {
            var status = OrderQueries.Name(row.Status);
            if (!onLedger.TryGetValue(row.Id.ToString(), out var expected))
            {
                findings.Add($"order {row.Id} is {status} but no orders.place of it is committed");
            }
            else if (expected != status)
            {
                findings.Add($"order {row.Id} is {status} but the ledger says {expected}");
            }
        }
        var ids = rows.Select(r => r.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var id in onLedger.Keys.Where(k => !ids.Contains(k)))
        {
            findings.Add($"order {id} is on the ledger but has no row");
        }
    }
}
