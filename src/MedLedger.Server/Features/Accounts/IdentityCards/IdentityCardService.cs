using MedLedger.Crypto;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Accounts;

/// <summary>
/// Professionals' public identity cards and the email lookup. The directory serves only what the caller's role needs:
/// verified professionals' cards to anyone who may act; patients and admins are never found by email, so professionals
/// reach patients only through relationships the patient created (grants, assignments, bookings). Every answer that
/// is not a verified professional's card is the same 404, so a known and an unknown email cannot be told apart.
/// </summary>
public sealed class IdentityCardService(MedLedgerDbContext db, OrganizationDirectory organizations, IdentityLedger identityLedger)
{
    private const string NotFoundSubject = "A verified professional with that email";

    private sealed record CardRow(Guid Id, Role Role, VerificationStatus Verification, bool Suspended, string? DisplayName, string? LicenseNumber,
        string? Specialty, Guid? OrganizationId, byte[] SigningPublicKey, byte[] EncryptionPublicKey);

    private IQueryable<CardRow> Rows(IQueryable<UserAccount> users) =>
        from u in users
        join k in db.KeyBundles.AsNoTracking() on u.Id equals k.UserId
        select new CardRow(u.Id, u.Role, u.Verification, u.Suspended, u.DisplayName, u.LicenseNumber, u.Specialty, u.OrganizationId, k.SigningPublicKey, k.EncryptionPublicKey);

    private static bool IsProfessional(Role role) => role is Role.Doctor or Role.HospitalStaff or Role.Pharmacist or Role.InsurerStaff;

    /// <summary>POST /api/users/lookup: a verified, active professional's card, or the one uniform 404.</summary>
    public async Task<IdentityCardResponse> LookUpAsync(string? email, CancellationToken ct)
    {
        var normalized = AccountRules.NormalizeEmail(email ?? "");
        // One query whatever the email belongs to, so the work done does not depend on who owns it.
        var row = await Rows(db.Users.AsNoTracking().Where(u => u.Email == normalized
                && u.Verification == VerificationStatus.Approved && !u.Suspended
                && (u.Role == Role.Doctor || u.Role == Role.HospitalStaff || u.Role == Role.Pharmacist || u.Role == Role.InsurerStaff)))
            .FirstOrDefaultAsync(ct);
        return row is null ? throw ProblemException.NotFound(NotFoundSubject) : await ToResponseAsync(row, ct);
    }

    /// <summary>GET /api/users/{id}/card: a professional's card; unverified ones only to admins (who decide on them).</summary>
    public async Task<IdentityCardResponse> CardAsync(Caller caller, Guid userId, CancellationToken ct)
    {
        var row = await Rows(db.Users.AsNoTracking().Where(u => u.Id == userId)).FirstOrDefaultAsync(ct);
        if (row is null || !IsProfessional(row.Role) || (!caller.IsAdmin && (row.Verification != VerificationStatus.Approved || row.Suspended)))
        {
            throw ProblemException.NotFound($"A verified professional {userId}");
        }
        return await ToResponseAsync(row, ct);
    }

    /// <summary>Hash of the card the directory holds for a user, the value an admin's verification must sign.</summary>
    public async Task<string> CardHashAsync(Guid userId, CancellationToken ct)
    {
        var row = await Rows(db.Users.AsNoTracking().Where(u => u.Id == userId)).FirstOrDefaultAsync(ct) ?? throw ProblemException.NotFound($"User {userId}");
        var r = await ToResponseAsync(row, ct, withReceipt: false);
        return IdentityCards.Hash(r.UserId.ToString(), r.Role.ToString(), r.DisplayName, r.LicenceNumber, r.Specialty, r.OrganizationId?.ToString(), r.OrganizationName);
    }

    private async Task<IdentityCardResponse> ToResponseAsync(CardRow row, CancellationToken ct, bool withReceipt = true)
    {
        var orgName = row.OrganizationId is { } org ? await organizations.NameOfAsync(org, ct) : null;
        var receipt = withReceipt ? await identityLedger.VerificationReceiptAsync(row.Id, ct) : null;
        return new IdentityCardResponse(row.Id, row.Role, row.DisplayName, row.LicenseNumber, row.Specialty, row.OrganizationId, orgName,
            row.SigningPublicKey, row.EncryptionPublicKey, receipt);
    }
}
