using System.Globalization;
using System.Security.Cryptography;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Features.Pharmacy;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Orders;

/// <summary>What a committed orders.place or orders.status stores beyond its transaction.</summary>
public sealed record OrderRows(Guid OrderId, string Status, DateTimeOffset At, string? Commitment, byte[]? AcceptNote, string? Reason);

/// <summary>
/// A patient places an order sealed on their device (docs/pharmacy.md, "Orders"). Order as payments do it: (1) the order row
/// (submitting) with its Idempotency-Key, so of concurrent retries one inserts and the others answer with that order; (2) the
/// patient-signed orders.place to the ledger; (3) accepted: the row becomes placed (roll-forward); refused: the row is removed
/// and the key is free. A crash between (1) and (3) is settled at the next start (<see cref="SubmittingOrderRepair"/>).
/// </summary>
public sealed class OrderPlacing(MedLedgerDbContext db, PharmacyAccess pharmacies, LedgerRollForward rollForward, OrderQueries queries, OrderNotices notices, TimeProvider clock)
{
    public async Task<OrderResponse> PlaceAsync(Caller patient, string? idempotencyKey, PlaceOrderRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var key = IdempotencyKeys.Require(idempotencyKey);
        var tx = LedgerGateway.Expect(r.Transaction, OrderPlaceContract.TypeName, patient.Id);
        var fingerprint = IdempotencyKeys.Fingerprint(tx.Id, Hash(r.SealedForPharmacy), Hash(r.SealedForPatient), r.ExpiresAt?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) ?? "");
        if (await FirstAsync(patient.Id, key, fingerprint, ct) is { } first)
        {
            return first;
        }
        var now = clock.GetUtcNow();
        var expires = r.ExpiresAt ?? now + OrderLimits.DefaultLifetime;
        var v = new Validator();
        v.Require(r.SealedForPharmacy is { Length: > 0 and <= OrderLimits.Sealed }, "sealedForPharmacy", "The order sealed for the pharmacy is required (at most 64 KiB).");
        v.Require(r.SealedForPatient is { Length: > 0 and <= OrderLimits.Sealed }, "sealedForPatient", "The order sealed for you is required (at most 64 KiB).");
        v.Require(expires > now + TimeSpan.FromMinutes(10) && expires <= now + OrderLimits.MaxLifetime, "expiresAt", "expiresAt is 10 minutes to 14 days ahead.");
        v.ThrowIfInvalid();
        if (!Guid.TryParseExact(tx.Get("orderId"), "D", out var orderId) || !Guid.TryParseExact(tx.Get("pharmacyId"), "D", out var pharmacyId)
            || tx.Get("patientId") != patient.Id.ToString() || !long.TryParse(tx.Get("amount"), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount < 1
            || tx.Get("currency") is not { } currency || !PaymentPayContract.IsCurrency(currency))
        {
            throw ProblemException.Invalid("transaction", "The orders.place must name you, a pharmacy, a positive amount and a currency.");
        }
        if (tx.Get("contentHash") != Hash(r.SealedForPharmacy))
        {
            throw ProblemException.Invalid("sealedForPharmacy", "The transaction's contentHash is not the SHA-256 of the order sealed for the pharmacy.");
        }
        await pharmacies.RequireVisibleAsync(pharmacyId, patient, ct);
        await pharmacies.RequireNotSuspendedAsync(pharmacyId, ct);
        db.Add(new Order
        {
            Id = orderId, PatientId = patient.Id, PharmacyId = pharmacyId, Status = OrderStatus.Submitting, Amount = amount, Currency = currency,
            SealedForPharmacy = r.SealedForPharmacy, SealedForPatient = r.SealedForPatient, ContentHash = tx.Get("contentHash")!, IdempotencyKey = key,
            RequestHash = fingerprint, PlaceTransactionId = tx.Id, PlacedAt = now, ExpiresAt = expires, UpdatedAt = now,
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return await FirstAsync(patient.Id, key, fingerprint, ct) ?? throw ProblemException.Conflict("This order is already being placed.");
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
        try
        {
            await rollForward.SubmitAsync(tx, new OrderRows(orderId, OrderStatusContract.Placed, clock.GetUtcNow(), null, null, null), ct);
        }
        catch (ProblemException)
        {
            // Refused: no order exists, so the row goes and the key is free. Any other failure leaves the outcome unknown; the
            // order stays submitting and the next start settles it.
            await db.Set<Order>().Where(o => o.Id == orderId && o.Status == OrderStatus.Submitting).ExecuteDeleteAsync(CancellationToken.None);
            throw;
        }
        var placed = await queries.ResponseAsync(orderId, withReceipt: true, ct);
        await notices.ChangedAsync(placed);
        return placed;
    }

    private async Task<OrderResponse?> FirstAsync(Guid patientId, string key, string fingerprint, CancellationToken ct)
    {
        var found = await db.Set<Order>().AsNoTracking().Where(o => o.PatientId == patientId && o.IdempotencyKey == key)
            .Select(o => new { o.Id, o.RequestHash }).FirstOrDefaultAsync(ct);
        if (found is null)
        {
            return null;
        }
        return found.RequestHash == fingerprint
            ? await queries.ResponseAsync(found.Id, withReceipt: true, ct)
            : throw new ProblemException(422, "idempotency-key-reused", "Idempotency-Key reused", "This Idempotency-Key was used for a different order.");
    }

    internal static string Hash(byte[]? bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes ?? []));
}
