using System.Collections.Concurrent;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Accounts;

/// <summary>An account as other features may see it: role, organization and standing, never credentials.</summary>
public sealed record AccountStanding(Guid Id, Role Role, Guid? OrganizationId, VerificationStatus Verification, bool Suspended)
{
    /// <summary>Verified (or needing no verification) and not suspended.</summary>
    public bool CanAct => Verification is VerificationStatus.Approved or VerificationStatus.NotRequired && !Suspended;
}

/// <summary>A user's registered public keys with their role (what a client wraps and verifies for).</summary>
public sealed record AccountKeys(Guid Id, Role Role, Guid? OrganizationId, byte[] EncryptionPublicKey, byte[] SigningPublicKey);

/// <summary>A member of an organization as its directory shows them: id, role, standing, licence, sealed profile.</summary>
public sealed record OrganizationMember(Guid UserId, Role Role, VerificationStatus Verification, string? LicenseNumber, byte[]? EncryptedProfile);

/// <summary>
/// The Accounts feature's read side for other features: they ask here instead of reading the users and key bundle
/// tables themselves, so the rules of who counts as a verified doctor of a hospital live in one place.
/// </summary>
public sealed class AccountDirectory(MedLedgerDbContext db, RegisteredSigningKeys signingKeys)
{
    public Task<AccountStanding?> FindAsync(Guid userId, CancellationToken ct) =>
        db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new AccountStanding(u.Id, u.Role, u.OrganizationId, u.Verification, u.Suspended)).FirstOrDefaultAsync(ct);

    public Task<bool> ExistsAsync(Guid userId, Role role, CancellationToken ct) => db.Users.AnyAsync(u => u.Id == userId && u.Role == role, ct);

    public Task<Role> RoleOfAsync(Guid userId, CancellationToken ct) =>
        db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Role).FirstAsync(ct);

    public Task<string> EmailOfAsync(Guid userId, CancellationToken ct) =>
        db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Email).FirstAsync(ct);

    /// <summary>The registered signing key (authors' signatures are checked against it).</summary>
    public async Task<byte[]> SigningKeyOfAsync(Guid userId, CancellationToken ct)
    {
        if (signingKeys.Find(userId) is { } known)
        {
            return known;
        }
        var key = await db.KeyBundles.AsNoTracking().Where(k => k.UserId == userId).Select(k => k.SigningPublicKey).FirstAsync(ct);
        signingKeys.Remember(userId, key);
        return key;
    }

    /// <summary>Standing and encryption key of one user, or null when unknown.</summary>
    public async Task<(AccountStanding Standing, byte[] EncryptionPublicKey)?> WithEncryptionKeyAsync(Guid userId, CancellationToken ct)
    {
        var row = await (from u in db.Users join k in db.KeyBundles on u.Id equals k.UserId where u.Id == userId
                         select new { Standing = new AccountStanding(u.Id, u.Role, u.OrganizationId, u.Verification, u.Suspended), k.EncryptionPublicKey })
            .AsNoTracking().FirstOrDefaultAsync(ct);
        return row is null ? null : (row.Standing, row.EncryptionPublicKey);
    }

    /// <summary>Keys of the given users that are not suspended.</summary>
    public async Task<IReadOnlyList<AccountKeys>> ActiveKeysAsync(IReadOnlyCollection<Guid> userIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        var found = new List<AccountKeys>(userIds.Count);
        await foreach (var keys in AccountQueries.For(db).ActiveKeys(db, [.. userIds]).WithCancellation(ct))
        {
            found.Add(keys);
        }
        return found;
    }

    /// <summary>Of <paramref name="userIds"/>, those that are verified doctors of the hospital.</summary>
    public async Task<IReadOnlyList<Guid>> VerifiedDoctorsOfAsync(Guid hospitalId, IReadOnlyCollection<Guid> userIds, CancellationToken ct) =>
        await db.Users.Where(u => userIds.Contains(u.Id) && u.Role == Role.Doctor && u.OrganizationId == hospitalId && u.Verification == VerificationStatus.Approved)
            .Select(u => u.Id).ToListAsync(ct);

    /// <summary>The hospital's verified, active doctors in sign-up order: id and licence (names live in sealed profiles).</summary>
    public async Task<IReadOnlyList<(Guid Id, string? LicenseNumber)>> ActiveDoctorsOfAsync(Guid hospitalId, CancellationToken ct) =>
        (await db.Users.AsNoTracking()
            .Where(u => u.OrganizationId == hospitalId && u.Role == Role.Doctor && u.Verification == VerificationStatus.Approved && !u.Suspended)
            .OrderBy(u => u.CreatedAt).Select(u => new { u.Id, u.LicenseNumber }).ToListAsync(ct))
        .Select(u => (u.Id, u.LicenseNumber)).ToList();

    /// <summary>Of <paramref name="userIds"/>, the verified, active doctors with their public directory name and specialty (Appointments' doctor search).</summary>
    public async Task<IReadOnlyList<(Guid Id, string? DisplayName, string? Specialty)>> DoctorListingsAsync(IReadOnlyCollection<Guid> userIds, CancellationToken ct) =>
        (await db.Users.AsNoTracking()
            .Where(u => userIds.Contains(u.Id) && u.Role == Role.Doctor && u.Verification == VerificationStatus.Approved && !u.Suspended)
            .Select(u => new { u.Id, u.DisplayName, u.Specialty }).ToListAsync(ct))
        .Select(u => (u.Id, u.DisplayName, u.Specialty)).ToList();

    /// <summary>The verified, not suspended professionals of an organization: public directory data (ids and roles).</summary>
    public async Task<IReadOnlyList<(Guid UserId, Role Role)>> VerifiedProfessionalsOfAsync(Guid organizationId, CancellationToken ct) =>
        (await db.Users.AsNoTracking().Where(u => u.OrganizationId == organizationId && u.Verification == VerificationStatus.Approved && !u.Suspended)
            .OrderBy(u => u.CreatedAt).Select(u => new { u.Id, u.Role }).ToListAsync(ct))
        .Select(u => (u.Id, u.Role)).ToList();

    public async Task<IReadOnlyList<OrganizationMember>> MembersOfAsync(Guid organizationId, CancellationToken ct) =>
        await db.Users.AsNoTracking().Where(u => u.OrganizationId == organizationId)
            .OrderBy(u => u.CreatedAt)
            .Select(u => new OrganizationMember(u.Id, u.Role, u.Verification, u.LicenseNumber, u.EncryptedProfile))
            .ToListAsync(ct);
}

