using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Pharmacy;

public enum StockReservationStatus
{
    /// <summary>Stock taken, the pharmacist's pharmacy.stock-reservation not yet committed (a refusal or a crash releases it).</summary>
    Pending,
    Held,
    Released,
    Collected,
    Expired,
}

/// <summary>
/// Units a pharmacy holds back for someone, taken from stock as a sale (movement kind Sold, reference the reservation id) and
/// put back if released or expired. Names the pharmacy and counts only: no order, no patient (docs/pharmacy.md, "Orders").
/// </summary>
public sealed class StockReservation
{
    public Guid Id { get; set; }
    public Guid PharmacyId { get; set; }
    public StockReservationStatus Status { get; set; }
    public int Units { get; set; }
    /// <summary>After this the server releases the reservation itself (a peer-signed expire), knowing nothing of what it was for.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
    /// <summary>The pharmacy.stock-reservation that reserved it.</summary>
    public required string TransactionId { get; set; }
    public Guid ReservedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
}

/// <summary>One medicine of a reservation and the stock take (OperationId) that holds its units.</summary>
public sealed class StockReservationLine
{
    public Guid ReservationId { get; set; }
    public Guid MedicineId { get; set; }
    public int Quantity { get; set; }
    public Guid OperationId { get; set; }
}

internal sealed class StockReservationConfiguration : IEntityTypeConfiguration<StockReservation>, IEntityTypeConfiguration<StockReservationLine>
{
    public void Configure(EntityTypeBuilder<StockReservation> b)
    {
        b.ToTable("pharmacy_stock_reservations", t => t.HasCheckConstraint("ck_pharmacy_stock_reservations_units", "\"Units\" > 0"));
        b.HasKey(x => x.Id);
        b.Property(x => x.TransactionId).HasMaxLength(64);
        b.HasIndex(x => x.TransactionId).IsUnique();
        // The expiry sweep looks for held reservations past their time.
        b.HasIndex(x => new { x.PharmacyId, x.Status, x.ExpiresAt });
    }

    public void Configure(EntityTypeBuilder<StockReservationLine> b)
    {
        b.ToTable("pharmacy_stock_reservation_lines", t => t.HasCheckConstraint("ck_pharmacy_stock_reservation_lines_quantity", "\"Quantity\" > 0"));
        b.HasKey(x => new { x.ReservationId, x.MedicineId });
    }
}
