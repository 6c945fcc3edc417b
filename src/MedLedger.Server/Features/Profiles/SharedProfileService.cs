using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Profiles;

/// <summary>
/// A reader fetches the sealed profiles wrapped for them: only with a wrap of the current version and only while they
/// are still one of the patient's parties. Anyone else gets the same 404 as for a patient without a profile.
/// </summary>
public sealed class SharedProfileService(MedLedgerDbContext db, ProfileParties parties)
{
    public async Task<SharedProfileResponse> ReadAsync(Caller reader, Guid patientId, CancellationToken ct)
    {
        var found = (await FindAsync(reader.Id, patientId, ct)).SingleOrDefault();
        if (found is null || !await parties.IncludesAsync(patientId, reader, ct))
        {
            throw ProblemException.NotFound($"A profile of patient {patientId} shared with you");
        }
        return ToResponse(found.Profile, found.Wrap);
    }

    public async Task<IReadOnlyList<SharedProfileResponse>> SharedWithMeAsync(Caller reader, CancellationToken ct)
    {
        var found = await FindAsync(reader.Id, null, ct);
        var result = new List<SharedProfileResponse>();
        foreach (var x in found)
        {
            if (await parties.IncludesAsync(x.Profile.PatientId, reader, ct))
            {
                result.Add(ToResponse(x.Profile, x.Wrap));
            }
        }
        return result;
    }

    /// <summary>The reader's wraps of current versions (one patient's, or all), each with its profile.</summary>
    private async Task<List<ProfileWithWrap>> FindAsync(Guid readerId, Guid? patientId, CancellationToken ct)
    {
        var wraps = await db.Set<ProfileWrap>().AsNoTracking()
            .Where(w => w.ReaderId == readerId && (patientId == null || w.PatientId == patientId)).OrderBy(w => w.PatientId).Take(1000).ToListAsync(ct);
        var ids = wraps.Select(w => w.PatientId).ToList();
        var profiles = await db.Set<SealedPatientProfile>().AsNoTracking().Where(p => ids.Contains(p.PatientId)).ToDictionaryAsync(p => p.PatientId, ct);
        return wraps.Where(w => profiles.TryGetValue(w.PatientId, out var p) && p.Version == w.Version)
            .Select(w => new ProfileWithWrap(profiles[w.PatientId], w)).ToList();
    }

    private static SharedProfileResponse ToResponse(SealedPatientProfile p, ProfileWrap w) =>
        new(p.PatientId, p.Version, p.Nonce, p.Ciphertext, p.Signature, p.UpdatedAt, new ProfileWrapDto(w.ReaderId, w.RecipientKeyId, w.Enc, w.WrappedKey));

    private sealed record ProfileWithWrap(SealedPatientProfile Profile, ProfileWrap Wrap);
}
