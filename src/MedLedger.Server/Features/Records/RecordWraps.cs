using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Records;

/// <summary>A version of a record a grant covers (what a patient's client must wrap for the grantee).</summary>
public sealed record CoveredVersion(Guid RecordId, int Version, string Category);

/// <summary>A data-key wrap a consent grant adds for its grantee.</summary>
public sealed record GrantedWrap(Guid RecordId, int Version, string ReaderKeyId, byte[] Enc, byte[] WrappedKey);

/// <summary>
/// The Records feature's service for consent: which versions a scope covers, and the grantee's wraps that a grant
/// adds and a revocation or expiry removes. Consent never touches the record tables itself.
/// </summary>
public sealed class RecordWraps(MedLedgerDbContext db)
{
    /// <summary>Every version of the patient's records whose record the predicate accepts (by id and category).</summary>
    public async Task<IReadOnlyList<CoveredVersion>> VersionsAsync(Guid patientId, Func<Guid, string, bool> covers, CancellationToken ct)
    {
        var records = await db.Set<MedicalRecord>().AsNoTracking().Where(r => r.PatientId == patientId).Select(r => new { r.Id, r.Category }).ToListAsync(ct);
        var covered = records.Where(r => covers(r.Id, r.Category)).ToDictionary(r => r.Id, r => r.Category);
        var ids = covered.Keys.ToList();
        var versions = await db.Set<RecordVersion>().AsNoTracking().Where(v => ids.Contains(v.RecordId)).Select(v => new { v.RecordId, v.Version }).ToListAsync(ct);
        return versions.Select(v => new CoveredVersion(v.RecordId, v.Version, covered[v.RecordId])).OrderBy(v => v.RecordId).ThenBy(v => v.Version).ToList();
    }

    /// <summary>
    /// Stages the grant's wraps in the current unit of work (saved with the grant). A grantee may already hold a wrap
    /// (e.g. as author, or via an earlier grant); that one is kept. One query, not one per wrap.
    /// </summary>
    public async Task AddForGrantAsync(Guid grantId, Guid granteeId, IReadOnlyCollection<GrantedWrap> wraps, CancellationToken ct)
    {
        var recordIds = wraps.Select(w => w.RecordId).Distinct().ToList();
        var held = (await db.Set<RecordWrap>().AsNoTracking().Where(x => x.ReaderId == granteeId && recordIds.Contains(x.RecordId))
            .Select(x => new { x.RecordId, x.Version }).ToListAsync(ct)).Select(x => (x.RecordId, x.Version)).ToHashSet();
        foreach (var w in wraps.Where(w => !held.Contains((w.RecordId, w.Version))))
        {
            db.Set<RecordWrap>().Add(new RecordWrap { RecordId = w.RecordId, Version = w.Version, ReaderId = granteeId, ReaderKeyId = w.ReaderKeyId, Enc = w.Enc, WrappedKey = w.WrappedKey, GrantId = grantId });
        }
    }

    /// <summary>Removes every wrap that exists because of one of these grants; returns how many.</summary>
    public Task<int> RemoveForGrantsAsync(IReadOnlyCollection<Guid> grantIds, CancellationToken ct) =>
        db.Set<RecordWrap>().Where(w => w.GrantId != null && grantIds.Contains(w.GrantId.Value)).ExecuteDeleteAsync(ct);
}
