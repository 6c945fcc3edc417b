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
        var found = await QueryFor(reader.Id).Where(x => x.Profile.PatientId == patientId).FirstOrDefaultAsync(ct);
        if (found is null || !await parties.IncludesAsync(patientId, reader, ct))
        {
            throw ProblemException.NotFound($"A profile of patient {patientId} shared with you");
        }
        return ToResponse(found.Profile, found.Wrap);
    }

    public async Task<IReadOnlyList<SharedProfileResponse>> SharedWithMeAsync(Caller reader, CancellationToken ct)
    {
        var found = await QueryFor(reader.Id).OrderBy(x => x.Profile.PatientId).Take(1000).ToListAsync(ct);
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

    private IQueryable<ProfileWithWrap> QueryFor(Guid readerId) =>
        from w in db.Set<ProfileWrap>().AsNoTracking()
        join p in db.Set<SealedPatientProfile>().AsNoTracking() on w.PatientId equals p.PatientId
        where w.ReaderId == readerId && w.Version == p.Version
        select new ProfileWithWrap(p, w);

    private static SharedProfileResponse ToResponse(SealedPatientProfile p, ProfileWrap w) =>
        new(p.PatientId, p.Version, p.Nonce, p.Ciphertext, p.Signature, p.UpdatedAt, new ProfileWrapDto(w.ReaderId, w.RecipientKeyId, w.Enc, w.WrappedKey));

    private sealed record ProfileWithWrap(SealedPatientProfile Profile, ProfileWrap Wrap);
}
