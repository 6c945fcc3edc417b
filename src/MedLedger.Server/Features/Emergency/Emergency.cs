using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Blobs;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Emergency;

/// <summary>A hospital's emergency public key; its private key exists only sealed to each verified doctor.</summary>
public sealed class HospitalEmergencyKey
{
    public Guid HospitalId { get; set; }
    public required byte[] PublicKey { get; set; }
    public Guid UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class EmergencyKeyShare
{
    public Guid HospitalId { get; set; }
    public Guid DoctorId { get; set; }
    /// <summary>SealedSecret JSON (HPKE to the doctor's key), opaque to the server.</summary>
    public required byte[] Sealed { get; set; }
}

/// <summary>The patient's emergency summary (a record version) wrapped for one hospital's emergency key.</summary>
public sealed class EmergencyDesignation
{
    public Guid PatientId { get; set; }
    public Guid HospitalId { get; set; }
    public Guid RecordId { get; set; }
    public int Version { get; set; }
    public required string ReaderKeyId { get; set; }
    public required byte[] Enc { get; set; }
    public required byte[] WrappedKey { get; set; }
    public required string TransactionId { get; set; }
}

public sealed class BreakGlassEvent
{
    public Guid Id { get; set; }
    public Guid DoctorId { get; set; }
    public Guid PatientId { get; set; }
    public Guid HospitalId { get; set; }
    public required string Reason { get; set; }
    public DateTimeOffset At { get; set; }
    public required string TransactionId { get; set; }
    public DateTimeOffset? ReviewedAt { get; set; }
    public Guid? ReviewedBy { get; set; }
    public string? ReviewOutcome { get; set; }
}

internal sealed class EmergencyConfigurations :
    IEntityTypeConfiguration<HospitalEmergencyKey>, IEntityTypeConfiguration<EmergencyKeyShare>,
    IEntityTypeConfiguration<EmergencyDesignation>, IEntityTypeConfiguration<BreakGlassEvent>
{
    public void Configure(EntityTypeBuilder<HospitalEmergencyKey> b)
    {
        b.ToTable("hospital_emergency_keys");
        b.HasKey(x => x.HospitalId);
    }

    public void Configure(EntityTypeBuilder<EmergencyKeyShare> b)
    {
        b.ToTable("emergency_key_shares");
        b.HasKey(x => new { x.HospitalId, x.DoctorId });
        b.HasIndex(x => x.DoctorId);
    }

    public void Configure(EntityTypeBuilder<EmergencyDesignation> b)
    {
        b.ToTable("emergency_designations");
        b.HasKey(x => new { x.PatientId, x.HospitalId });
        b.Property(x => x.ReaderKeyId).HasMaxLength(64);
        b.Property(x => x.TransactionId).HasMaxLength(64);
    }

    public void Configure(EntityTypeBuilder<BreakGlassEvent> b)
    {
        b.ToTable("break_glass_events");
        b.HasKey(x => x.Id);
        b.Property(x => x.Reason).HasMaxLength(32);
        b.Property(x => x.TransactionId).HasMaxLength(64);
        b.Property(x => x.ReviewOutcome).HasMaxLength(32);
        b.HasIndex(x => x.PatientId);
        b.HasIndex(x => x.ReviewedAt);
    }
}

public sealed record KeyShareDto(Guid DoctorId, byte[] Sealed);
public sealed record EmergencyKeyRequest(byte[] PublicKey, IReadOnlyList<KeyShareDto> Shares, SignedTransactionDto Transaction);
/// <summary>The hospital's emergency key with the receipt of the staff-signed transaction that anchored it.</summary>
public sealed record EmergencyKeyResponse(Guid HospitalId, byte[] PublicKey, string KeyId, MedLedger.Ledger.LedgerReceipt? Receipt);
public sealed record MyKeyShare(Guid HospitalId, byte[] PublicKey, byte[] Sealed);
public sealed record DesignationRequest(Guid HospitalId, Guid RecordId, int Version, string ReaderKeyId, byte[] Enc, byte[] WrappedKey, SignedTransactionDto Transaction);
public sealed record DesignationResponse(Guid PatientId, Guid HospitalId, Guid RecordId, int Version, string TransactionId);
public sealed record BreakGlassRequest(SignedTransactionDto Transaction);
public sealed record BreakGlassResponse(Guid EventId, string TransactionId, SealedRecordResponse Summary, byte[] HospitalEmergencyPublicKey, byte[] SealedHospitalKey);
public sealed record BreakGlassEventResponse(Guid Id, Guid DoctorId, Guid PatientId, Guid HospitalId, string Reason, DateTimeOffset At, string TransactionId, DateTimeOffset? ReviewedAt, Guid? ReviewedBy, string? ReviewOutcome);
public sealed record ReviewRequest(string Outcome);

/// <summary>
/// Break-glass: the only server-enforced release of medical data without the patient's consent.
/// The summary's wrap (for the hospital's emergency key) is released only after the doctor's signed
/// break-glass transaction commits; the patient is notified and the admin reviews every event.
/// </summary>
public sealed class EmergencyService(MedLedgerDbContext db, LedgerGateway ledger, IBlobStore blobs, TimeProvider clock, IMessageSender messages, SecurityEventLog events)
{
    public const string SharePurpose = "medledger/v1/hospital-emergency-key";
    public static readonly IReadOnlySet<string> ReviewOutcomes = new HashSet<string>(StringComparer.Ordinal) { "justified", "unjustified", "needs-follow-up" };

