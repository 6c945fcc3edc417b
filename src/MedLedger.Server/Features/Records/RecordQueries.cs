using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Records;

/// <summary>
/// The lookups every record write and read makes, compiled once per EF model (<see cref="PerModel{T}"/>): EF's per-call
/// query-cache lookup hashes the whole expression tree, and these run several times per request.
/// </summary>
internal sealed record RecordRead(MedicalRecord Record, RecordVersion Version, RecordWrap? Wrap, string NewestTransactionId);

internal sealed class RecordQueries
{
    private static readonly PerModel<RecordQueries> PerModel = new(() => new RecordQueries());

    public static RecordQueries For(MedLedgerDbContext db) => PerModel.For(db);

    public readonly Func<MedLedgerDbContext, Guid, CancellationToken, Task<MedicalRecord?>> Record =
        EF.CompileAsyncQuery((MedLedgerDbContext db, Guid id, CancellationToken ct) =>
            db.Set<MedicalRecord>().AsNoTracking().FirstOrDefault(r => r.Id == id));

    /// <summary>
    /// A read in one statement: the record, the asked version (the newest when null), the reader's wrap of it (null when
    /// none) and the newest version's records.write transaction. Null when the record or the version does not exist; the
    /// caller then looks again step by step, so each case still gets its own answer.
    /// </summary>
    public readonly Func<MedLedgerDbContext, Guid, int?, Guid, CancellationToken, Task<RecordRead?>> Read =
        EF.CompileAsyncQuery((MedLedgerDbContext db, Guid id, int? version, Guid readerId, CancellationToken ct) =>
            (from r in db.Set<MedicalRecord>().AsNoTracking()
             where r.Id == id
             join v in db.Set<RecordVersion>().AsNoTracking() on r.Id equals v.RecordId
             where v.Version == (version ?? r.LatestVersion)
             join newest in db.Set<RecordVersion>().AsNoTracking() on new { r.Id, Version = r.LatestVersion } equals new { Id = newest.RecordId, newest.Version }
             from w in db.Set<RecordWrap>().AsNoTracking().Where(w => w.RecordId == v.RecordId && w.Version == v.Version && w.ReaderId == readerId).DefaultIfEmpty()
             select new RecordRead(r, v, w, newest.LedgerTransactionId)).FirstOrDefault());

    /// <summary>The records.write transaction of the record's newest version (null when it has none).</summary>
    public readonly Func<MedLedgerDbContext, Guid, CancellationToken, Task<string?>> LatestTransactionId =
        EF.CompileAsyncQuery((MedLedgerDbContext db, Guid id, CancellationToken ct) =>
            db.Set<RecordVersion>().AsNoTracking().Where(v => v.RecordId == id).OrderByDescending(v => v.Version)
                .Select(v => v.LedgerTransactionId).FirstOrDefault());
}