/// <summary>
/// Signing public keys already read, for the record reads that return an author's key with every version. A signing
/// key is fixed at registration (password change and recovery re-wrap the private keys, never replace them), so a
/// remembered key cannot go stale. Public directory data only. Bounded: at capacity it starts again empty.
/// </summary>
public sealed class RegisteredSigningKeys
{
    internal const int Capacity = 16_384;

    private readonly ConcurrentDictionary<Guid, byte[]> _keys = new();

    public byte[]? Find(Guid userId) => _keys.GetValueOrDefault(userId);

    public void Remember(Guid userId, byte[] signingPublicKey)
    {
        if (_keys.Count >= Capacity)
        {
            _keys.Clear();
        }
        _keys.TryAdd(userId, signingPublicKey);
    }
}

/// <summary>
/// The directory lookup every record write makes (the reader list's keys), compiled once per EF model: EF's per-call
/// query-cache lookup hashes the whole expression tree.
/// </summary>
internal sealed class AccountQueries
{
    private static readonly PerModel<AccountQueries> PerModel = new(() => new AccountQueries());

    public static AccountQueries For(MedLedgerDbContext db) => PerModel.For(db);

    public readonly Func<MedLedgerDbContext, Guid[], IAsyncEnumerable<AccountKeys>> ActiveKeys =
        EF.CompileAsyncQuery((MedLedgerDbContext db, Guid[] userIds) =>
            from u in db.Users.AsNoTracking()
            join k in db.KeyBundles.AsNoTracking() on u.Id equals k.UserId
            where userIds.Contains(u.Id) && !u.Suspended
            select new AccountKeys(u.Id, u.Role, u.OrganizationId, k.EncryptionPublicKey, k.SigningPublicKey));
}
