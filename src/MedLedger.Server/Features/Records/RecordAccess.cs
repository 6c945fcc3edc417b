using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Consent;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Records;

/// <summary>The caller as the access rules see them.</summary>
public sealed record Caller(Guid Id, Role Role, Guid? OrganizationId);

/// <summary>
/// Who may read or write which record — the rules of DESIGN.md "Authorization" in one place:
/// a patient their own records; a doctor while assigned (ledger care state) and consented;
/// a pharmacist only MedicationRequest records shared with them; insurer staff only records
/// attached to a claim against their company and shared with them. Everyone else: never.
/// Every refusal is recorded (security event + ledger records.access-denied).
/// </summary>
public sealed class RecordAccess(MedLedgerDbContext db, LedgerGateway ledger, SecurityEventLog events, TimeProvider clock)
{
    public const string MedicationRequest = "MedicationRequest";

    /// <summary>The ledger's care state is the authority on assignments (the relational table only mirrors it for listing).</summary>
    public async Task<bool> IsAssignedAsync(Guid doctorId, Guid patientId, CancellationToken ct) =>
        await ledger.Peer.Queries.GetStateAsync(CareKeys.Assignment(patientId.ToString(), doctorId.ToString()), ct) is not null;

    /// <summary>The active grant that lets <paramref name="caller"/> read the record, or a refusal code.</summary>
    public async Task<(ConsentGrant? Grant, string? Refusal)> ReadDecisionAsync(Caller caller, MedicalRecord record, CancellationToken ct)
    {
        if (caller.Role == Role.Patient)
        {
            return record.PatientId == caller.Id ? (null, null) : (null, "not-own-record");
        }
        switch (caller.Role)
        {
            case Role.Doctor:
                if (!await IsAssignedAsync(caller.Id, record.PatientId, ct))
                {
                    return (null, "not-assigned");
                }
                break;
            case Role.Pharmacist:
                if (record.Category != MedicationRequest)
                {
                    return (null, "pharmacist-non-prescription");
                }
                break;
            case Role.InsurerStaff:
                if (caller.OrganizationId is not { } insurer
                    || !await db.Set<ClaimRecordLink>().AnyAsync(l => l.RecordId == record.Id && l.InsurerOrganizationId == insurer, ct))
                {
                    return (null, "not-attached-to-claim");
                }
                break;
            default:
                return (null, "role-never-reads-records");
        }
        var grant = await ActiveGrantAsync(record.PatientId, caller.Id, record, ct);
        return grant is null ? (null, "no-consent") : (grant, null);
    }

    public async Task<ConsentGrant?> ActiveGrantAsync(Guid patientId, Guid granteeId, MedicalRecord record, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var grants = await db.Set<ConsentGrant>().AsNoTracking()
            .Where(g => g.PatientId == patientId && g.GranteeId == granteeId && g.RevokedAt == null)
            .ToListAsync(ct);
        return grants.FirstOrDefault(g => g.IsActive(now) && g.Covers(record.Id, record.Category));
    }

    /// <summary>May the caller author a version for this patient? Patients for themselves; doctors while assigned.</summary>
    public async Task<string?> WriteRefusalAsync(Caller caller, Guid patientId, CancellationToken ct) => caller.Role switch
    {
        Role.Patient => caller.Id == patientId ? null : "not-own-record",
        Role.Doctor => await IsAssignedAsync(caller.Id, patientId, ct) ? null : "not-assigned",
        _ => "role-never-writes-records",
    };

    /// <summary>Records the refusal (security event and ledger) and returns the problem to throw.</summary>
    public async Task<ProblemException> RefuseAsync(Caller caller, Guid? recordId, Guid? patientId, string reason, CancellationToken ct)
    {
        await events.RecordAsync(SecurityEventKind.AccessDenied, caller.Id, patientId, $"record={recordId};reason={reason}", ct);
        var payload = new Dictionary<string, string> { ["readerId"] = caller.Id.ToString(), ["reason"] = reason };
        if (recordId is { } r)
        {
            payload["recordId"] = r.ToString();
        }
        if (patientId is { } p)
        {
            payload["patientId"] = p.ToString();
        }
        await ledger.SubmitSystemEventAsync(RecordAccessDeniedContract.TypeName, payload, ct);
        return ProblemException.Forbidden(reason switch
        {
            "not-assigned" => "You are not assigned to this patient.",
            "no-consent" => "The patient has not shared this record with you (or the consent was revoked or expired).",
            "pharmacist-non-prescription" => "Pharmacists can read only MedicationRequest records shared with them.",
            "not-attached-to-claim" => "Insurer staff can read only records attached to a claim against their company.",
            "not-own-record" => "You can only access your own records.",
            _ => "Your role cannot access medical records.",
        });
    }
}
