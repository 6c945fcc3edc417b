using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Insurance;

/// <summary>
/// Records a patient attaches to their own insurance application (issue 17 item 2; docs/insurance.md "Application documents").
/// The server only links record ids (application_record_links); the patient's client makes the consent grants (purpose
/// insurance-application, scope exactly these records) for the insurer's admin-verified staff. A link opens a record to the
/// application's insurer only while the application awaits a decision, or afterwards when the patient kept it.
/// </summary>
public sealed class ApplicationDocuments(MedLedgerDbContext db, PatientRecordIds records, PolicyApplying applying, TimeProvider clock)
{
    public const int MaxDocuments = 16;

    /// <summary>
    /// Links the patient's own records to their application. New records only while it awaits a decision (409 otherwise); naming
    /// records already linked sets whether they stay open after the decision (allowed at any time: it is the patient's choice).
    /// Another patient's application, or a record that is not the caller's own, is a 404 and nothing changes.
    /// </summary>
    public async Task<ApplicationResponse> AttachAsync(Caller patient, Guid applicationId, AttachApplicationDocumentsRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var ids = r.RecordIds ?? [];
        if (ids.Count is 0 or > MaxDocuments || ids.Distinct().Count() != ids.Count || ids.Contains(Guid.Empty))
        {
            throw ProblemException.Invalid("recordIds", $"Attach 1 to {MaxDocuments} distinct records.");
        }
        var application = await db.Set<InsuranceApplication>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == applicationId && a.PatientId == patient.Id, ct)
            ?? throw ProblemException.NotFound($"Application {applicationId}");
        var own = await records.OwnAsync(patient.Id, ids, ct);
        if (ids.FirstOrDefault(id => !own.Contains(id)) is var missing && missing != Guid.Empty)
        {
            // The same answer whether the record does not exist or is someone else's.
            throw ProblemException.NotFound($"Record {missing}");
        }
        var linked = await db.Set<ApplicationRecordLink>().Where(l => l.ApplicationId == applicationId).ToListAsync(ct);
        var fresh = ids.Where(id => linked.All(l => l.RecordId != id)).ToList();
        if (fresh.Count > 0 && !AwaitsDecision(application.Status))
        {
            throw PolicyApplying.Decided(applicationId, application.Status);
        }
        if (linked.Count + fresh.Count > MaxDocuments)
        {
            throw ProblemException.Invalid("recordIds", $"An application holds at most {MaxDocuments} documents.");
        }
        foreach (var l in linked.Where(l => ids.Contains(l.RecordId)))
        {
            l.KeptAfterDecision = r.KeepAfterDecision;
        }
        var now = clock.GetUtcNow();
        foreach (var id in fresh)
        {
            db.Add(new ApplicationRecordLink
            {
                Id = Guid.NewGuid(), ApplicationId = applicationId, RecordId = id, PatientId = patient.Id, InsurerOrganizationId = application.InsurerOrganizationId,
                KeptAfterDecision = r.KeepAfterDecision, CreatedAt = now,
            });
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent attach of the same record linked it first: linked once either way.
            db.ChangeTracker.Clear();
        }
        return await applying.GetAsync(applicationId, ct);
    }

    /// <summary>Insurer staff: the records attached to one of their insurer's applications (another insurer's is a 404).</summary>
    public async Task<ApplicationDocumentsResponse> ForInsurerAsync(Caller staff, Guid applicationId, CancellationToken ct)
    {
        var application = await applying.OwnAsync(staff, applicationId, ct);
        var links = await db.Set<ApplicationRecordLink>().AsNoTracking().Where(l => l.ApplicationId == applicationId).ToListAsync(ct);
        var awaiting = AwaitsDecision(application.Status);
        return new ApplicationDocumentsResponse(application.Id, application.PatientId, PolicyRules.Name(application.Status),
            links.OrderBy(l => l.CreatedAt).ThenBy(l => l.RecordId).Select(l => new ApplicationDocumentDto(l.RecordId, l.KeptAfterDecision, awaiting || l.KeptAfterDecision)).ToList());
    }

    internal static bool AwaitsDecision(ApplicationStatus s) => s is ApplicationStatus.Submitted or ApplicationStatus.Accepting;
}

/// <summary>The read rule's question (Records asks): which of these records an insurer's application links open to that insurer now.</summary>
public sealed class ApplicationRecordLinks(MedLedgerDbContext db)
{
    public async Task<HashSet<Guid>> OpenToInsurerAsync(Guid insurerId, IReadOnlyCollection<Guid> recordIds, CancellationToken ct) =>
        (await (from l in db.Set<ApplicationRecordLink>().AsNoTracking()
                join a in db.Set<InsuranceApplication>().AsNoTracking() on l.ApplicationId equals a.Id
                where l.InsurerOrganizationId == insurerId && recordIds.Contains(l.RecordId)
                      && (l.KeptAfterDecision || a.Status == ApplicationStatus.Submitted || a.Status == ApplicationStatus.Accepting)
                select l.RecordId).ToListAsync(ct)).ToHashSet();

    /// <summary>The records linked to each of these applications.</summary>
    internal async Task<ILookup<Guid, Guid>> OfAsync(IReadOnlyCollection<Guid> applicationIds, CancellationToken ct) =>
        (await db.Set<ApplicationRecordLink>().AsNoTracking().Where(l => applicationIds.Contains(l.ApplicationId))
            .OrderBy(l => l.CreatedAt).Select(l => new { l.ApplicationId, l.RecordId }).ToListAsync(ct)).ToLookup(l => l.ApplicationId, l => l.RecordId);
}
