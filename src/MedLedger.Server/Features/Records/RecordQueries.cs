using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Records;

/// <summary>
/// The lookups every record write and read makes, compiled once per EF model (<see cref="PerModel{T}"/>): EF's per-call
/// query-cache lookup hashes the whole expression tree, and these run several times per request.
/// </summary>
internal sealed class RecordQueries
{
    private static readonly PerModel<RecordQueries> PerModel = new(() => new RecordQueries());

    public static RecordQueries For(MedLedgerDbContext db) => PerModel.For(db);

    public readonly Func<MedLedgerDbContext, Guid, CancellationToken, Task<MedicalRecord?>> Record =
        EF.CompileAsyncQuery((MedLedgerDbContext db, Guid id, CancellationToken ct) =>
            db.Set<MedicalRecord>().AsNoTracking().FirstOrDefault(r => r.Id == id));

    public readonly Func<MedLedgerDbContext, Guid, int, CancellationToken, Task<RecordVersion?>> Version =
        EF.CompileAsyncQuery((MedLedgerDbContext db, Guid id, int version, CancellationToken ct) =>
            db.Set<RecordVersion>().AsNoTracking().FirstOrDefault(v => v.RecordId == id && v.Version == version));

    public readonly Func<MedLedgerDbContext, Guid, int, Guid, CancellationToken, Task<RecordWrap?>> Wrap =
        EF.CompileAsyncQuery((MedLedgerDbContext db, Guid id, int version, Guid readerId, CancellationToken ct) =>
            db.Set<RecordWrap>().AsNoTracking().FirstOrDefault(w => w.RecordId == id && w.Version == version && w.ReaderId == readerId));

    /// <summary>The records.write transaction of the record's newest version (null when it has none).</summary>
    public readonly Func<MedLedgerDbContext, Guid, CancellationToken, Task<string?>> LatestTransactionId =
        EF.CompileAsyncQuery((MedLedgerDbContext db, Guid id, CancellationToken ct) =>
            db.Set<RecordVersion>().AsNoTracking().Where(v => v.RecordId == id).OrderByDescending(v => v.Version)
                .Select(v => v.LedgerTransactionId).FirstOrDefault());
}
