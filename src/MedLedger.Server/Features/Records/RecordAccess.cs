using System.Globalization;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Consent;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Records;

/// <summary>
/// Who may read or write which record — the rules of DESIGN.md "Authorization" in one place:
/// a patient their own records; a doctor while assigned (ledger care state) and consented;
/// a pharmacist only MedicationRequest records shared with them; insurer staff only records
/// attached to a claim against their company, or to an application to it (while open), and shared with them. Everyone else: never.
/// Every refusal is recorded, and bounded per caller and window (<see cref="RefusalLimiter"/>): the first on the ledger
/// (records.access-denied) at once, the rest as one records.access-denied-summary when the window ends; security events
/// for every refusal answered 403 and for each summary; beyond the limit 429 and nothing more.
/// </summary>
public sealed class RecordAccess(MedLedgerDbContext db, LedgerGateway ledger, SecurityEventLog events, TimeProvider clock, ConsentGrants consent, RefusalLimiter refusals,
    Appointments.AppointmentReader appointments, Insurance.ApplicationRecordLinks applicationLinks)
{
    public const string MedicationRequest = RecordCategories.MedicationRequest;

    /// <summary>The ledger's care state is the authority on assignments (the relational table only mirrors it for listing).</summary>
    public async Task<bool> IsAssignedAsync(Guid doctorId, Guid patientId, CancellationToken ct) =>
        await ledger.Peer.Queries.GetStateAsync(CareKeys.Assignment(patientId.ToString(), doctorId.ToString()), ct) is not null;

    /// <summary>The active grant that lets <paramref name="caller"/> read the record, or a refusal code.</summary>
    public async Task<(ActiveGrant? Grant, string? Refusal)> ReadDecisionAsync(Caller caller, MedicalRecord record, CancellationToken ct)
    {
        var facts = await FactsAsync(caller, [record], ct);
        return Decide(caller, record, facts);
    }

    /// <summary>The subset of <paramref name="records"/> the caller may read, with a fixed number of queries per distinct patient.</summary>
    public async Task<HashSet<Guid>> ReadableAsync(Caller caller, IReadOnlyList<MedicalRecord> records, CancellationToken ct)
    {
        var facts = await FactsAsync(caller, records, ct);
        return records.Where(r => Decide(caller, r, facts).Refusal is null).Select(r => r.Id).ToHashSet();
    }

    /// <summary>What the rules need to know, fetched once for a set of records.</summary>
    private sealed record AccessFacts(HashSet<Guid> AssignedPatients, ILookup<Guid, ActiveGrant> GrantsByPatient, HashSet<Guid> ClaimLinkedRecords, DateTimeOffset Now);

    private async Task<AccessFacts> FactsAsync(Caller caller, IReadOnlyList<MedicalRecord> records, CancellationToken ct)
    {
        var patients = records.Select(r => r.PatientId).Distinct().ToList();
        var assigned = new HashSet<Guid>();
        var grants = Array.Empty<ActiveGrant>().ToLookup(g => g.PatientId);
        var linked = new HashSet<Guid>();
        if (caller.Role is Role.Doctor or Role.Pharmacist or Role.InsurerStaff)
        {
            if (caller.Role == Role.Doctor)
            {
                foreach (var p in patients)
                {
                    if (await IsAssignedAsync(caller.Id, p, ct))
                    {
                        assigned.Add(p);
                    }
                }
            }
            grants = (await consent.ToGranteeAsync(caller.Id, patients, ct)).ToLookup(g => g.PatientId);
            if (caller.Role == Role.InsurerStaff && caller.OrganizationId is { } insurer)
            {
                var ids = records.Select(r => r.Id).ToList();
                linked = (await db.Set<ClaimRecordLink>().AsNoTracking()
                    .Where(l => l.InsurerOrganizationId == insurer && ids.Contains(l.RecordId)).Select(l => l.RecordId).ToListAsync(ct)).ToHashSet();
                // Records attached to an application to this insurer (Insurance owns those links) open the same way, while they are open.
                linked.UnionWith(await applicationLinks.OpenToInsurerAsync(insurer, ids, ct));
            }
        }
        return new AccessFacts(assigned, grants, linked, clock.GetUtcNow());
    }

    /// <summary>The read rules themselves, over facts fetched beforehand (pure, so single and batch reads agree).</summary>
    private static (ActiveGrant? Grant, string? Refusal) Decide(Caller caller, MedicalRecord record, AccessFacts facts)
    {
        switch (caller.Role)
        {
            case Role.Patient:
                return record.PatientId == caller.Id ? (null, null) : (null, "not-own-record");
            case Role.Doctor when !facts.AssignedPatients.Contains(record.PatientId):
                // An appointment with the patient stands in for the care assignment, for what they shared for that visit
                // (the contract ties such a grant to the patient's appointment with this doctor).
                var forVisit = facts.GrantsByPatient[record.PatientId].FirstOrDefault(g => g.AppointmentId is not null && g.IsActive(facts.Now) && g.Covers(record.Id, record.Category));
                return forVisit is null ? (null, "not-assigned") : (forVisit, null);
            case Role.Pharmacist when record.Category != MedicationRequest:
                return (null, "pharmacist-non-prescription");
            case Role.InsurerStaff when !facts.ClaimLinkedRecords.Contains(record.Id):
                return (null, "not-attached-to-claim");
            case Role.Doctor or Role.Pharmacist or Role.InsurerStaff:
                var grant = facts.GrantsByPatient[record.PatientId].FirstOrDefault(g => g.IsActive(facts.Now) && g.Covers(record.Id, record.Category));
                return grant is null ? (null, "no-consent") : (grant, null);
            default:
                return (null, "role-never-reads-records");
        }
    }

    /// <summary>
    /// May the caller author a version for this patient? Patients for themselves; doctors while assigned, or during a
    /// visit with the patient (then records.write must name the appointment: the contract checks it).
    /// </summary>
    public async Task<string?> WriteRefusalAsync(Caller caller, Guid patientId, CancellationToken ct) => caller.Role switch
    {
        Role.Patient => caller.Id == patientId ? null : "not-own-record",
        Role.Doctor => await IsAssignedAsync(caller.Id, patientId, ct) || await appointments.InVisitAsync(caller.Id, patientId, ct) ? null : "not-assigned",
        // A pharmacist writes only the dispense record of a fill they made (records.write names the fill; the contract checks
        // it); dispensing needs the patient's grant, so without one there is nothing to write.
        Role.Pharmacist => (await consent.ToGranteeAsync(caller.Id, [patientId], ct)).Any(g => g.IsActive(clock.GetUtcNow())) ? null : "no-consent",
        _ => "role-never-writes-records",
    };

    /// <summary>Counts and records the refusal (see the class summary) and returns the problem to throw: 403, or 429 over the limit.</summary>
    public async Task<ProblemException> RefuseAsync(Caller caller, Guid? recordId, Guid? patientId, string reason, CancellationToken ct)
    {
        var count = refusals.Count(caller.Id);
        if (count.EndedWindow is { } ended)
        {
            // Not the request's token: a caller hanging up must not cut short (or, as a cancelled wait may still
            // commit, duplicate) the summary of their previous window.
            await WriteSummariesAsync([ended], CancellationToken.None);
        }
        if (count.Verdict == RefusalVerdict.RateLimited)
        {
            // Counted into the window's summary only: past the limit a caller cannot make the server write anything more.
            return ProblemException.RateLimited("Too many of your record requests were refused recently; wait before trying again.", count.RetryAfter);
        }
        await events.RecordAsync(SecurityEventKind.AccessDenied, caller.Id, patientId, $"record={recordId};reason={reason}", ct);
        if (count.Verdict == RefusalVerdict.RecordNow)
        {
            await SubmitDeniedAsync(caller, recordId, patientId, reason, ct);
        }
        return ProblemException.Forbidden(reason switch
        {
            "not-assigned" => "You are not assigned to this patient.",
            "no-consent" => "The patient has not shared this record with you (or the consent was revoked or expired).",
            "pharmacist-non-prescription" => "Pharmacists can read only MedicationRequest records shared with them.",
            "not-attached-to-claim" => "Insurer staff can read only records attached to a claim against their company or to an application to it awaiting a decision.",
            "not-own-record" => "You can only access your own records.",
            _ => "Your role cannot access medical records.",
        });
    }

    private async Task SubmitDeniedAsync(Caller caller, Guid? recordId, Guid? patientId, string reason, CancellationToken ct)
    {
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
    }

    /// <summary>
    /// Writes the summaries of ended refusal windows (of every window when <paramref name="final"/>, at shutdown);
    /// returns how many. The background sweep calls it; a caller's next refusal writes their own ended window first.
    /// </summary>
    public Task<int> WriteRefusalSummariesAsync(bool final, CancellationToken ct) => WriteSummariesAsync(refusals.Take(final), ct);

    private async Task<int> WriteSummariesAsync(IReadOnlyList<RefusalSummary> summaries, CancellationToken ct)
    {
        var written = 0;
        try
        {
            foreach (var s in summaries)
            {
                var counts = $"count={s.Count};rateLimited={s.RateLimited}";
                await events.RecordAsync(SecurityEventKind.AccessDeniedSummary, s.ReaderId, null, $"window={s.WindowStart:O};{counts}", ct);
                await ledger.SubmitSystemEventAsync(RecordAccessDeniedSummaryContract.TypeName, new Dictionary<string, string>
                {
                    ["readerId"] = s.ReaderId.ToString(),
                    ["windowStartMs"] = s.WindowStart.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                    ["count"] = s.Count.ToString(CultureInfo.InvariantCulture),
                    ["rateLimited"] = s.RateLimited.ToString(CultureInfo.InvariantCulture),
                }, ct);
                written++;
            }
        }
        catch
        {
            // Not lost: the limiter keeps what was not written for the next sweep (a summary whose security event was
            // saved but whose ledger entry failed is written again, so the admin may see its event twice).
            refusals.Return(summaries.Skip(written));
            throw;
        }
        return written;
    }
}
