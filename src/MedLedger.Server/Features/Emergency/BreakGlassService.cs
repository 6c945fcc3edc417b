using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.Messaging;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Emergency;

/// <summary>
/// Break-glass: the only server-enforced release of medical data without the patient's consent.
/// The summary's wrap (for the hospital's emergency key) is released only after the doctor's signed
/// break-glass transaction commits; the patient is notified and the admin reviews every event.
/// </summary>
public sealed class BreakGlassService(
    MedLedgerDbContext db,
    LedgerRollForward rollForward,
    TimeProvider clock,
    IMessageSender messages,
    SecurityEventLog events,
    SealedVersionReader sealedVersions,
    AccountDirectory accounts,
    OrganizationDirectory organizations)
{
    public static readonly IReadOnlySet<string> ReviewOutcomes = new HashSet<string>(StringComparer.Ordinal) { "justified", "unjustified", "needs-follow-up" };

    public async Task<BreakGlassResponse> BreakGlassAsync(Caller doctor, BreakGlassRequest r, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(r.Transaction, BreakGlassContract.TypeName, doctor.Id);
        if (!Guid.TryParse(tx.Get("patientId"), out var patientId) || !Guid.TryParse(tx.Get("hospitalId"), out var hospitalId))
        {
            throw ProblemException.Invalid("transaction", "The break-glass transaction must name patientId and hospitalId.");
        }
        var v = new Validator();
        v.Require(BreakGlassContract.Reasons.Contains(r.Reason ?? ""), "reason", "reason must be one of: " + string.Join(", ", BreakGlassContract.Reasons.Order(StringComparer.Ordinal)));
        v.Require(r.ReasonSalt is { Length: BreakGlassReasonCommitment.SaltLength }, "reasonSalt", $"reasonSalt is {BreakGlassReasonCommitment.SaltLength} random bytes.");
        v.ThrowIfInvalid();
        if (tx.Get("reasonCommitment") != BreakGlassReasonCommitment.Compute(r.Reason!, r.ReasonSalt))
        {
            throw ProblemException.Invalid("transaction", "The transaction's reasonCommitment does not commit to this reason and salt.");
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
        if (designation.ReaderKeyId != KeyFingerprints.EncryptionKeyId(hospitalKey.PublicKey))
        {
            throw ProblemException.Conflict("This patient's summary is still wrapped for an earlier emergency key of your hospital; the patient's app re-wraps it at their next sign-in.");
        }
        // Commit first: the release below happens only for a transaction that is on the ledger. The event row (what the
        // admin reviews and the patient sees) is written by BreakGlassLedgerRows, rolled forward after a crash.
        var rows = new BreakGlassRows(Guid.NewGuid(), doctor.Id, patientId, hospitalId, r.Reason!, r.ReasonSalt, clock.GetUtcNow());
        var receipt = await rollForward.SubmitAsync(tx, rows, ct);

        var summary = await sealedVersions.ReadAsync(designation.RecordId, designation.Version,
                new WrapDto(doctor.Id, designation.ReaderKeyId, designation.Enc, designation.WrappedKey), ct)
            ?? throw new InvalidOperationException("The designated emergency summary version is missing.");

        var patientEmail = await accounts.EmailOfAsync(patientId, ct);
        var hospitalName = await organizations.NameOfAsync(hospitalId, ct);
        await messages.SendAsync(new OutgoingMessage(patientEmail, "Emergency access to your summary",
            $"A doctor at {hospitalName} opened your emergency summary at {rows.At:u} (ledger transaction {receipt.TransactionId}). The platform administrator reviews every emergency access.", rows.At), ct);
        return new BreakGlassResponse(rows.EventId, receipt.TransactionId, summary, hospitalKey.PublicKey, share.Sealed);
    }

    /// <summary>Break-glass events no admin has reviewed yet (the dashboard's count).</summary>
    public Task<int> AwaitingReviewAsync(CancellationToken ct) => db.Set<BreakGlassEvent>().CountAsync(e => e.ReviewedAt == null, ct);

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
            .Select(e => new BreakGlassEventResponse(e.Id, e.DoctorId, e.PatientId, e.HospitalId, e.Reason, e.ReasonSalt, e.At, e.TransactionId, e.ReviewedAt, e.ReviewedBy, e.ReviewOutcome))
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
