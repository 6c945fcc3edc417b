using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Organizations;

/// <summary>Organizations: the public directory, profile management by their staff, founding at registration, admin verification.</summary>
public sealed class OrganizationService(MedLedgerDbContext db, OrganizationDirectory directory, AccountDirectory accounts, IdentityLedger identityLedger, SecurityEventLog events, TimeProvider clock)
{
    internal static void ValidateProfile(Validator v, string? name, string? address, double lat, double lon, string? phone, string? email, string? registrationNumber, string prefix = "")
    {
        v.RequireText(name, prefix + "name", 200);
        v.RequireText(address, prefix + "address", 500);
        v.RequireText(registrationNumber, prefix + "registrationNumber", 60);
        v.Require(lat is >= -90 and <= 90 && double.IsFinite(lat), prefix + "latitude", "latitude must be between -90 and 90.");
        v.Require(lon is >= -180 and <= 180 && double.IsFinite(lon), prefix + "longitude", "longitude must be between -180 and 180.");
        v.RequireText(phone, prefix + "contactPhone", 40, required: false);
        v.Require(email is null || AccountRules.IsEmail(email), prefix + "contactEmail", "contactEmail must be a valid address.");
    }

    public async Task<IReadOnlyList<OrganizationResponse>> ListVerifiedAsync(OrganizationKind? kind, CancellationToken ct)
    {
        var q = db.Organizations.AsNoTracking().Where(o => o.Verification == VerificationStatus.Approved && !o.Suspended);
        if (kind is { } k)
        {
            q = q.Where(o => o.Kind == k);
        }
        return await q.OrderBy(o => o.Name).Take(500).Select(o => ToResponse(o)).ToListAsync(ct);
    }

    /// <summary>The admin's list: organizations in every verification state, by name, narrowed by kind and state.</summary>
    public async Task<IReadOnlyList<OrganizationResponse>> ListAllAsync(OrganizationKind? kind, VerificationStatus? verification, CancellationToken ct, bool? suspended = null)
    {
        var q = db.Organizations.AsNoTracking();
        if (suspended is { } sus)
        {
            q = q.Where(o => o.Suspended == sus);
        }
        if (kind is { } k)
        {
            q = q.Where(o => o.Kind == k);
        }
        if (verification is { } v)
        {
            q = q.Where(o => o.Verification == v);
        }
        return await q.OrderBy(o => o.Name).Take(500).Select(o => ToResponse(o)).ToListAsync(ct);
    }

    /// <summary>Verified organizations are public directory entries; others only to their members and admins.</summary>
    public async Task<OrganizationResponse> GetAsync(Guid id, Guid? callerOrg, Role? callerRole, CancellationToken ct) =>
        await directory.VisibleAsync(id, null, callerOrg, callerRole, ct) ?? throw ProblemException.NotFound($"Organization {id}");

    public Task<OrganizationKind?> KindOfAsync(Guid id, CancellationToken ct) => directory.KindOfAsync(id, ct);

    /// <summary>Stages a pending organization in the current unit of work (registration saves it with the founder's account).</summary>
    public Guid AddPending(NewOrganizationDto n, DateTimeOffset now, Guid id)
    {
        var org = new Organization
        {
            Id = id,
            Kind = n.Kind,
            Name = n.Name.Trim(),
            Address = n.Address.Trim(),
            RegistrationNumber = n.RegistrationNumber.Trim(),
            Latitude = n.Latitude,
            Longitude = n.Longitude,
            ContactPhone = n.ContactPhone?.Trim(),
            ContactEmail = n.ContactEmail?.Trim(),
            Verification = VerificationStatus.Pending,
            CreatedAt = now,
        };
        db.Organizations.Add(org);
        return org.Id;
    }

