using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Care;

/// <summary>Hospital staff assign doctors of their own hospital to patients; the ledger's care state authorizes doctors' access.</summary>
public sealed class CareService(MedLedgerDbContext db, LedgerGateway ledger, LedgerRollForward rollForward, TimeProvider clock, AccountDirectory accounts,
    MedLedger.Server.Features.Organizations.OrganizationDirectory organizations)
{
    public async Task<AssignmentResponse> AssignAsync(Caller staff, AssignmentRequest r, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(r.Transaction, CareAssignContract.TypeName, staff.Id);
        var (doctorId, patientId) = await CheckAsync(staff, tx, ct);
        // Before anything else about the patient: an unknown id and an unrelated patient get the same answer.
        await RequireRelationshipAsync(patientId, staff.OrganizationId!.Value, ct);
        // Removing an assignment stays open; a new one is new work a suspended hospital does not take.
        await organizations.RequireNotSuspendedAsync(staff.OrganizationId!.Value, "doctor assignments", ct);
        if (await db.Set<CareAssignment>().AnyAsync(a => a.PatientId == patientId && a.DoctorId == doctorId, ct))
        {
            throw ProblemException.Conflict("The doctor is already assigned to this patient.");
        }
        // Recorded before the ledger step, so a crash after the commit is rolled forward (CareLedgerRows).
        var rows = new AssignmentRows(patientId, doctorId, staff.OrganizationId!.Value, staff.Id, clock.GetUtcNow());
        var receipt = await rollForward.SubmitAsync(tx, rows, ct);
        return ToResponse(new CareAssignment { PatientId = patientId, DoctorId = doctorId, HospitalId = rows.HospitalId, AssignedBy = staff.Id, AssignedAt = rows.At, TransactionId = receipt.TransactionId });
    }

    public async Task UnassignAsync(Caller staff, AssignmentRequest r, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(r.Transaction, CareUnassignContract.TypeName, staff.Id);
        var (doctorId, patientId) = await CheckAsync(staff, tx, ct);
        var row = await db.Set<CareAssignment>().FirstOrDefaultAsync(a => a.PatientId == patientId && a.DoctorId == doctorId && a.HospitalId == staff.OrganizationId, ct)
            ?? throw ProblemException.NotFound("That assignment");
        await rollForward.SubmitAsync(tx, new AssignmentRows(patientId, doctorId, row.HospitalId, staff.Id, clock.GetUtcNow()), ct);
    }

    private async Task<(Guid Doctor, Guid Patient)> CheckAsync(Caller staff, MedLedger.Ledger.LedgerTransaction tx, CancellationToken ct)
    {
        if (!Guid.TryParse(tx.Get("doctorId"), out var doctorId) || !Guid.TryParse(tx.Get("patientId"), out var patientId) || !Guid.TryParse(tx.Get("hospitalId"), out var hospitalId))
        {
            throw ProblemException.Invalid("transaction", "The transaction must name doctorId, patientId and hospitalId.");
        }
        if (hospitalId != staff.OrganizationId)
        {
            throw ProblemException.Forbidden("You can only assign doctors of your own hospital.");
        }
        var doctor = await accounts.FindAsync(doctorId, ct) ?? throw ProblemException.NotFound($"Doctor {doctorId}");
        if (doctor.Role != Role.Doctor || doctor.OrganizationId != hospitalId || doctor.Verification != VerificationStatus.Approved || doctor.Suspended)
        {
            throw ProblemException.Invalid("doctorId", "The doctor must be a verified doctor of your hospital.");
        }
        // Whether the patient exists is not checked here: an assignment needs the patient's relationship with the
        // hospital (which implies a registered patient), an unassignment an existing assignment row.
        return (doctorId, patientId);
    }

    /// <summary>The ledger's care state is the truth (the care.assign contract checks the same); asked before submitting for a clear answer.</summary>
    private async Task RequireRelationshipAsync(Guid patientId, Guid hospitalId, CancellationToken ct)
    {
        var related = await ledger.Peer.Queries.ScanStateAsync(CareKeys.RelationshipPrefix(patientId.ToString(), hospitalId.ToString()), 1, ct);
        if (related.Count == 0)
        {
            throw new ProblemException(403, "no-care-relationship", "No care relationship",
                "No patient with this id has registered with your hospital or holds a bed here; a doctor can be assigned only once the patient has.");
        }
    }

    public async Task<IReadOnlyList<AssignmentResponse>> ListAsync(Caller caller, CancellationToken ct)
    {
        var q = db.Set<CareAssignment>().AsNoTracking();
        q = caller.Role switch
        {
            Role.HospitalStaff => q.Where(a => a.HospitalId == caller.OrganizationId),
            Role.Doctor => q.Where(a => a.DoctorId == caller.Id),
            Role.Patient => q.Where(a => a.PatientId == caller.Id),
            _ => q.Where(_ => false),
        };
        return (await q.OrderByDescending(a => a.AssignedAt).Take(1000).ToListAsync(ct)).Select(ToResponse).ToList();
    }

    private static AssignmentResponse ToResponse(CareAssignment a) => new(a.PatientId, a.DoctorId, a.HospitalId, a.AssignedBy, a.AssignedAt, a.TransactionId);
}
