using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Orders;

public enum OrderStatus
{
    /// <summary>The patient's orders.place is on its way to the ledger (a refusal or a crash removes the order).</summary>
    Submitting,
    Placed,
    Accepted,
    Ready,
    Collected,
    Declined,
    Cancelled,
    Expired,
}

/// <summary>
/// A patient's order at a pharmacy. What it is for (medicines, quantities, a prescription) is sealed on the patient's device
/// for the pharmacy's anchored organization key and for the patient; the server stores who ordered where, the status, the
/// total fixed at placing, and the ciphertexts.
/// </summary>
public sealed class Order
{
    public Guid Id { get; set; }
    public Guid PatientId { get; set; }
    public Guid PharmacyId { get; set; }
    public OrderStatus Status { get; set; }
    /// <summary>Total in minor units, fixed when the order is placed (the payable made on acceptance carries it).</summary>
    public long Amount { get; set; }
    public required string Currency { get; set; }
    /// <summary>SealedSecret JSON of the order lines for the pharmacy's organization key; its SHA-256 is the ledger's contentHash.</summary>
    public required byte[] SealedForPharmacy { get; set; }
    /// <summary>The same lines sealed for the patient's own key (their order history).</summary>
    public required byte[] SealedForPatient { get; set; }
    public required string ContentHash { get; set; }
    public required string IdempotencyKey { get; set; }
    /// <summary>SHA-256 of the place request, so the same key with a different request is refused.</summary>
    public required string RequestHash { get; set; }
    public required string PlaceTransactionId { get; set; }
    public DateTimeOffset PlacedAt { get; set; }
    /// <summary>A placed or accepted order past this time expires; the pharmacy's reservation for it carries the same expiry.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>On acceptance: SHA-256 of the reservation id and a salt (both only inside <see cref="AcceptNote"/>).</summary>
    public string? ReservationCommitment { get; set; }
    /// <summary>On acceptance: the reservation id and salt sealed for the pharmacy's organization key (SealedSecret JSON).</summary>
    public byte[]? AcceptNote { get; set; }
    public string? DeclineReason { get; set; }
}

internal sealed class OrderConfiguration : IEntityTypeConfiguration<Order>
{
    public void Configure(EntityTypeBuilder<Order> b)
    {
        b.ToTable("orders", t => t.HasCheckConstraint("ck_orders_amount", "\"Amount\" > 0"));
        b.HasKey(x => x.Id);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.Property(x => x.ContentHash).HasMaxLength(64);
        b.Property(x => x.IdempotencyKey).HasMaxLength(OrderLimits.IdempotencyKey);
        b.Property(x => x.RequestHash).HasMaxLength(64);
        b.Property(x => x.PlaceTransactionId).HasMaxLength(64);
        b.Property(x => x.ReservationCommitment).HasMaxLength(64);
        b.Property(x => x.DeclineReason).HasMaxLength(32);
        // One order per patient and Idempotency-Key: of concurrent retries one inserts, the others find it.
        b.HasIndex(x => new { x.PatientId, x.IdempotencyKey }).IsUnique();
        b.HasIndex(x => x.PlaceTransactionId).IsUnique();
        b.HasIndex(x => new { x.PharmacyId, x.Status });
        b.HasIndex(x => new { x.PatientId, x.PlacedAt });
    }
}

internal static class OrderLimits
{
    public const int IdempotencyKey = 128;
    public const int Sealed = 64 * 1024;
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(3);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(14);
}