    public async Task<OrganizationResponse> UpdateAsync(Guid id, Guid callerOrg, Guid callerUser, OrganizationUpdate u, CancellationToken ct)
    {
        if (id != callerOrg)
        {
            throw ProblemException.Forbidden("You can only manage your own organization.");
        }
        var v = new Validator();
        ValidateProfile(v, u.Name, u.Address, u.Latitude, u.Longitude, u.ContactPhone, u.ContactEmail, u.RegistrationNumber);
        v.ThrowIfInvalid();
        var o = await db.Organizations.FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw ProblemException.NotFound($"Organization {id}");
        var before = CardHash(o);
        o.Name = u.Name.Trim();
        o.Address = u.Address.Trim();
        o.RegistrationNumber = u.RegistrationNumber.Trim();
        o.Latitude = u.Latitude;
        o.Longitude = u.Longitude;
        o.ContactPhone = u.ContactPhone?.Trim();
        o.ContactEmail = u.ContactEmail?.Trim();
        o.ConcurrencyStamp = Guid.NewGuid();
        // A decided organization whose card changed goes back to the admin: the old decision was about another card.
        // Contact details are not on the card, so changing them alone does not.
        var requeued = o.Verification != VerificationStatus.Pending && o.CardChangedAt is null && CardHash(o) != before;
        if (requeued)
        {
            // Whole milliseconds: what every store keeps, so the answer equals what the queue later reads back.
            o.CardChangedAt = DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());
        }
        await db.SaveChangesAsync(ct);
        if (requeued)
        {
            await events.RecordAsync(SecurityEventKind.OrganizationCardChanged, callerUser, id, "organization", ct);
        }
        return ToResponse(o);
    }

    /// <summary>
    /// A verified organization's verified professionals, as public directory data (user id and role; names, licences and
    /// keys come from each one's identity card, which clients check against the admin's signed verification). A patient's
    /// client uses it to share a prescription with a pharmacy's pharmacists. An unverified organization is 404.
    /// </summary>
    public async Task<IReadOnlyList<DirectoryProfessional>> ProfessionalsAsync(Guid id, CancellationToken ct)
    {
        if (!await db.Organizations.AsNoTracking().AnyAsync(o => o.Id == id && o.Verification == VerificationStatus.Approved, ct))
        {
            throw ProblemException.NotFound($"Organization {id}");
        }
        return (await accounts.VerifiedProfessionalsOfAsync(id, ct)).Select(p => new DirectoryProfessional(p.UserId, p.Role)).ToList();
    }

    public async Task<IReadOnlyList<MemberResponse>> MembersAsync(Guid id, Guid callerOrg, CancellationToken ct)
    {
        if (id != callerOrg)
        {
            throw ProblemException.Forbidden("You can only list the members of your own organization.");
        }
        return (await accounts.MembersOfAsync(id, ct))
            .Select(m => new MemberResponse(m.UserId, m.Role, m.Verification, m.LicenseNumber, m.EncryptedProfile)).ToList();
    }

    /// <summary>New organizations and decided ones whose card changed since, oldest first.</summary>
    public async Task<IReadOnlyList<PendingOrganization>> PendingAsync(CancellationToken ct) =>
        (await db.Organizations.AsNoTracking().Where(o => o.Verification == VerificationStatus.Pending || o.CardChangedAt != null)
            .Select(o => new PendingOrganization(o.Id, o.Kind, o.Name, o.Address, o.CreatedAt, o.RegistrationNumber, o.Verification, o.CardChangedAt)).ToListAsync(ct))
        .OrderBy(o => o.CardChangedAt ?? o.CreatedAt).ToList();

    /// <summary>
    /// An admin's verification decision, anchored on the ledger before it is stored; <paramref name="signed"/> is the
    /// admin's own identity.verify over the hash of the card this directory holds.
    /// </summary>
    public async Task DecideVerificationAsync(Guid adminId, Guid orgId, bool approve, string? reason, SignedTransactionDto? signed, CancellationToken ct)
    {
        var o = await db.Organizations.AsNoTracking().FirstOrDefaultAsync(x => x.Id == orgId, ct) ?? throw ProblemException.NotFound($"Organization {orgId}");
        // The row follows the committed decision (VerificationLedgerRows), rolled forward after a crash.
        var rows = new VerificationRows(orgId, "organization", approve ? VerificationStatus.Approved : VerificationStatus.Rejected, reason);
        await identityLedger.RecordOrganizationVerificationAsync(adminId, orgId, approve, CardHash(o), signed, rows, ct);
        await events.RecordAsync(approve ? SecurityEventKind.VerificationApproved : SecurityEventKind.VerificationRejected, adminId, orgId, "organization", ct);
    }

    /// <summary>Stores a committed identity.verify about an organization (called by the identity.verify row writer, inside its transaction).</summary>
    public Task ApplyVerificationAsync(Guid orgId, VerificationStatus status, string? reason, CancellationToken ct) =>
        db.Organizations.Where(o => o.Id == orgId).ExecuteUpdateAsync(s => s
            .SetProperty(o => o.Verification, status).SetProperty(o => o.VerificationReason, reason)
            .SetProperty(o => o.CardChangedAt, (DateTimeOffset?)null).SetProperty(o => o.ConcurrencyStamp, Guid.NewGuid()), ct);

    /// <summary>The hash of the organization's public card as this directory holds it (what an admin's identity.verify must sign).</summary>
    internal static string CardHash(Organization o) =>
        MedLedger.Crypto.OrganizationCards.Hash(o.Id.ToString(), o.Kind.ToString(), o.Name, o.Address, o.Latitude, o.Longitude, o.RegistrationNumber);

    internal static OrganizationResponse ToResponse(Organization o) =>
        new(o.Id, o.Kind, o.Name, o.Address, o.Latitude, o.Longitude, o.ContactPhone, o.ContactEmail, o.Verification, o.VerificationReason, o.RegistrationNumber, o.CardChangedAt, o.Suspended, o.StandingReason);
}
