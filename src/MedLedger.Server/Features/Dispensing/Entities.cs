using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Dispensing;

/// <summary>
/// A prescription's limits as its prescriptions.issue put them on the ledger (the ledger decides; this is the mirror the
/// lists are served from). No drug, dose or name: the MedicationRequest itself is a sealed record.
/// </summary>
public sealed class Prescription
{
    public Guid Id { get; set; }
    public Guid RecordId { get; set; }
    public int RecordVersion { get; set; }
    public Guid PatientId { get; set; }
    public Guid PrescriberId { get; set; }
    /// <summary>The sealed version's header hash, as the issue transaction and the records.write anchor carry it.</summary>
    public required string HeaderHash { get; set; }
    public int TotalUnits { get; set; }
    public int MaxFills { get; set; }
    public DateTimeOffset ValidUntil { get; set; }
    /// <summary>"active" or "cancelled", as on the ledger.</summary>
    public required string Status { get; set; }
    public required string IssueTransactionId { get; set; }
    public DateTimeOffset IssuedAt { get; set; }
    public string? CancelTransactionId { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
}

/// <summary>One committed pharmacy.dispense. (PrescriptionId, FillNumber) is unique, as the ledger's create-once key.</summary>
public sealed class PrescriptionFill
{
    public Guid Id { get; set; }
    public Guid PrescriptionId { get; set; }
    public Guid PatientId { get; set; }
    public int FillNumber { get; set; }
    public int Quantity { get; set; }
    public Guid PharmacistId { get; set; }
    public Guid PharmacyId { get; set; }
    public required string TransactionId { get; set; }
    public DateTimeOffset DispensedAt { get; set; }
}

/// <summary>
/// Stock taken for a fill whose pharmacy.dispense is not settled yet. Written in the same database transaction as the stock
/// take, before the ledger sees the fill; removed with the fill's rows once the ledger commits it, or with the stock put
/// back once the ledger refuses it. One left over after a crash is settled at the next start (<see cref="DispenseStockRepair"/>).
/// </summary>
public sealed class DispenseStockHold
{
    /// <summary>The pharmacy.dispense transaction id.</summary>
    public required string TransactionId { get; set; }
    public Guid PharmacyId { get; set; }
    /// <summary>The stock take (<c>StockTaken.OperationId</c>) to put back if the fill never commits.</summary>
    public Guid StockOperationId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class PrescriptionConfiguration : IEntityTypeConfiguration<Prescription>
{
    public void Configure(EntityTypeBuilder<Prescription> b)
    {
        b.ToTable("prescriptions");
        b.HasKey(x => x.Id);
        b.HasIndex(x => x.PatientId);
        b.HasIndex(x => x.PrescriberId);
        b.HasIndex(x => x.RecordId).IsUnique();
        b.Property(x => x.HeaderHash).HasMaxLength(64);
        b.Property(x => x.Status).HasMaxLength(16);
        b.Property(x => x.IssueTransactionId).HasMaxLength(64);
        b.Property(x => x.CancelTransactionId).HasMaxLength(64);
    }
}

internal sealed class PrescriptionFillConfiguration : IEntityTypeConfiguration<PrescriptionFill>
{
    public void Configure(EntityTypeBuilder<PrescriptionFill> b)
    {
        b.ToTable("prescription_fills");
        b.HasKey(x => x.Id);
        b.HasIndex(x => new { x.PrescriptionId, x.FillNumber }).IsUnique();
        b.HasIndex(x => x.PatientId);
        b.Property(x => x.TransactionId).HasMaxLength(64);
    }
}

internal sealed class DispenseStockHoldConfiguration : IEntityTypeConfiguration<DispenseStockHold>
{
    public void Configure(EntityTypeBuilder<DispenseStockHold> b)
    {
        b.ToTable("dispense_stock_holds");
        b.HasKey(x => x.TransactionId);
        b.Property(x => x.TransactionId).HasMaxLength(64);
    }
}
