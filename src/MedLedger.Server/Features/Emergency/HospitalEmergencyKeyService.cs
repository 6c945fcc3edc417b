using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.Messaging;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Emergency;

/// <summary>
/// A hospital's emergency key pair: the public key is anchored on the ledger by hospital staff; the private key reaches
/// the hospital's verified doctors only sealed to each doctor's own key. A new key (rotation, or the removal of a doctor,
/// which always rotates) keeps the patients' designations but marks them for re-wrapping, and tells those patients.
/// </summary>
public sealed class HospitalEmergencyKeyService(
    MedLedgerDbContext db,
    LedgerGateway ledger,
    LedgerRollForward rollForward,
    TimeProvider clock,
    AccountDirectory accounts,
    OrganizationMembershipService membership,
    OrganizationDirectory organizations,
    IMessageSender messages)
{
    public Task<EmergencyKeyResponse> SetHospitalKeyAsync(Caller staff, Guid hospitalId, EmergencyKeyRequest r, CancellationToken ct) =>
        AnchorAsync(staff, hospitalId, r, removedDoctorId: null, ct);

    /// <summary>
    /// Removes a doctor from the hospital and rotates the emergency key in one staff-signed hospital.remove-doctor
    /// transaction: the removed doctor may have kept the old private key, so it must stop being the one patients wrap for.
    /// </summary>
    public async Task<EmergencyKeyResponse> RemoveDoctorAsync(Caller staff, Guid hospitalId, Guid doctorId, EmergencyKeyRequest r, CancellationToken ct)
    {
        var doctor = await accounts.FindAsync(doctorId, ct);
        if (staff.OrganizationId == hospitalId && (doctor is null || doctor.Role != Role.Doctor || doctor.OrganizationId != hospitalId))
        {
            throw ProblemException.NotFound($"Doctor {doctorId} of this hospital");
        }
        return await AnchorAsync(staff, hospitalId, r, doctorId, ct);
    }

    /// <summary>
    /// Checks the request and commits its transaction (patients' clients accept only a key whose publication is on the
    /// ledger); the key, its shares and a removal are then stored by <see cref="HospitalKeyLedgerRows"/>, rolled forward after a crash.
    /// </summary>
    private async Task<EmergencyKeyResponse> AnchorAsync(Caller staff, Guid hospitalId, EmergencyKeyRequest r, Guid? removedDoctorId, CancellationToken ct)
    {
        if (staff.OrganizationId != hospitalId)
        {
            throw ProblemException.Forbidden("You can only manage your own hospital's emergency key.");
        }
        var v = new Validator();
        AccountRules.RequireP256Point(v, r.PublicKey, "publicKey", "publicKey");
        v.Require(r.Shares is { Count: <= 1000 }, "shares", "shares are required (at most 1000).");
        v.Require(r.Shares is null || r.Shares.All(s => s.Sealed is { Length: > 0 and <= 4096 }), "shares", "each share is a sealed secret of at most 4 KiB.");
        v.Require(r.Shares is null || removedDoctorId is null || r.Shares.All(s => s.DoctorId != removedDoctorId), "shares", "The removed doctor gets no share of the new key.");
        v.ThrowIfInvalid();
        var doctorIds = r.Shares!.Select(s => s.DoctorId).ToList();
        var valid = await accounts.VerifiedDoctorsOfAsync(hospitalId, doctorIds, ct);
        if (valid.Count != doctorIds.Distinct().Count())
        {
            throw ProblemException.Invalid("shares", "Shares go only to verified doctors of this hospital.");
        }
        var type = removedDoctorId is null ? HospitalEmergencyKeyContract.TypeName : HospitalRemoveDoctorContract.TypeName;
        var tx = LedgerGateway.Expect(r.Transaction, type, staff.Id);
        if (tx.Get("hospitalId") != hospitalId.ToString() || tx.Get("publicKey") != Convert.ToBase64String(r.PublicKey)
            || (removedDoctorId is { } d && tx.Get("doctorId") != d.ToString()))
        {
            throw ProblemException.Invalid("transaction", $"The {type} transaction names a different hospital, key or doctor.");
        }
        var previous = await db.Set<HospitalEmergencyKey>().AsNoTracking().Where(k => k.HospitalId == hospitalId).Select(k => k.PublicKey).FirstOrDefaultAsync(ct);
        var rows = new HospitalKeyRows(hospitalId, r.PublicKey, r.Shares!, staff.Id, clock.GetUtcNow(), removedDoctorId);
        var receipt = await rollForward.SubmitAsync(tx, rows, ct);
        var keyId = KeyFingerprints.EncryptionKeyId(r.PublicKey);
        if (previous is not null && !previous.AsSpan().SequenceEqual(r.PublicKey))
        {
            // A rotation keeps the designations; the patients whose wraps are for an earlier key are told. (A rotation
            // rolled forward after a crash is not mailed: those patients' clients still see the re-wrap flag at sign-in.)
            await NotifyDesignatingPatientsAsync(hospitalId, keyId, rows.At, ct);
        }
        return new EmergencyKeyResponse(hospitalId, r.PublicKey, keyId, receipt);
    }

    /// <summary>Stores a committed key publication or removal (called by <see cref="HospitalKeyLedgerRows"/> inside the roll-forward's transaction).</summary>
    internal async Task StoreAsync(HospitalKeyRows r, CancellationToken ct)
    {
        if (r.RemovedDoctorId is { } removed)
        {
            await membership.RemoveDoctorAsync(r.HospitalId, removed, ct);
        }
        var existing = await db.Set<HospitalEmergencyKey>().FirstOrDefaultAsync(k => k.HospitalId == r.HospitalId, ct);
        if (existing is null)
        {
            db.Set<HospitalEmergencyKey>().Add(new HospitalEmergencyKey { HospitalId = r.HospitalId, PublicKey = r.PublicKey, UpdatedBy = r.StaffId, UpdatedAt = r.At });
        }
        else
        {
            existing.PublicKey = r.PublicKey;
            existing.UpdatedBy = r.StaffId;
            existing.UpdatedAt = r.At;
        }
        await db.Set<EmergencyKeyShare>().Where(s => s.HospitalId == r.HospitalId).ExecuteDeleteAsync(ct);
        db.Set<EmergencyKeyShare>().AddRange(r.Shares.Select(s => new EmergencyKeyShare { HospitalId = r.HospitalId, DoctorId = s.DoctorId, Sealed = s.Sealed }));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Designations wrapped for an earlier key stay (the patient chose this hospital) but cannot be opened with the new
    /// key: their clients re-wrap at next sign-in (DesignationService.MineAsync flags them); the email says so.
    /// </summary>
    private async Task NotifyDesignatingPatientsAsync(Guid hospitalId, string currentKeyId, DateTimeOffset at, CancellationToken ct)
    {
        var patients = await db.Set<EmergencyDesignation>().AsNoTracking()
            .Where(d => d.HospitalId == hospitalId && d.ReaderKeyId != currentKeyId).Select(d => d.PatientId).ToListAsync(ct);
        if (patients.Count == 0)
        {
            return;
        }
        var hospitalName = await organizations.NameOfAsync(hospitalId, ct);
        foreach (var patientId in patients)
        {
            var email = await accounts.EmailOfAsync(patientId, ct);
            await messages.SendAsync(new OutgoingMessage(email, "Your emergency summary needs your sign-in",
                $"{hospitalName} replaced its emergency key at {at:u}. Its doctors cannot open your emergency summary until you sign in to MedLedger: "
                + "your app then wraps the summary for the new key (checked against the ledger). You can also withdraw the hospital's emergency access.", at), ct);
        }
    }

    public async Task<EmergencyKeyResponse> HospitalKeyAsync(Guid hospitalId, CancellationToken ct)
    {
        var k = await db.Set<HospitalEmergencyKey>().AsNoTracking().FirstOrDefaultAsync(x => x.HospitalId == hospitalId, ct)
            ?? throw ProblemException.NotFound($"The emergency key of hospital {hospitalId}");
        var txId = await ledger.Peer.Queries.GetStateAsync(CareKeys.HospitalEmergencyKeyTransaction(hospitalId.ToString()), ct);
        var receipt = txId is null ? null : await ledger.Peer.Queries.GetReceiptAsync(txId, ct);
        return new EmergencyKeyResponse(hospitalId, k.PublicKey, KeyFingerprints.EncryptionKeyId(k.PublicKey), receipt);
    }

    /// <summary>The current key id of each hospital that has one (to tell designations wrapped for an older key).</summary>
    public async Task<Dictionary<Guid, string>> CurrentKeyIdsAsync(IReadOnlyCollection<Guid> hospitalIds, CancellationToken ct) =>
        (await db.Set<HospitalEmergencyKey>().AsNoTracking().Where(k => hospitalIds.Contains(k.HospitalId)).ToListAsync(ct))
            .ToDictionary(k => k.HospitalId, k => KeyFingerprints.EncryptionKeyId(k.PublicKey));

    public async Task<IReadOnlyList<MyKeyShare>> MySharesAsync(Guid doctorId, CancellationToken ct) =>
        await (from s in db.Set<EmergencyKeyShare>() join k in db.Set<HospitalEmergencyKey>() on s.HospitalId equals k.HospitalId
               where s.DoctorId == doctorId select new MyKeyShare(s.HospitalId, k.PublicKey, s.Sealed)).AsNoTracking().ToListAsync(ct);
}
