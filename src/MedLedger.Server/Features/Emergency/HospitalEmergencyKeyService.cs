using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Emergency;

/// <summary>
/// A hospital's emergency key pair: the public key is anchored on the ledger by hospital staff; the private key reaches
/// the hospital's verified doctors only sealed to each doctor's own key.
/// </summary>
public sealed class HospitalEmergencyKeyService(MedLedgerDbContext db, LedgerGateway ledger, TimeProvider clock, AccountDirectory accounts)
{
    public async Task<EmergencyKeyResponse> SetHospitalKeyAsync(Caller staff, Guid hospitalId, EmergencyKeyRequest r, CancellationToken ct)
    {
        if (staff.OrganizationId != hospitalId)
        {
            throw ProblemException.Forbidden("You can only manage your own hospital's emergency key.");
        }
        var v = new Validator();
        AccountRules.RequireP256Point(v, r.PublicKey, "publicKey", "publicKey");
        v.Require(r.Shares is { Count: <= 1000 }, "shares", "shares are required (at most 1000).");
        v.Require(r.Shares is null || r.Shares.All(s => s.Sealed is { Length: > 0 and <= 4096 }), "shares", "each share is a sealed secret of at most 4 KiB.");
        v.ThrowIfInvalid();
        var doctorIds = r.Shares!.Select(s => s.DoctorId).ToList();
        var valid = await accounts.VerifiedDoctorsOfAsync(hospitalId, doctorIds, ct);
        if (valid.Count != doctorIds.Distinct().Count())
        {
            throw ProblemException.Invalid("shares", "Shares go only to verified doctors of this hospital.");
        }
        var tx = LedgerGateway.Expect(r.Transaction, HospitalEmergencyKeyContract.TypeName, staff.Id);
        if (tx.Get("hospitalId") != hospitalId.ToString() || tx.Get("publicKey") != Convert.ToBase64String(r.PublicKey))
        {
            throw ProblemException.Invalid("transaction", "The emergency.hospital-key transaction names a different hospital or key.");
        }
        // Anchor first: patients' clients accept only a key whose publication is on the ledger.
        var receipt = await ledger.SubmitAsync(tx, ct);
        var existing = await db.Set<HospitalEmergencyKey>().FirstOrDefaultAsync(k => k.HospitalId == hospitalId, ct);
        if (existing is null)
        {
            db.Set<HospitalEmergencyKey>().Add(new HospitalEmergencyKey { HospitalId = hospitalId, PublicKey = r.PublicKey, UpdatedBy = staff.Id, UpdatedAt = clock.GetUtcNow() });
        }
        else
        {
            if (!existing.PublicKey.AsSpan().SequenceEqual(r.PublicKey))
            {
                // A new key invalidates every patient's designation for this hospital: they must re-wrap.
                await db.Set<EmergencyDesignation>().Where(d => d.HospitalId == hospitalId).ExecuteDeleteAsync(ct);
            }
            existing.PublicKey = r.PublicKey;
            existing.UpdatedBy = staff.Id;
            existing.UpdatedAt = clock.GetUtcNow();
        }
        await db.Set<EmergencyKeyShare>().Where(s => s.HospitalId == hospitalId).ExecuteDeleteAsync(ct);
        db.Set<EmergencyKeyShare>().AddRange(r.Shares!.Select(s => new EmergencyKeyShare { HospitalId = hospitalId, DoctorId = s.DoctorId, Sealed = s.Sealed }));
        await db.SaveChangesAsync(ct);
        return new EmergencyKeyResponse(hospitalId, r.PublicKey, KeyFingerprints.EncryptionKeyId(r.PublicKey), receipt);
    }

    public async Task<EmergencyKeyResponse> HospitalKeyAsync(Guid hospitalId, CancellationToken ct)
    {
        var k = await db.Set<HospitalEmergencyKey>().AsNoTracking().FirstOrDefaultAsync(x => x.HospitalId == hospitalId, ct)
            ?? throw ProblemException.NotFound($"The emergency key of hospital {hospitalId}");
        var txId = await ledger.Peer.Queries.GetStateAsync(CareKeys.HospitalEmergencyKeyTransaction(hospitalId.ToString()), ct);
        var receipt = txId is null ? null : await ledger.Peer.Queries.GetReceiptAsync(txId, ct);
        return new EmergencyKeyResponse(hospitalId, k.PublicKey, KeyFingerprints.EncryptionKeyId(k.PublicKey), receipt);
    }

    public async Task<IReadOnlyList<MyKeyShare>> MySharesAsync(Guid doctorId, CancellationToken ct) =>
        await (from s in db.Set<EmergencyKeyShare>() join k in db.Set<HospitalEmergencyKey>() on s.HospitalId equals k.HospitalId
               where s.DoctorId == doctorId select new MyKeyShare(s.HospitalId, k.PublicKey, s.Sealed)).AsNoTracking().ToListAsync(ct);
}
