using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Accounts;

/// <summary>The key directory: the caller's own wrapped bundle, anyone's public keys by id, the sealed profile.</summary>
public sealed class KeyDirectoryService(MedLedgerDbContext db)
{
    public async Task<OwnKeyBundleResponse> OwnKeyBundleAsync(Guid userId, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == userId, ct);
        var k = await db.KeyBundles.AsNoTracking().FirstOrDefaultAsync(b => b.UserId == userId, ct) ?? throw ProblemException.NotFound("Key bundle");
        return new OwnKeyBundleResponse(userId, new KdfParametersDto(user.KdfAlgorithm, user.KdfIterations, user.KdfSalt),
            k.SigningPublicKey, k.EncryptionPublicKey, k.PasswordWrappedPrivateKeys, k.RecoveryWrappedPrivateKeys);
    }

    public async Task<PublicKeysResponse> PublicKeysAsync(Guid userId, CancellationToken ct)
    {
        var row = await (from k in db.KeyBundles
                         join u in db.Users on k.UserId equals u.Id
                         where k.UserId == userId
                         select new PublicKeysResponse(u.Id, u.Role, k.SigningPublicKey, k.EncryptionPublicKey))
            .AsNoTracking().FirstOrDefaultAsync(ct);
        return row ?? throw ProblemException.NotFound($"User {userId}");
    }

    public async Task UpdateProfileAsync(Guid userId, ProfileUpdate update, CancellationToken ct)
    {
        if (update.EncryptedProfile is { Length: > AccountRules.MaxEncryptedProfileLength })
        {
            throw ProblemException.Invalid("encryptedProfile", "encryptedProfile must be at most 16 KiB.");
        }
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.EncryptedProfile, update.EncryptedProfile), ct);
    }
}
