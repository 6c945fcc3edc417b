using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Organizations;

public sealed record OrganizationResponse(Guid Id, OrganizationKind Kind, string Name, string Address, double Latitude, double Longitude, string? ContactPhone, string? ContactEmail, VerificationStatus Verification, string? VerificationReason);

public sealed record OrganizationUpdate(string Name, string Address, double Latitude, double Longitude, string? ContactPhone, string? ContactEmail);

public sealed record MemberResponse(Guid UserId, Role Role, VerificationStatus Verification, string? LicenseNumber, byte[]? EncryptedProfile);

public sealed class OrganizationService(MedLedgerDbContext db)
{
    internal static void ValidateProfile(Validator v, string? name, string? address, double lat, double lon, string? phone, string? email, string prefix = "")
    {
        v.RequireText(name, prefix + "name", 200);
        v.RequireText(address, prefix + "address", 500);
        v.Require(lat is >= -90 and <= 90 && double.IsFinite(lat), prefix + "latitude", "latitude must be between -90 and 90.");
        v.Require(lon is >= -180 and <= 180 && double.IsFinite(lon), prefix + "longitude", "longitude must be between -180 and 180.");
        v.RequireText(phone, prefix + "contactPhone", 40, required: false);
        v.Require(email is null || AccountService.IsEmail(email), prefix + "contactEmail", "contactEmail must be a valid address.");
    }

    public async Task<IReadOnlyList<OrganizationResponse>> ListVerifiedAsync(OrganizationKind? kind, CancellationToken ct)
    {
        var q = db.Organizations.AsNoTracking().Where(o => o.Verification == VerificationStatus.Approved);
        if (kind is { } k)
        {
            q = q.Where(o => o.Kind == k);
        }
        return await q.OrderBy(o => o.Name).Take(500).Select(o => ToResponse(o)).ToListAsync(ct);
    }

    /// <summary>Verified organizations are public directory entries; others only to their members and admins.</summary>
    public async Task<OrganizationResponse> GetAsync(Guid id, Guid? callerOrg, Role callerRole, CancellationToken ct)
    {
        var o = await db.Organizations.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        if (o is null || (o.Verification != VerificationStatus.Approved && callerOrg != id && callerRole != Role.PlatformAdmin))
        {
            throw ProblemException.NotFound($"Organization {id}");
        }
        return ToResponse(o);
    }

    public async Task<OrganizationResponse> UpdateAsync(Guid id, Guid callerOrg, OrganizationUpdate u, CancellationToken ct)
    {
        if (id != callerOrg)
        {
            throw ProblemException.Forbidden("You can only manage your own organization.");
        }
        var v = new Validator();
        ValidateProfile(v, u.Name, u.Address, u.Latitude, u.Longitude, u.ContactPhone, u.ContactEmail);
        v.ThrowIfInvalid();
        var o = await db.Organizations.FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw ProblemException.NotFound($"Organization {id}");
        o.Name = u.Name.Trim();
        o.Address = u.Address.Trim();
        o.Latitude = u.Latitude;
        o.Longitude = u.Longitude;
        o.ContactPhone = u.ContactPhone?.Trim();
        o.ContactEmail = u.ContactEmail?.Trim();
        o.ConcurrencyStamp = Guid.NewGuid();
        await db.SaveChangesAsync(ct);
        return ToResponse(o);
    }

    public async Task<IReadOnlyList<MemberResponse>> MembersAsync(Guid id, Guid callerOrg, CancellationToken ct)
    {
        if (id != callerOrg)
        {
            throw ProblemException.Forbidden("You can only list the members of your own organization.");
        }
        return await db.Users.AsNoTracking().Where(u => u.OrganizationId == id)
            .OrderBy(u => u.CreatedAt)
            .Select(u => new MemberResponse(u.Id, u.Role, u.Verification, u.LicenseNumber, u.EncryptedProfile))
            .ToListAsync(ct);
    }

    public Task<bool> IsVerifiedMemberAsync(Guid userId, Guid organizationId, Role role, CancellationToken ct) =>
        db.Users.AnyAsync(u => u.Id == userId && u.OrganizationId == organizationId && u.Role == role
            && u.Verification == VerificationStatus.Approved && !u.Suspended, ct);

    private static OrganizationResponse ToResponse(Organization o) =>
        new(o.Id, o.Kind, o.Name, o.Address, o.Latitude, o.Longitude, o.ContactPhone, o.ContactEmail, o.Verification, o.VerificationReason);
}
