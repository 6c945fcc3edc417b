using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Consent;

public enum ConsentScopeKind
{
    All,
    Categories,
    Records,
}

/// <summary>Server mirror of a committed consent.grant: what the ledger anchors by hash, spelled out for enforcement.</summary>
public sealed class ConsentGrant
{
    public Guid Id { get; set; }
    public Guid PatientId { get; set; }
    public Guid GranteeId { get; set; }
    public ConsentScopeKind Scope { get; set; }
    /// <summary>Comma-separated categories or record ids (by scope).</summary>
    public string ScopeItems { get; set; } = "";
    public required string Purpose { get; set; }
    /// <summary>The client's salt of the ledger's purposeCommitment: returned to the patient and the grantee, never on the ledger.</summary>
    public byte[] PurposeSalt { get; set; } = [];
    public DateTimeOffset? ExpiresAt { get; set; }
    /// <summary>The appointment an appointment-scoped grant names (its consent.grant's appointmentId); null for other grants.</summary>
    public Guid? AppointmentId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public required string GrantTransactionId { get; set; }
    public string? RevokeTransactionId { get; set; }
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();

    public IReadOnlyList<string> Items => ScopeItems.Length == 0 ? [] : ScopeItems.Split(',');

    public bool IsActive(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);

    public ActiveGrant ToActiveGrant() => new(Id, PatientId, GranteeId, Scope, Items, ExpiresAt, GrantTransactionId, AppointmentId);
}

internal sealed class ConsentGrantConfiguration : IEntityTypeConfiguration<ConsentGrant>
{
    public void Configure(EntityTypeBuilder<ConsentGrant> b)
    {
        b.ToTable("consent_grants");
        b.HasKey(x => x.Id);
        b.Property(x => x.ScopeItems).HasMaxLength(8000);
        b.Property(x => x.Purpose).HasMaxLength(32);
        b.Property(x => x.PurposeSalt).HasMaxLength(MedLedger.Crypto.FactCommitment.SaltLength);
        b.Property(x => x.GrantTransactionId).HasMaxLength(64);
        b.Property(x => x.RevokeTransactionId).HasMaxLength(64);
        b.HasIndex(x => new { x.PatientId, x.GranteeId });
        b.HasIndex(x => x.GranteeId);
        b.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
        b.Ignore(x => x.Items);
    }
}