    public async Task<EmergencyKeyResponse> SetHospitalKeyAsync(Caller staff, Guid hospitalId, EmergencyKeyRequest r, CancellationToken ct)
    {
        if (staff.OrganizationId != hospitalId)
        {
            throw ProblemException.Forbidden("You can only manage your own hospital's emergency key.");
        }
        var v = new Validator();
        v.Require(r.PublicKey is { Length: 65 } && r.PublicKey[0] == 4, "publicKey", "publicKey must be a 65-byte uncompressed P-256 point.");
        v.Require(r.Shares is { Count: <= 1000 }, "shares", "shares are required (at most 1000).");
        v.Require(r.Shares is null || r.Shares.All(s => s.Sealed is { Length: > 0 and <= 4096 }), "shares", "each share is a sealed secret of at most 4 KiB.");
        v.ThrowIfInvalid();
        var doctorIds = r.Shares!.Select(s => s.DoctorId).ToList();
        var valid = await db.Users.Where(u => doctorIds.Contains(u.Id) && u.Role == Role.Doctor && u.OrganizationId == hospitalId && u.Verification == VerificationStatus.Approved)
            .Select(u => u.Id).ToListAsync(ct);
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

    public async Task<DesignationResponse> DesignateAsync(Guid patientId, DesignationRequest r, CancellationToken ct)
    {
        var record = await db.Set<MedicalRecord>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == r.RecordId && x.PatientId == patientId, ct)
            ?? throw ProblemException.NotFound($"Record {r.RecordId}");
        if (record.Category != "EmergencySummary")
        {
            throw ProblemException.Invalid("recordId", "The designated record must be an EmergencySummary.");
        }
        if (!await db.Set<RecordVersion>().AnyAsync(v => v.RecordId == r.RecordId && v.Version == r.Version, ct))
        {
            throw ProblemException.NotFound($"Version {r.Version} of record {r.RecordId}");
        }
        var key = await HospitalKeyAsync(r.HospitalId, ct);
        if (r.ReaderKeyId != key.KeyId || r.Enc is not { Length: 65 } || r.WrappedKey is not { Length: 48 })
        {
            throw ProblemException.Invalid("readerKeyId", "The wrap must be for the hospital's current emergency key.");
        }
        var tx = LedgerGateway.Expect(r.Transaction, EmergencyDesignateContract.TypeName, patientId);
        if (tx.Get("patientId") != patientId.ToString() || tx.Get("hospitalId") != r.HospitalId.ToString() || tx.Get("recordId") != r.RecordId.ToString())
        {
            throw ProblemException.Invalid("transaction", "The emergency.designate transaction names a different patient, hospital or record.");
        }
        var receipt = await ledger.SubmitAsync(tx, ct);
        await db.Set<EmergencyDesignation>().Where(d => d.PatientId == patientId && d.HospitalId == r.HospitalId).ExecuteDeleteAsync(ct);
        db.Set<EmergencyDesignation>().Add(new EmergencyDesignation
        {
            PatientId = patientId, HospitalId = r.HospitalId, RecordId = r.RecordId, Version = r.Version,
            ReaderKeyId = r.ReaderKeyId, Enc = r.Enc, WrappedKey = r.WrappedKey, TransactionId = receipt.TransactionId,
        });
        await db.SaveChangesAsync(ct);
        return new DesignationResponse(patientId, r.HospitalId, r.RecordId, r.Version, receipt.TransactionId);
    }

