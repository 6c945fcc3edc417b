using MedLedger.Server.Infrastructure.Data;
using Microsoft.Data.Sqlite;
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

    /// <summary>
    /// <see cref="Read"/> in SQLite's SQL, run on a read connection that keeps it prepared (<see cref="SqliteReadConnections"/>):
    /// the same rows, the same null when the record or the version does not exist.
    /// </summary>
    public static readonly SqliteRead ReadSql = new("""
        SELECT r.Id, r.PatientId, r.Category, r.LatestVersion, r.CreatedAt, r.UpdatedAt, r.ConcurrencyStamp,
               v.Version, v.AuthorId, v.ContentType, v.CreatedAtMs, v.Nonce, v.KeyCommitment, v.Signature, v.CiphertextHash,
               v.CiphertextLength, v.HeaderHash, v.LedgerTransactionId, v.StoredAt,
               w.ReaderId, w.ReaderKeyId, w.Enc, w.WrappedKey, w.GrantId,
               n.LedgerTransactionId
        FROM records AS r
        INNER JOIN record_versions AS v ON v.RecordId = r.Id AND v.Version = COALESCE($version, r.LatestVersion)
        INNER JOIN record_versions AS n ON n.RecordId = r.Id AND n.Version = r.LatestVersion
        LEFT JOIN record_wraps AS w ON w.RecordId = v.RecordId AND w.Version = v.Version AND w.ReaderId = $reader
        WHERE r.Id = $id
        LIMIT 1
        """, "$id", "$version", "$reader");

    public static RecordRead? ReadSqlite(SqliteReadConnections reads, Guid id, int? version, Guid readerId) =>
        reads.Run(ReadSql, [SqliteReadConnections.GuidText(id), version, SqliteReadConnections.GuidText(readerId)], ReadRow);

    // Columns as EF stores them on SQLite: GUIDs as text, times as unix milliseconds.
    private static RecordRead? ReadRow(SqliteDataReader r)
    {
        if (!r.Read())
        {
            return null;
        }
        var record = new MedicalRecord
        {
            Id = r.GetGuid(0), PatientId = r.GetGuid(1), Category = r.GetString(2), LatestVersion = r.GetInt32(3),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)),
            ConcurrencyStamp = r.GetGuid(6),
        };
        var version = new RecordVersion
        {
            RecordId = record.Id, Version = r.GetInt32(7), AuthorId = r.GetGuid(8), ContentType = r.GetString(9), CreatedAtMs = r.GetInt64(10),
            Nonce = (byte[])r.GetValue(11), KeyCommitment = (byte[])r.GetValue(12), Signature = (byte[])r.GetValue(13), CiphertextHash = r.GetString(14),
            CiphertextLength = r.GetInt64(15), HeaderHash = r.GetString(16), LedgerTransactionId = r.GetString(17),
            StoredAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(18)),
        };
        var wrap = r.IsDBNull(19) ? null : new RecordWrap
        {
            RecordId = record.Id, Version = version.Version, ReaderId = r.GetGuid(19), ReaderKeyId = r.GetString(20),
            Enc = (byte[])r.GetValue(21), WrappedKey = (byte[])r.GetValue(22), GrantId = r.IsDBNull(23) ? null : r.GetGuid(23),
        };
        return new RecordRead(record, version, wrap, r.GetString(24));
    }
}
