using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Hospitals;

/// <summary>The hospital-specific part of a profile; name, address, coordinates and contact stay on the organization.</summary>
public sealed class HospitalProfile
{
    public Guid OrganizationId { get; set; }
    public string? VisitingRules { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();
}

public enum HospitalOfferingKind
{
    Department,
    Service,
}

/// <summary>A department or service a hospital offers. Key is the normalized name search filters on.</summary>
public sealed class HospitalOffering
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public HospitalOfferingKind Kind { get; set; }
    public required string Name { get; set; }
    public required string Key { get; set; }
}

/// <summary>
/// A ward's bed counts. Invariant (kept by conditional UPDATEs, never read-then-write):
/// 0 &lt;= Occupied, 0 &lt;= Held, Occupied + Held &lt;= Total.
/// </summary>
public sealed class BedWard
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public required string Name { get; set; }
    /// <summary>Lower-case key from the configured bed-type catalogue (extensible without a migration).</summary>
    public required string BedType { get; set; }
    public int Total { get; set; }
    public int Occupied { get; set; }
    public int Held { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public enum BookingStatus
{
    Held,
    Admitted,
    Released,
    Expired,
    Cancelled,
    /// <summary>The hold was taken but could not be recorded on the ledger; the bed was returned.</summary>
    Failed,
}

public sealed class BedBooking
{
    public Guid Id { get; set; }
    public Guid PatientId { get; set; }
    public Guid HospitalId { get; set; }
    public Guid WardId { get; set; }
    public required string BedType { get; set; }
    /// <summary>Salt of the beds.book bedTypeCommitment (the ledger never holds the bed type itself).</summary>
    public byte[] BedTypeSalt { get; set; } = [];
    public BookingStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public Guid? ClosedBy { get; set; }
    public string? BookTransactionId { get; set; }
    public string? CloseTransactionId { get; set; }
}

/// <summary>One review per patient per hospital (unique index), editable. Comment is stored as plain text.</summary>
public sealed class HospitalReview
{
    public Guid Id { get; set; }
    public Guid HospitalId { get; set; }
    public Guid PatientId { get; set; }
    public int Rating { get; set; }
    public string? Comment { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class HospitalProfileConfiguration : IEntityTypeConfiguration<HospitalProfile>
{
    public void Configure(EntityTypeBuilder<HospitalProfile> b)
    {
        b.ToTable("hospital_profiles");
        b.HasKey(x => x.OrganizationId);
        b.Property(x => x.VisitingRules).HasMaxLength(HospitalLimits.VisitingRules);
        b.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
    }
}

internal sealed class HospitalOfferingConfiguration : IEntityTypeConfiguration<HospitalOffering>
{
    public void Configure(EntityTypeBuilder<HospitalOffering> b)
    {
        b.ToTable("hospital_offerings");
        b.HasKey(x => x.Id);
        b.Property(x => x.Name).HasMaxLength(HospitalLimits.OfferingName);
        b.Property(x => x.Key).HasMaxLength(HospitalLimits.OfferingName);
        b.HasIndex(x => new { x.OrganizationId, x.Kind, x.Key }).IsUnique();
        // Search filters "hospitals offering service S": key first.
        b.HasIndex(x => new { x.Key, x.OrganizationId });
    }
}

internal sealed class BedWardConfiguration : IEntityTypeConfiguration<BedWard>
{
    public void Configure(EntityTypeBuilder<BedWard> b)
    {
        b.ToTable("bed_wards");
        b.HasKey(x => x.Id);
        b.Property(x => x.Name).HasMaxLength(HospitalLimits.WardName);
        b.Property(x => x.BedType).HasMaxLength(32);
        b.HasIndex(x => new { x.OrganizationId, x.Name }).IsUnique();
        b.HasIndex(x => new { x.OrganizationId, x.BedType });
        b.ToTable(t =>
        {
            t.HasCheckConstraint("ck_bed_wards_counts", "\"Occupied\" >= 0 AND \"Held\" >= 0 AND \"Occupied\" + \"Held\" <= \"Total\"");
        });
    }
}

internal sealed class BedBookingConfiguration : IEntityTypeConfiguration<BedBooking>
{
    public void Configure(EntityTypeBuilder<BedBooking> b)
    {
        b.ToTable("bed_bookings");
        b.HasKey(x => x.Id);
        b.Property(x => x.BedType).HasMaxLength(32);
        b.Property(x => x.BedTypeSalt).HasMaxLength(MedLedger.Crypto.FactCommitment.SaltLength);
        b.Property(x => x.BookTransactionId).HasMaxLength(64);
        b.Property(x => x.CloseTransactionId).HasMaxLength(64);
        b.HasIndex(x => new { x.HospitalId, x.Status });
        // One live hold per patient per hospital, enforced by the store so concurrent requests cannot both win.
        b.HasIndex(x => new { x.PatientId, x.HospitalId }).IsUnique().HasFilter("\"Status\" = 'Held'").HasDatabaseName("UX_bed_bookings_one_hold");
        b.HasIndex(x => new { x.PatientId, x.CreatedAt });
        // The expiry sweep scans held bookings by deadline.
        b.HasIndex(x => new { x.Status, x.ExpiresAt });
        b.HasIndex(x => x.CreatedAt);
    }
}

internal sealed class HospitalReviewConfiguration : IEntityTypeConfiguration<HospitalReview>
{
    public void Configure(EntityTypeBuilder<HospitalReview> b)
    {
        b.ToTable("hospital_reviews");
        b.HasKey(x => x.Id);
        b.Property(x => x.Comment).HasMaxLength(HospitalLimits.Comment);
        b.HasIndex(x => new { x.HospitalId, x.PatientId }).IsUnique();
        b.HasIndex(x => new { x.HospitalId, x.UpdatedAt });
    }
}

internal static class HospitalLimits
{
    public const int VisitingRules = 2000;
    public const int OfferingName = 100;
    public const int Offerings = 100;
    public const int WardName = 100;
    public const int Comment = 1000;
    public const int MaxBeds = 100_000;
}