    public async Task<BreakGlassResponse> BreakGlassAsync(Caller doctor, BreakGlassRequest r, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(r.Transaction, BreakGlassContract.TypeName, doctor.Id);
        if (!Guid.TryParse(tx.Get("patientId"), out var patientId) || !Guid.TryParse(tx.Get("hospitalId"), out var hospitalId))
        {
            throw ProblemException.Invalid("transaction", "The break-glass transaction must name patientId and hospitalId.");
        }
        if (hospitalId != doctor.OrganizationId)
        {
            throw ProblemException.Forbidden("You can break the glass only for your own hospital.");
        }
        var designation = await db.Set<EmergencyDesignation>().AsNoTracking().FirstOrDefaultAsync(d => d.PatientId == patientId && d.HospitalId == hospitalId, ct);
        var share = await db.Set<EmergencyKeyShare>().AsNoTracking().FirstOrDefaultAsync(s => s.HospitalId == hospitalId && s.DoctorId == doctor.Id, ct);
        var hospitalKey = await db.Set<HospitalEmergencyKey>().AsNoTracking().FirstOrDefaultAsync(k => k.HospitalId == hospitalId, ct);
        if (designation is null || share is null || hospitalKey is null)
        {
            await events.RecordAsync(SecurityEventKind.AccessDenied, doctor.Id, patientId, "break-glass;reason=no-designation-or-share", ct);
            throw ProblemException.Forbidden(designation is null
                ? "This patient has not made an emergency summary available to your hospital."
                : "Your hospital has not shared its emergency key with you yet.");
        }
        // Commit first: the release below happens only for a transaction that is on the ledger.
        var receipt = await ledger.SubmitAsync(tx, ct);
        var ev = new BreakGlassEvent
        {
            Id = Guid.NewGuid(), DoctorId = doctor.Id, PatientId = patientId, HospitalId = hospitalId,
            Reason = tx.Get("reason")!, At = clock.GetUtcNow(), TransactionId = receipt.TransactionId,
        };
        db.Set<BreakGlassEvent>().Add(ev);
        await db.SaveChangesAsync(ct);

        var version = await db.Set<RecordVersion>().AsNoTracking().FirstAsync(v => v.RecordId == designation.RecordId && v.Version == designation.Version, ct);
        var ciphertext = await blobs.GetAsync(version.CiphertextHash, ct) ?? throw new InvalidOperationException("Emergency summary blob missing.");
        var authorKey = await db.KeyBundles.AsNoTracking().Where(k => k.UserId == version.AuthorId).Select(k => k.SigningPublicKey).FirstAsync(ct);
        var summary = new SealedRecordResponse(designation.RecordId, designation.Version, patientId, version.AuthorId, "EmergencySummary", version.ContentType, version.CreatedAtMs,
            version.Nonce, version.KeyCommitment, version.Signature, ciphertext, new WrapDto(doctor.Id, designation.ReaderKeyId, designation.Enc, designation.WrappedKey),
            version.LedgerTransactionId, authorKey);

        var patientEmail = await db.Users.AsNoTracking().Where(u => u.Id == patientId).Select(u => u.Email).FirstAsync(ct);
        var hospitalName = await db.Organizations.AsNoTracking().Where(o => o.Id == hospitalId).Select(o => o.Name).FirstAsync(ct);
        await messages.SendAsync(new OutgoingMessage(patientEmail, "Emergency access to your summary",
            $"A doctor at {hospitalName} opened your emergency summary at {ev.At:u} (ledger transaction {receipt.TransactionId}). The platform administrator reviews every emergency access.", ev.At), ct);
        return new BreakGlassResponse(ev.Id, receipt.TransactionId, summary, hospitalKey.PublicKey, share.Sealed);
    }

