using MedLedger.Crypto;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Profiles;

/// <summary>
/// A patient stores a new version of their sealed profile (every wrap replaced: a party left out loses access going
/// forward), adds wraps of the current version for parties who lack one, and asks who their parties are.
/// </summary>
public sealed class ProfileWriteService(MedLedgerDbContext db, AccountDirectory accounts, ProfileParties parties, TimeProvider clock)
{
    private const int MaxCiphertextBytes = 16 * 1024;
    private const int MaxWraps = 2000;

    public async Task<SharedProfileResponse> WriteAsync(Caller patient, ProfileWriteRequest r, CancellationToken ct)
    {
        new Validator()
            .Require(r.Version >= 1, "version", "Versions start at 1.")
            .Require(r.Nonce.Length == 12, "nonce", "The nonce is 12 bytes.")
            .Require(r.Ciphertext.Length is >= 16 and <= MaxCiphertextBytes, "ciphertext", $"The sealed profile is 16 to {MaxCiphertextBytes} bytes.")
            .Require(r.Signature.Length == Signatures.SignatureLength, "signature", "The signature is 64 bytes.")
            .ThrowIfInvalid();
        var signingKey = await accounts.SigningKeyOfAsync(patient.Id, ct);
        if (!Signatures.Verify(signingKey, PatientProfiles.SignedBytes(patient.Id.ToString(), r.Version, r.Nonce, r.Ciphertext), r.Signature))
        {
            throw ProblemException.Invalid("signature", "The profile is not signed with your registered signing key.");
        }
        var wraps = await CheckWrapsAsync(patient.Id, r.Wraps, r.Version, ct);
        if (!wraps.Any(w => w.ReaderId == patient.Id))
        {
            throw ProblemException.Invalid("wraps", "Wrap the profile key for yourself too.");
        }

        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The version is the concurrency token: of two writers of the same next version, one updates (or inserts) and the other gets a 409.
        var updated = await db.Set<SealedPatientProfile>().Where(p => p.PatientId == patient.Id && p.Version == r.Version - 1)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Version, r.Version).SetProperty(p => p.Nonce, r.Nonce).SetProperty(p => p.Ciphertext, r.Ciphertext)
                .SetProperty(p => p.Signature, r.Signature).SetProperty(p => p.UpdatedAt, now), ct);
        if (updated == 0)
        {
            if (r.Version != 1)
            {
                throw ProblemException.Conflict("Your profile has changed since you read it; read it again and write the next version.");
            }
            db.Add(new SealedPatientProfile { PatientId = patient.Id, Version = 1, Nonce = r.Nonce, Ciphertext = r.Ciphertext, Signature = r.Signature, UpdatedAt = now });
        }
        await db.Set<ProfileWrap>().Where(w => w.PatientId == patient.Id).ExecuteDeleteAsync(ct);
        db.AddRange(wraps);
        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw ProblemException.Conflict("Your profile has changed since you read it; read it again and write the next version.");
        }
        var own = wraps.Single(w => w.ReaderId == patient.Id);
        return new SharedProfileResponse(patient.Id, r.Version, r.Nonce, r.Ciphertext, r.Signature, now, new ProfileWrapDto(own.ReaderId, own.RecipientKeyId, own.Enc, own.WrappedKey));
    }

    public async Task AddWrapsAsync(Caller patient, ProfileWrapsRequest r, CancellationToken ct)
    {
        var wraps = await CheckWrapsAsync(patient.Id, r.Wraps, r.Version, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var current = await db.Set<SealedPatientProfile>().AsNoTracking().Where(p => p.PatientId == patient.Id).Select(p => (long?)p.Version).FirstOrDefaultAsync(ct)
            ?? throw ProblemException.NotFound("Your profile");
        if (current != r.Version)
        {
            throw ProblemException.Conflict($"Your profile is at version {current}; wrap that version's key.");
        }
        var readers = wraps.Select(w => w.ReaderId).ToList();
        await db.Set<ProfileWrap>().Where(w => w.PatientId == patient.Id && readers.Contains(w.ReaderId)).ExecuteDeleteAsync(ct);
        db.AddRange(wraps);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<ProfilePartyResponse>> PartiesAsync(Caller patient, CancellationToken ct)
    {
        var list = await parties.OfPatientAsync(patient.Id, ct);
        var keys = (await accounts.ActiveKeysAsync(list.Select(p => p.UserId).ToList(), ct)).ToDictionary(k => k.Id);
        var version = await db.Set<SealedPatientProfile>().AsNoTracking().Where(p => p.PatientId == patient.Id).Select(p => (long?)p.Version).FirstOrDefaultAsync(ct);
        var wrapped = (await db.Set<ProfileWrap>().AsNoTracking().Where(w => w.PatientId == patient.Id && w.Version == version)
            .Select(w => new { w.ReaderId, w.RecipientKeyId }).ToListAsync(ct)).ToDictionary(w => w.ReaderId, w => w.RecipientKeyId);
        return list.Where(p => keys.ContainsKey(p.UserId)).Select(p =>
        {
            var k = keys[p.UserId];
            // A wrap for a key the party has since rotated away from counts as missing.
            var isWrapped = wrapped.TryGetValue(p.UserId, out var keyId) && keyId == KeyFingerprints.EncryptionKeyId(k.EncryptionPublicKey);
            return new ProfilePartyResponse(p.UserId, k.Role, p.Relation, p.HospitalId, k.EncryptionPublicKey, k.SigningPublicKey, isWrapped);
        }).ToList();
    }

    private async Task<List<ProfileWrap>> CheckWrapsAsync(Guid patientId, IReadOnlyList<ProfileWrapDto> wraps, long version, CancellationToken ct)
    {
        new Validator()
            .Require(wraps.Count is >= 1 and <= MaxWraps, "wraps", $"Between 1 and {MaxWraps} wraps.")
            .Require(wraps.Select(w => w.ReaderId).Distinct().Count() == wraps.Count, "wraps", "One wrap per reader.")
            .Require(wraps.All(w => w.Enc.Length == 65 && w.WrappedKey.Length == PatientProfiles.KeyLength + 16 && w.RecipientKeyId.Length == 64),
                "wraps", "A wrap is a 64-hex-digit key id, a 65-byte enc and a 48-byte wrapped key.")
            .ThrowIfInvalid();
        var allowed = (await parties.OfPatientAsync(patientId, ct)).Select(p => p.UserId).ToHashSet();
        var keys = (await accounts.ActiveKeysAsync(wraps.Select(w => w.ReaderId).ToList(), ct)).ToDictionary(k => k.Id);
        foreach (var w in wraps)
        {
            if (!allowed.Contains(w.ReaderId) || !keys.TryGetValue(w.ReaderId, out var k))
            {
                throw ProblemException.Invalid("wraps", $"{w.ReaderId} is not one of your parties (grantee, assigned doctor, staff of your hospital).");
            }
            if (w.RecipientKeyId != KeyFingerprints.EncryptionKeyId(k.EncryptionPublicKey))
            {
                throw ProblemException.Invalid("wraps", $"The wrap for {w.ReaderId} is not sealed to their registered encryption key.");
            }
        }
        return wraps.Select(w => new ProfileWrap { PatientId = patientId, ReaderId = w.ReaderId, Version = version, RecipientKeyId = w.RecipientKeyId, Enc = w.Enc, WrappedKey = w.WrappedKey }).ToList();
    }
}
