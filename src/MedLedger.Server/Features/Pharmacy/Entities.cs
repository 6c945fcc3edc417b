using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Pharmacy;

public enum MedicineForm
{
    Tablet,
    Capsule,
    Liquid,
    Injection,
    Cream,
    Inhaler,
    Drops,
    Patch,
    Other,
}

/// <summary>Controlled-drug schedule (US CSA numbering; schedule I substances are never stocked).</summary>
public enum ControlledSchedule
{
    None,
    II,
    III,
    IV,
    V,
}

/// <summary>One medicine a pharmacy stocks: public directory data, no patient data.</summary>
public sealed class PharmacyMedicine
{
    public Guid Id { get; set; }
    public Guid PharmacyId { get; set; }
    public required string Name { get; set; }
    /// <summary>Lower-case, single-spaced name that search matches on.</summary>
    public required string NameKey { get; set; }
    public required string Strength { get; set; }
    public MedicineForm Form { get; set; }
    public int PackSize { get; set; }
    /// <summary>Price in the currency's minor unit (cents), never a float.</summary>
    public long PriceMinor { get; set; }
    public required string Currency { get; set; }
    public bool PrescriptionOnly { get; set; }
    public ControlledSchedule Schedule { get; set; }
    /// <summary>Below this many units on hand in unexpired lots the medicine is "low".</summary>
    public int ReorderLevel { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Bumped by every edit; an edit names the version it was made on, so two pharmacists editing at once never lose one's change silently.</summary>
    public int Version { get; set; } = 1;
    /// <summary>Set when the pharmacy stops stocking it: hidden from patients, no deliveries; what is left may still be sold, dispensed or written off.</summary>
    public DateTimeOffset? DiscontinuedAt { get; set; }
}

/// <summary>One price change of a catalogue medicine (price history); placed orders keep the price they were placed at.</summary>
public sealed class PharmacyPriceChange
{
    public Guid Id { get; set; }
    public Guid PharmacyId { get; set; }
    public Guid MedicineId { get; set; }
    public long OldPriceMinor { get; set; }
    public long NewPriceMinor { get; set; }
    public Guid ActorId { get; set; }
    public DateTimeOffset At { get; set; }
}

internal sealed class PharmacyPriceChangeConfiguration : IEntityTypeConfiguration<PharmacyPriceChange>
{
    public void Configure(EntityTypeBuilder<PharmacyPriceChange> b)
    {
        b.ToTable("pharmacy_price_changes");
        b.HasKey(x => x.Id);
        b.HasIndex(x => new { x.MedicineId, x.At });
    }
}

/// <summary>
/// A lot of one medicine and its running counters. Invariant, enforced by a CHECK constraint on both providers and kept by
/// conditional UPDATEs (never read-then-write): every counter &gt;= 0 (Adjusted is signed), Returned &lt;= Sold + Dispensed, and
/// OnHand = Received - Sold - Dispensed - WrittenOff + Returned + Adjusted.
/// </summary>
public sealed class StockLot
{
    public Guid Id { get; set; }
    public Guid PharmacyId { get; set; }
    public Guid MedicineId { get; set; }
    public required string LotNumber { get; set; }
    /// <summary>The lot is usable while today (UTC) is before this date; on the date itself it is expired.</summary>
    public DateOnly ExpiresOn { get; set; }
    public int Received { get; set; }
    public int Sold { get; set; }
    public int Dispensed { get; set; }
    public int WrittenOff { get; set; }
    public int Returned { get; set; }
    public int Adjusted { get; set; }
    public int OnHand { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public enum StockMovementKind
{
    Received,
    Adjusted,
    WrittenOff,
    Returned,
    Sold,
    Dispensed,
}

/// <summary>
/// One change to one lot, append-only. Quantity is positive except for adjustments (signed). A sale or dispense across
/// several lots shares one OperationId. Never names a patient.
/// </summary>
public sealed class StockMovement
{
    public Guid Id { get; set; }
    public Guid OperationId { get; set; }
    public Guid PharmacyId { get; set; }
    public Guid MedicineId { get; set; }
    public Guid LotId { get; set; }
    public StockMovementKind Kind { get; set; }
    public int Quantity { get; set; }
    public string? Reason { get; set; }
    public string? Reference { get; set; }
    /// <summary>The pharmacist who made the change; null when another feature took the stock (dispensing names the actor in its own rows).</summary>
    public Guid? ActorId { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>A pharmacy's organization public key (anchored by pharmacy.organization-key); its private key exists only sealed to each verified pharmacist.</summary>
public sealed class PharmacyOrganizationKey
{
    public Guid PharmacyId { get; set; }
    public required byte[] PublicKey { get; set; }
    public Guid UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>The pharmacy's organization private key sealed to one pharmacist; a new key drops every share of the old one.</summary>
public sealed class PharmacyKeyShare
{
    public Guid PharmacyId { get; set; }
    public Guid PharmacistId { get; set; }
    /// <summary>SealedSecret JSON (HPKE to the pharmacist's key), opaque to the server.</summary>
    public required byte[] Sealed { get; set; }
    /// <summary>Who sealed it: the publishing pharmacist, or the colleague who shared the key with a newly verified pharmacist.</summary>
    public Guid SealedBy { get; set; }
    /// <summary>Fingerprint of the key sealed here; a share whose key is no longer the pharmacy's is never handed out.</summary>
    public required string KeyId { get; set; }
}

internal sealed class PharmacyKeyConfiguration : IEntityTypeConfiguration<PharmacyOrganizationKey>, IEntityTypeConfiguration<PharmacyKeyShare>
{
    public void Configure(EntityTypeBuilder<PharmacyOrganizationKey> b)
    {
        b.ToTable("pharmacy_organization_keys");
        b.HasKey(x => x.PharmacyId);
    }

    public void Configure(EntityTypeBuilder<PharmacyKeyShare> b)
    {
        b.ToTable("pharmacy_key_shares");
        b.HasKey(x => new { x.PharmacyId, x.PharmacistId });
        b.HasIndex(x => x.PharmacistId);
        b.Property(x => x.KeyId).HasMaxLength(64);
    }
}

internal sealed class PharmacyMedicineConfiguration : IEntityTypeConfiguration<PharmacyMedicine>
{
    public void Configure(EntityTypeBuilder<PharmacyMedicine> b)
    {
        b.ToTable("pharmacy_medicines", t =>
            t.HasCheckConstraint("ck_pharmacy_medicines_numbers", "\"PackSize\" > 0 AND \"PriceMinor\" >= 0 AND \"ReorderLevel\" >= 0"));
        b.HasKey(x => x.Id);
        b.Property(x => x.Name).HasMaxLength(PharmacyLimits.Name);
        b.Property(x => x.NameKey).HasMaxLength(PharmacyLimits.Name);
        b.Property(x => x.Strength).HasMaxLength(PharmacyLimits.Strength);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.HasIndex(x => new { x.PharmacyId, x.NameKey, x.Strength, x.Form, x.PackSize }).IsUnique();
        // Patients search by name across pharmacies.
        b.HasIndex(x => x.NameKey);
    }
}

internal sealed class StockLotConfiguration : IEntityTypeConfiguration<StockLot>
{
    public void Configure(EntityTypeBuilder<StockLot> b)
    {
        b.ToTable("pharmacy_stock_lots", t =>
        {
            t.HasCheckConstraint("ck_pharmacy_stock_lots_counters",
                "\"Received\" >= 0 AND \"Sold\" >= 0 AND \"Dispensed\" >= 0 AND \"WrittenOff\" >= 0 AND \"Returned\" >= 0 AND \"OnHand\" >= 0"
                + " AND \"Returned\" <= \"Sold\" + \"Dispensed\"");
            t.HasCheckConstraint("ck_pharmacy_stock_lots_identity",
                "\"OnHand\" = \"Received\" - \"Sold\" - \"Dispensed\" - \"WrittenOff\" + \"Returned\" + \"Adjusted\"");
        });
        b.HasKey(x => x.Id);
        b.Property(x => x.LotNumber).HasMaxLength(PharmacyLimits.LotNumber);
        b.HasIndex(x => new { x.MedicineId, x.LotNumber }).IsUnique();
        // Taking walks a medicine's lots earliest expiry first.
        b.HasIndex(x => new { x.MedicineId, x.ExpiresOn });
        b.HasIndex(x => new { x.PharmacyId, x.ExpiresOn });
    }
}

internal sealed class StockMovementConfiguration : IEntityTypeConfiguration<StockMovement>
{
    public void Configure(EntityTypeBuilder<StockMovement> b)
    {
        b.ToTable("pharmacy_stock_movements");
        b.HasKey(x => x.Id);
        b.Property(x => x.Reason).HasMaxLength(PharmacyLimits.Reason);
        b.Property(x => x.Reference).HasMaxLength(PharmacyLimits.Reference);
        b.HasIndex(x => new { x.PharmacyId, x.At });
        b.HasIndex(x => new { x.LotId, x.At });
        b.HasIndex(x => x.OperationId);
    }
}

internal static class PharmacyLimits
{
    public const int Name = 120;
    public const int Strength = 40;
    public const int LotNumber = 40;
    public const int Reason = 200;
    public const int Reference = 100;
    public const int MaxQuantity = 1_000_000;
    public const int MaxPackSize = 10_000;
    public const long MaxPriceMinor = 100_000_000;
}