    public async Task<IReadOnlyList<BreakGlassEventResponse>> EventsAsync(Caller caller, bool onlyUnreviewed, CancellationToken ct)
    {
        var q = db.Set<BreakGlassEvent>().AsNoTracking();
        q = caller.Role switch
        {
            Role.PlatformAdmin => onlyUnreviewed ? q.Where(e => e.ReviewedAt == null) : q,
            Role.Patient => q.Where(e => e.PatientId == caller.Id),
            Role.Doctor => q.Where(e => e.DoctorId == caller.Id),
            _ => q.Where(_ => false),
        };
        return await q.OrderByDescending(e => e.At).Take(500)
            .Select(e => new BreakGlassEventResponse(e.Id, e.DoctorId, e.PatientId, e.HospitalId, e.Reason, e.At, e.TransactionId, e.ReviewedAt, e.ReviewedBy, e.ReviewOutcome))
            .ToListAsync(ct);
    }

    public async Task ReviewAsync(Guid adminId, Guid eventId, ReviewRequest r, CancellationToken ct)
    {
        if (!ReviewOutcomes.Contains(r.Outcome ?? ""))
        {
            throw ProblemException.Invalid("outcome", "outcome must be one of: " + string.Join(", ", ReviewOutcomes.Order(StringComparer.Ordinal)));
        }
        var n = await db.Set<BreakGlassEvent>().Where(e => e.Id == eventId && e.ReviewedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.ReviewedAt, clock.GetUtcNow()).SetProperty(e => e.ReviewedBy, adminId).SetProperty(e => e.ReviewOutcome, r.Outcome), ct);
        if (n == 0)
        {
            throw await db.Set<BreakGlassEvent>().AnyAsync(e => e.Id == eventId, ct)
                ? ProblemException.Conflict("This event was already reviewed.")
                : ProblemException.NotFound($"Break-glass event {eventId}");
        }
    }
}

public static class EmergencyEndpoints
{
    public static IEndpointRouteBuilder MapEmergencyEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/emergency").WithTags("Emergency");
        g.MapPut("/hospitals/{hospitalId:guid}/key", (Guid hospitalId, EmergencyKeyRequest r, HttpContext http, EmergencyService s, CancellationToken ct) =>
            s.SetHospitalKeyAsync(http.User.Caller(), hospitalId, r, ct)).RequireAuthorization(Policies.HospitalStaff);
        g.MapGet("/hospitals/{hospitalId:guid}/key", (Guid hospitalId, EmergencyService s, CancellationToken ct) => s.HospitalKeyAsync(hospitalId, ct)).RequireAuthorization();
        g.MapGet("/key-shares", (HttpContext http, EmergencyService s, CancellationToken ct) => s.MySharesAsync(http.User.UserId(), ct)).RequireAuthorization(Policies.Doctor);
        g.MapPost("/designations", (DesignationRequest r, HttpContext http, EmergencyService s, CancellationToken ct) =>
            s.DesignateAsync(http.User.UserId(), r, ct)).RequireAuthorization(Policies.Patient);
        g.MapPost("/break-glass", (BreakGlassRequest r, HttpContext http, EmergencyService s, CancellationToken ct) =>
            s.BreakGlassAsync(http.User.Caller(), r, ct)).RequireAuthorization(Policies.Doctor);
        g.MapGet("/break-glass", (HttpContext http, EmergencyService s, CancellationToken ct) =>
            s.EventsAsync(http.User.Caller(), false, ct)).RequireAuthorization(Policies.CareParticipant);
        var admin = app.MapGroup("/api/admin/break-glass").WithTags("Admin").RequireAuthorization(Policies.PlatformAdmin);
        admin.MapGet("/", (bool? unreviewed, HttpContext http, EmergencyService s, CancellationToken ct) => s.EventsAsync(http.User.Caller(), unreviewed ?? false, ct));
        admin.MapPost("/{id:guid}/review", async (Guid id, ReviewRequest r, HttpContext http, EmergencyService s, CancellationToken ct) =>
        {
            await s.ReviewAsync(http.User.UserId(), id, r, ct);
            return Results.NoContent();
        });
        return app;
    }
}
