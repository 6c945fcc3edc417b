using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Pharmacy;

/// <summary>
/// A pharmacy's organization key, the same mechanism as a hospital's emergency key (HospitalEmergencyKeyService): a
/// verified pharmacist's client makes the pair, anchors the public key on the ledger and seals the private key to each
/// verified pharmacist of the pharmacy; a pharmacist verified later gets it sealed by a colleague who already holds it.
/// Patients seal their orders for the anchored key, so the server never holds anything that opens them.
/// </summary>
public sealed class PharmacyKeyService(
    MedLedgerDbContext db,
    LedgerGateway ledger,
    LedgerRollForward rollForward,
    TimeProvider clock,
    AccountDirectory accounts,
    PharmacyAccess access)
{
    /// <summary>Publishes a first key or rotates it (every share of the old key is dropped: the new shares replace them).</summary>
    public async Task<PharmacyKeyResponse> PublishAsync(Caller pharmacist, Guid pharmacyId, PharmacyKeyRequest r, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, pharmacist, ct);
        var v = new Validator();
        AccountRules.RequireP256Point(v, r.PublicKey, "publicKey", "publicKey");
        v.Require(r.Shares is { Count: > 0 and <= 1000 }, "shares", "shares are required (1 to 1000).");
        v.Require(r.Shares is null || r.Shares.All(s => s.Sealed is { Length: > 0 and <= 4096 }), "shares", "each share is a sealed secret of at most 4 KiB.");
        v.Require(r.Shares is null || r.Shares.Any(s => s.PharmacistId == pharmacist.Id), "shares", "The publishing pharmacist keeps a share (so the key can be shared with colleagues verified later).");
        v.ThrowIfInvalid();
        var ids = r.Shares!.Select(s => s.PharmacistId).ToList();
        var verified = await VerifiedPharmacistsAsync(pharmacyId, ct);
        if (ids.Distinct().Count() != ids.Count || ids.Any(id => !verified.Contains(id)))
        {
            throw ProblemException.Invalid("shares", "Shares go only to verified pharmacists of this pharmacy, one each.");
        }
        var tx = LedgerGateway.Expect(r.Transaction, PharmacyOrganizationKeyContract.TypeName, pharmacist.Id);
        if (tx.Get("pharmacyId") != pharmacyId.ToString() || tx.Get("publicKey") != Convert.ToBase64String(r.PublicKey))
        {
            throw ProblemException.Invalid("transaction", "The pharmacy.organization-key transaction names a different pharmacy or key.");
        }
        var rows = new PharmacyKeyRows(pharmacyId, r.PublicKey, r.Shares!, pharmacist.Id, clock.GetUtcNow());
        var receipt = await rollForward.SubmitAsync(tx, rows, ct);
        return new PharmacyKeyResponse(pharmacyId, r.PublicKey, KeyFingerprints.EncryptionKeyId(r.PublicKey), receipt);
    }

    /// <summary>Stores a committed key publication (called by <see cref="PharmacyKeyLedgerRows"/> inside the roll-forward's transaction).</summary>
    internal async Task StoreAsync(PharmacyKeyRows r, CancellationToken ct)
    {
        var existing = await db.Set<PharmacyOrganizationKey>().FirstOrDefaultAsync(k => k.PharmacyId == r.PharmacyId, ct);
        if (existing is null)
        {
            db.Set<PharmacyOrganizationKey>().Add(new PharmacyOrganizationKey { PharmacyId = r.PharmacyId, PublicKey = r.PublicKey, UpdatedBy = r.PharmacistId, UpdatedAt = r.At });
        }
        else
        {
            existing.PublicKey = r.PublicKey;
            existing.UpdatedBy = r.PharmacistId;
            existing.UpdatedAt = r.At;
        }
        var keyId = KeyFingerprints.EncryptionKeyId(r.PublicKey);
        await db.Set<PharmacyKeyShare>().Where(s => s.PharmacyId == r.PharmacyId).ExecuteDeleteAsync(ct);
        db.Set<PharmacyKeyShare>().AddRange(r.Shares.Select(s => new PharmacyKeyShare
        {
            PharmacyId = r.PharmacyId, PharmacistId = s.PharmacistId, Sealed = s.Sealed, SealedBy = r.PharmacistId, KeyId = keyId,
        }));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Any signed-in user (patients seal orders for it); clients accept it only with its verified ledger receipt.</summary>
    public async Task<PharmacyKeyResponse> KeyAsync(Guid pharmacyId, Caller caller, CancellationToken ct)
    {
        await access.RequireVisibleAsync(pharmacyId, caller, ct);
        var k = await db.Set<PharmacyOrganizationKey>().AsNoTracking().FirstOrDefaultAsync(x => x.PharmacyId == pharmacyId, ct)
            ?? throw ProblemException.NotFound($"The organization key of pharmacy {pharmacyId}");
        var txId = await ledger.Peer.Queries.GetStateAsync(PharmacyKeys.OrganizationKeyTransaction(pharmacyId.ToString()), ct);
        var receipt = txId is null ? null : await ledger.Peer.Queries.GetReceiptAsync(txId, ct);
        return new PharmacyKeyResponse(pharmacyId, k.PublicKey, KeyFingerprints.EncryptionKeyId(k.PublicKey), receipt);
    }

    public async Task<MyPharmacyKeyShare> MyShareAsync(Guid pharmacyId, Caller pharmacist, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, pharmacist, ct);
        var k = await db.Set<PharmacyOrganizationKey>().AsNoTracking().FirstOrDefaultAsync(x => x.PharmacyId == pharmacyId, ct)
            ?? throw ProblemException.NotFound($"The organization key of pharmacy {pharmacyId}");
        var keyId = KeyFingerprints.EncryptionKeyId(k.PublicKey);
        var shares = await db.Set<PharmacyKeyShare>().AsNoTracking().Where(s => s.PharmacyId == pharmacyId && s.KeyId == keyId).ToListAsync(ct);
        var holders = shares.Select(s => s.PharmacistId).ToHashSet();
        var waiting = (await VerifiedPharmacistsAsync(pharmacyId, ct)).Where(id => !holders.Contains(id)).Order().ToList();
        return new MyPharmacyKeyShare(pharmacyId, k.PublicKey, keyId, shares.FirstOrDefault(s => s.PharmacistId == pharmacist.Id)?.Sealed, waiting);
    }

    /// <summary>
    /// A pharmacist who holds the current key seals it for a verified colleague who has none. Not a ledger event: the
    /// anchored public key does not change, and the share is opaque to the server.
    /// </summary>
    public async Task ShareAsync(Guid pharmacyId, Caller pharmacist, PharmacyKeyShareRequest r, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, pharmacist, ct);
        var v = new Validator();
        v.Require(r.Sealed is { Length: > 0 and <= 4096 }, "sealed", "sealed is a sealed secret of at most 4 KiB.");
        v.Require(!string.IsNullOrEmpty(r.KeyId), "keyId", "keyId is required.");
        v.ThrowIfInvalid();
        var k = await db.Set<PharmacyOrganizationKey>().AsNoTracking().FirstOrDefaultAsync(x => x.PharmacyId == pharmacyId, ct)
            ?? throw ProblemException.NotFound($"The organization key of pharmacy {pharmacyId}");
        var keyId = KeyFingerprints.EncryptionKeyId(k.PublicKey);
        if (r.KeyId != keyId)
        {
            throw ProblemException.Conflict("The pharmacy's key was replaced; share the current key.");
        }
        if (!await db.Set<PharmacyKeyShare>().AnyAsync(s => s.PharmacyId == pharmacyId && s.PharmacistId == pharmacist.Id && s.KeyId == keyId, ct))
        {
            throw ProblemException.Forbidden("Only a pharmacist who holds the pharmacy's current key shares it.");
        }
        if (!(await VerifiedPharmacistsAsync(pharmacyId, ct)).Contains(r.PharmacistId))
        {
            throw ProblemException.Invalid("pharmacistId", "The key is shared only with verified pharmacists of this pharmacy.");
        }
        var existing = await db.Set<PharmacyKeyShare>().FirstOrDefaultAsync(s => s.PharmacyId == pharmacyId && s.PharmacistId == r.PharmacistId, ct);
        if (existing is { } e && e.KeyId == keyId)
        {
            throw ProblemException.Conflict("That pharmacist already holds the current key.");
        }
        if (existing is not null)
        {
            db.Remove(existing);
        }
        db.Add(new PharmacyKeyShare { PharmacyId = pharmacyId, PharmacistId = r.PharmacistId, Sealed = r.Sealed, SealedBy = pharmacist.Id, KeyId = keyId });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two colleagues shared with the same newcomer at once: one share is enough.
            throw ProblemException.Conflict("That pharmacist already holds the current key.");
        }
    }

    private async Task<HashSet<Guid>> VerifiedPharmacistsAsync(Guid pharmacyId, CancellationToken ct) =>
        (await accounts.MembersOfAsync(pharmacyId, ct)).Where(m => m.Role == Role.Pharmacist && m.Verification == VerificationStatus.Approved)
            .Select(m => m.UserId).ToHashSet();
}
