using MedLedger.Server.Features.Payments;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Insurance;

/// <summary>
/// A patient applies for a plan and a period; the plan's insurer lists and declines applications (acceptance is
/// <see cref="PolicyIssuing"/>). An application is idempotent by patient, plan and period start (unique index), so a
/// retry with any key, or concurrent applies, return the first application.
/// </summary>
public sealed class PolicyApplying(MedLedgerDbContext db, PlanFinder plans, ApplicationRecordLinks links, TimeProvider clock, MedLedger.Server.Features.Organizations.OrganizationDirectory organizations)
{
    public async Task<ApplicationResponse> ApplyAsync(Caller patient, string? idempotencyKey, ApplyRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var key = IdempotencyKeys.Require(idempotencyKey);
        if (await SlotAsync(patient.Id, r.PlanId, r.PeriodStart, ct) is { } first)
        {
            return first;
        }
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var v = new Validator();
        v.Require(r.PeriodStart >= today && r.PeriodStart <= today.AddDays(PolicyRules.MaxDaysAhead), "periodStart",
            $"periodStart is a date from today to {PolicyRules.MaxDaysAhead} days ahead.");
        v.ThrowIfInvalid();
        // Open plans of verified insurers only (anything else is 404, as for browsing).
        var plan = await plans.GetAsync(patient, r.PlanId, ct);
        if (plan.Status != PlanStatus.Open)
        {
            throw ProblemException.NotFound($"Plan {r.PlanId}");
        }
        await organizations.RequireNotSuspendedAsync(plan.InsurerOrganizationId, "applications", ct);
        if (await db.Set<InsuranceApplication>().AsNoTracking().AnyAsync(a => a.PatientId == patient.Id && a.IdempotencyKey == key, ct))
        {
            throw new ProblemException(422, "idempotency-key-reused", "Idempotency-Key reused", "This Idempotency-Key was used for an application to another plan or period.");
        }
        var application = new InsuranceApplication
        {
            Id = Guid.NewGuid(), PatientId = patient.Id, PlanId = plan.Id, InsurerOrganizationId = plan.InsurerOrganizationId, PeriodStart = r.PeriodStart,
            IdempotencyKey = key, Status = ApplicationStatus.Submitted, CreatedAt = clock.GetUtcNow(),
        };
        db.Add(application);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent apply for the same slot (or key) inserted first.
            db.ChangeTracker.Clear();
            return await SlotAsync(patient.Id, r.PlanId, r.PeriodStart, ct)
                ?? throw new ProblemException(422, "idempotency-key-reused", "Idempotency-Key reused", "This Idempotency-Key was used for an application to another plan or period.");
        }
        return (await WithDocumentsAsync([application], ct))[0];
    }

    public async Task<IReadOnlyList<ApplicationResponse>> MineAsync(Caller patient, CancellationToken ct) =>
        await WithDocumentsAsync((await db.Set<InsuranceApplication>().AsNoTracking().Where(a => a.PatientId == patient.Id).ToListAsync(ct))
            .OrderBy(a => a.CreatedAt).ThenBy(a => a.Id).ToList(), ct);

    /// <summary>Insurer staff: their insurer's applications, optionally of one status, oldest first (a queue).</summary>
    public async Task<IReadOnlyList<ApplicationResponse>> InsurerAsync(Caller staff, string? status, CancellationToken ct)
    {
        ApplicationStatus? only = null;
        if (status is not null)
        {
            only = Enum.TryParse<ApplicationStatus>(status, ignoreCase: true, out var s) && Enum.IsDefined(s)
                ? s
                : throw ProblemException.Invalid("status", "One of submitted, accepting, accepted, declined.");
        }
        var insurer = staff.Organization;
        return await WithDocumentsAsync((await db.Set<InsuranceApplication>().AsNoTracking().Where(a => a.InsurerOrganizationId == insurer && (only == null || a.Status == only)).ToListAsync(ct))
            .OrderBy(a => a.CreatedAt).ThenBy(a => a.Id).ToList(), ct);
    }

    public async Task<ApplicationResponse> DeclineAsync(Caller staff, Guid applicationId, DeclineApplicationRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var application = await OwnAsync(staff, applicationId, ct);
        if (r.Reason is null || !PolicyRules.DeclineReasons.Contains(r.Reason))
        {
            throw ProblemException.Invalid("reason", "One of not-eligible, incomplete, duplicate, other.");
        }
        var now = clock.GetUtcNow();
        if (await db.Set<InsuranceApplication>().Where(a => a.Id == applicationId && a.Status == ApplicationStatus.Submitted)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, ApplicationStatus.Declined).SetProperty(a => a.DeclineReason, r.Reason)
                    .SetProperty(a => a.DecidedBy, staff.Id).SetProperty(a => a.DecidedAt, now), ct) != 1)
        {
            throw Decided(application.Id, application.Status);
        }
        return await GetAsync(applicationId, ct);
    }

    /// <summary>An application of the caller's insurer; another insurer's is "not found".</summary>
    internal async Task<InsuranceApplication> OwnAsync(Caller staff, Guid applicationId, CancellationToken ct)
    {
        var insurer = staff.Organization;
        return await db.Set<InsuranceApplication>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == applicationId && a.InsurerOrganizationId == insurer, ct)
            ?? throw ProblemException.NotFound($"Application {applicationId}");
    }

    internal async Task<ApplicationResponse> GetAsync(Guid applicationId, CancellationToken ct) =>
        (await WithDocumentsAsync([await db.Set<InsuranceApplication>().AsNoTracking().FirstAsync(a => a.Id == applicationId, ct)], ct))[0];

    internal static ProblemException Decided(Guid id, ApplicationStatus status) =>
        new(409, "application-decided", "Application decided", $"Application {id} is {PolicyRules.Name(status)}; only a submitted application is accepted or declined.");

    private async Task<ApplicationResponse?> SlotAsync(Guid patientId, Guid planId, DateOnly periodStart, CancellationToken ct) =>
        await db.Set<InsuranceApplication>().AsNoTracking().FirstOrDefaultAsync(a => a.PatientId == patientId && a.PlanId == planId && a.PeriodStart == periodStart, ct) is { } a
            ? (await WithDocumentsAsync([a], ct))[0]
            : null;

    private async Task<List<ApplicationResponse>> WithDocumentsAsync(IReadOnlyList<InsuranceApplication> applications, CancellationToken ct)
    {
        var documents = await links.OfAsync(applications.Select(a => a.Id).ToList(), ct);
        return applications.Select(a => new ApplicationResponse(a.Id, a.PatientId, a.PlanId, a.InsurerOrganizationId, a.PeriodStart, PolicyRules.Name(a.Status), a.DeclineReason,
            a.PolicyId, a.CreatedAt, a.DecidedAt, documents[a.Id].ToList())).ToList();
    }
}
