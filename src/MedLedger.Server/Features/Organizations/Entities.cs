using MedLedger.Server.Features.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Organizations;

public enum OrganizationKind
{
    Hospital,
    Pharmacy,
    Insurer,
}

/// <summary>A hospital, pharmacy or insurer. Directory data, public by nature; not medical content.</summary>
public sealed class Organization
{
    public Guid Id { get; set; }
    public OrganizationKind Kind { get; set; }
    public required string Name { get; set; }
    public required string Address { get; set; }

    /// <summary>The registration (hospital, insurer) or licence (pharmacy) number the admin checks against the public register; on the card.</summary>
    public required string RegistrationNumber { get; set; }
    public double Latitude { get; set; }
    public double Longitude { get; set; }
    public string? ContactPhone { get; set; }
    public string? ContactEmail { get; set; }
    public VerificationStatus Verification { get; set; }
    public string? VerificationReason { get; set; }

    /// <summary>
    /// When staff changed the card (name, address, location, registration number) after an admin decided: the
    /// organization is back in the admin's queue. Its old approval no longer matches the card, so clients already show
    /// it as not verified; the directory keeps listing it so patients can still reach it meanwhile.
    /// </summary>
    public DateTimeOffset? CardChangedAt { get; set; }

    /// <summary>
    /// An admin suspended the organization (identity.org-standing on the ledger; this row follows it): it leaves search
    /// and pickers and takes no new bookings, orders, applications or claims; what it holds stays readable.
    /// </summary>
    public bool Suspended { get; set; }

    /// <summary>The reason code of the newest standing change (<see cref="MedLedger.Ledger.Contracts.OrganizationStandingContract.Reasons"/>).</summary>
    public string? StandingReason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();
}

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> b)
    {
        b.ToTable("organizations");
        b.HasKey(x => x.Id);
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Address).HasMaxLength(500);
        b.Property(x => x.RegistrationNumber).HasMaxLength(60);
        b.Property(x => x.ContactPhone).HasMaxLength(40);
        b.Property(x => x.ContactEmail).HasMaxLength(254);
        b.Property(x => x.VerificationReason).HasMaxLength(500);
        b.Property(x => x.StandingReason).HasMaxLength(40);
        b.HasIndex(x => new { x.Kind, x.Verification });
        b.HasIndex(x => new { x.Latitude, x.Longitude });
        b.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
    }
}
