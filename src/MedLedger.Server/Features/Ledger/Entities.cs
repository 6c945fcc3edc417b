using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Ledger;

/// <summary>
/// What a request will store once its transaction commits, saved before the transaction is submitted. If the
/// process dies between the ledger commit and the rows, the next start (or the next conflict) finds this row,
/// sees the committed transaction and writes the rows from it; a transaction the ledger never committed (or
/// refused) just drops it. Rows is the owning feature's JSON (ids, hashes, wraps: what the server stores anyway).
/// </summary>
public sealed class PendingLedgerWrite
{
    public required string TransactionId { get; set; }
    public required string Type { get; set; }
    public required string Rows { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class PendingLedgerWriteConfiguration : IEntityTypeConfiguration<PendingLedgerWrite>
{
    public void Configure(EntityTypeBuilder<PendingLedgerWrite> b)
    {
        b.ToTable("pending_ledger_writes");
        b.HasKey(x => x.TransactionId);
        b.Property(x => x.TransactionId).HasMaxLength(64);
        b.Property(x => x.Type).HasMaxLength(128);
    }
}

/// <summary>
/// One run of `medledger ledger verify` against this database: when, up to which block, and its verdict (the first problem
/// found, which names ids and heights only). The admin's dashboard shows the newest.
/// </summary>
public sealed class LedgerVerifyRun
{
    public long Id { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset FinishedAt { get; set; }
    public long HeadHeight { get; set; }
    public bool Ok { get; set; }
    public required string Summary { get; set; }
}

internal sealed class LedgerVerifyRunConfiguration : IEntityTypeConfiguration<LedgerVerifyRun>
{
    public void Configure(EntityTypeBuilder<LedgerVerifyRun> b)
    {
        b.ToTable("ledger_verify_runs");
        b.HasKey(x => x.Id);
        b.Property(x => x.Summary).HasMaxLength(LedgerVerifyRuns.MaxSummary);
        b.HasIndex(x => x.FinishedAt);
    }
}
