using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Features.Pharmacy;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Orders;

/// <summary>
/// An order moves on by a signed orders.status: the pharmacy's verified pharmacists accept (with a commitment to the stock
/// reservation they made, and the payable is issued), mark ready, hand over (only once paid) or decline with a reason code; the
/// patient cancels while placed or accepted. A wrong transition is a 409 before anything reaches the ledger; the contract
/// enforces the same state machine, so of two racing transitions one wins.
/// </summary>
public sealed class OrderProgress(MedLedgerDbContext db, PharmacyAccess pharmacies, PayableService payables, LedgerRollForward rollForward, OrderExpiry expiry,
    OrderQueries queries, OrderNotices notices, TimeProvider clock)
{
    public const string PayableKind = "order";

    public async Task<OrderResponse> PharmacistMoveAsync(Guid pharmacyId, Guid orderId, string status, Caller pharmacist, OrderStatusRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        await pharmacies.RequireOwnAsync(pharmacyId, pharmacist, ct);
        await expiry.ExpireDueAsync(o => o.Id == orderId && o.PharmacyId == pharmacyId, ct);
        var order = await db.Set<Order>().AsNoTracking().FirstOrDefaultAsync(o => o.Id == orderId && o.PharmacyId == pharmacyId && o.Status != OrderStatus.Submitting, ct)
            ?? throw ProblemException.NotFound($"Order {orderId}");
        var tx = Check(order, status, pharmacist, r);
        if (status == OrderStatusContract.Accepted && r.AcceptNote is not { Length: > 0 and <= 4096 })
        {
            throw ProblemException.Invalid("acceptNote", "Accepting an order carries the reservation note sealed for the pharmacy (at most 4 KiB).");
        }
        if (status == OrderStatusContract.Collected && !await payables.IsPaidAsync(PayableKind, orderId, ct))
        {
            throw new ProblemException(409, "order-unpaid", "Order not paid", $"Order {orderId} is handed over once its payable is paid.");
        }
        return await SubmitAsync(tx, order, status, r, ct);
    }

    public async Task<OrderResponse> CancelAsync(Guid orderId, Caller patient, OrderStatusRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        await expiry.ExpireDueAsync(o => o.Id == orderId && o.PatientId == patient.Id, ct);
        var order = await db.Set<Order>().AsNoTracking().FirstOrDefaultAsync(o => o.Id == orderId && o.PatientId == patient.Id && o.Status != OrderStatus.Submitting, ct)
            ?? throw ProblemException.NotFound($"Order {orderId}");
        var tx = Check(order, OrderStatusContract.Cancelled, patient, r);
        return await SubmitAsync(tx, order, OrderStatusContract.Cancelled, r, ct);
    }

    private static MedLedger.Ledger.LedgerTransaction Check(Order order, string status, Caller caller, OrderStatusRequest r)
    {
        var tx = LedgerGateway.Expect(r.Transaction, OrderStatusContract.TypeName, caller.Id);
        if (tx.Get("orderId") != order.Id.ToString() || tx.Get("status") != status)
        {
            throw ProblemException.Invalid("transaction", $"The orders.status must name this order and the status {status}.");
        }
        var current = OrderQueries.Name(order.Status);
        if (!OrderStatusContract.Allowed(current, status))
        {
            throw new ProblemException(409, "order-transition", "Not possible in this state", $"Order {order.Id} is {current}; it cannot become {status}.");
        }
        return tx;
    }

    private async Task<OrderResponse> SubmitAsync(MedLedger.Ledger.LedgerTransaction tx, Order order, string status, OrderStatusRequest r, CancellationToken ct)
    {
        var rows = new OrderRows(order.Id, status, clock.GetUtcNow(), tx.Get("commitment"), status == OrderStatusContract.Accepted ? r.AcceptNote : null, tx.Get("reason"));
        await rollForward.SubmitAsync(tx, rows, ct);
        var moved = await queries.ResponseAsync(order.Id, withReceipt: true, ct);
        await notices.ChangedAsync(moved);
        return moved;
    }

    /// <summary>
    /// Writes a committed orders.place or orders.status (inside the roll-forward's transaction): the status flips once by a
    /// conditional update, and an acceptance issues the order's payable for the amount fixed at placing.
    /// </summary>
    internal async Task WriteRowsAsync(MedLedger.Ledger.LedgerTransaction tx, OrderRows rows, CancellationToken ct)
    {
        var to = Enum.Parse<OrderStatus>(rows.Status, ignoreCase: true);
        var order = await db.Set<Order>().AsNoTracking().FirstOrDefaultAsync(o => o.Id == rows.OrderId, ct);
        if (order is null)
        {
            return;
        }
        var from = order.Status;
        var allowed = to == OrderStatus.Placed ? from == OrderStatus.Submitting : OrderStatusContract.Allowed(OrderQueries.Name(from), rows.Status);
        if (!allowed || await db.Set<Order>().Where(o => o.Id == rows.OrderId && o.Status == from)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.Status, to).SetProperty(o => o.UpdatedAt, rows.At)
                    .SetProperty(o => o.ReservationCommitment, o => rows.Commitment ?? o.ReservationCommitment)
                    .SetProperty(o => o.AcceptNote, o => rows.AcceptNote ?? o.AcceptNote)
                    .SetProperty(o => o.DeclineReason, o => rows.Reason ?? o.DeclineReason), ct) != 1)
        {
            return;
        }
        if (to == OrderStatus.Accepted)
        {
            await payables.IssueCommittedAsync(order.Id, order.PharmacyId, order.PatientId, PayableKind, order.Id, order.Amount, order.Currency, Guid.Parse(tx.ActorId), ct);
        }
    }
}
