using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Pharmacy;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Orders;

/// <summary>A patient's own orders; a pharmacy's queue for its own pharmacists. Orders past their expiry are expired first (on read).</summary>
public sealed class OrderQueries(MedLedgerDbContext db, LedgerGateway ledger, PharmacyAccess pharmacies, OrderExpiry expiry)
{
    public async Task<IReadOnlyList<OrderResponse>> MineAsync(Caller patient, CancellationToken ct)
    {
        await expiry.ExpireDueAsync(o => o.PatientId == patient.Id, ct);
        var ids = await db.Set<Order>().AsNoTracking().Where(o => o.PatientId == patient.Id && o.Status != OrderStatus.Submitting).Select(o => o.Id).ToListAsync(ct);
        return await ManyAsync(ids, ct);
    }

    public async Task<OrderResponse> MineAsync(Caller patient, Guid orderId, CancellationToken ct)
    {
        await expiry.ExpireDueAsync(o => o.Id == orderId && o.PatientId == patient.Id, ct);
        // Another patient's order is "not found": its existence is not theirs to learn.
        return await db.Set<Order>().AnyAsync(o => o.Id == orderId && o.PatientId == patient.Id, ct)
            ? await ResponseAsync(orderId, withReceipt: true, ct)
            : throw ProblemException.NotFound($"Order {orderId}");
    }

    /// <summary>The pharmacy's orders, optionally of one status, oldest first (a queue).</summary>
    public async Task<IReadOnlyList<OrderResponse>> QueueAsync(Guid pharmacyId, Caller pharmacist, string? status, CancellationToken ct)
    {
        await pharmacies.RequireOwnAsync(pharmacyId, pharmacist, ct);
        OrderStatus? only = null;
        if (status is not null)
        {
            only = Enum.TryParse<OrderStatus>(status, ignoreCase: true, out var s) && s != OrderStatus.Submitting
                ? s
                : throw ProblemException.Invalid("status", "One of placed, accepted, ready, collected, declined, cancelled, expired.");
        }
        await expiry.ExpireDueAsync(o => o.PharmacyId == pharmacyId, ct);
        var ids = await db.Set<Order>().AsNoTracking().Where(o => o.PharmacyId == pharmacyId && o.Status != OrderStatus.Submitting && (only == null || o.Status == only))
            .Select(o => o.Id).ToListAsync(ct);
        return await ManyAsync(ids, ct);
    }

    public async Task<OrderResponse> PharmacyOrderAsync(Guid pharmacyId, Caller pharmacist, Guid orderId, CancellationToken ct)
    {
        await pharmacies.RequireOwnAsync(pharmacyId, pharmacist, ct);
        await expiry.ExpireDueAsync(o => o.Id == orderId && o.PharmacyId == pharmacyId, ct);
        return await db.Set<Order>().AnyAsync(o => o.Id == orderId && o.PharmacyId == pharmacyId && o.Status != OrderStatus.Submitting, ct)
            ? await ResponseAsync(orderId, withReceipt: true, ct)
            : throw ProblemException.NotFound($"Order {orderId}");
    }

    internal async Task<OrderResponse> ResponseAsync(Guid orderId, bool withReceipt, CancellationToken ct)
    {
        var o = await db.Set<Order>().AsNoTracking().FirstAsync(x => x.Id == orderId, ct);
        var receipt = withReceipt ? await ledger.Peer.Queries.GetReceiptAsync(o.PlaceTransactionId, ct) : null;
        return ToResponse(o, receipt);
    }

    private async Task<IReadOnlyList<OrderResponse>> ManyAsync(List<Guid> ids, CancellationToken ct) =>
        (await db.Set<Order>().AsNoTracking().Where(o => ids.Contains(o.Id)).ToListAsync(ct))
            .OrderBy(o => o.PlacedAt).ThenBy(o => o.Id).Select(o => ToResponse(o, null)).ToList();

    internal static string Name(OrderStatus s) => s.ToString().ToLowerInvariant();

    private static OrderResponse ToResponse(Order o, MedLedger.Ledger.LedgerReceipt? receipt) =>
        new(o.Id, o.PatientId, o.PharmacyId, Name(o.Status), o.Amount, o.Currency, o.ContentHash, o.SealedForPharmacy, o.SealedForPatient, o.PlacedAt, o.ExpiresAt,
            o.UpdatedAt, o.ReservationCommitment, o.AcceptNote, o.DeclineReason, o.PlaceTransactionId, receipt);
}
