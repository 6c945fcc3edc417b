using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Appointments;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Hospitals;

/// <summary>
/// Ratings by patients who had a bed booking or a fulfilled appointment at the hospital: one per patient per hospital, editable.
/// Comments are stored and returned as plain text (never HTML); clients render them as text.
/// </summary>
public sealed class ReviewService(MedLedgerDbContext db, BedService beds, AppointmentReader appointments, HospitalDirectoryService directory, TimeProvider clock, HospitalVisibility visibility)
{
    public const int PageSize = 50;

    public async Task<(ReviewResponse Review, bool Created)> UpsertAsync(Guid hospitalId, Guid patientId, ReviewUpsert u, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(u.Rating is >= 1 and <= 5, "rating", "rating must be a whole number from 1 to 5.");
        var comment = string.IsNullOrWhiteSpace(u.Comment) ? null : u.Comment.Trim();
        v.Require(comment is null || comment.Length <= HospitalLimits.Comment, "comment", $"comment must be at most {HospitalLimits.Comment} characters.");
        v.Require(comment is null || HospitalDirectoryService.IsPlainText(comment), "comment", "comment must be plain text (no control characters other than line breaks and tabs).");
        v.ThrowIfInvalid();
        await visibility.RequireVisibleAsync(hospitalId, null, Role.Patient, ct);
        if (!await beds.HadBookingAsync(patientId, hospitalId, ct) && !await appointments.HadFulfilledAtAsync(patientId, hospitalId, ct))
        {
            throw ProblemException.Forbidden("Only a patient who had a booking or a fulfilled appointment at this hospital may review it.");
        }
        var now = clock.GetUtcNow();
        var review = await db.Set<HospitalReview>().FirstOrDefaultAsync(r => r.HospitalId == hospitalId && r.PatientId == patientId, ct);
        var created = review is null;
        if (review is null)
        {
            review = new HospitalReview { Id = Guid.NewGuid(), HospitalId = hospitalId, PatientId = patientId, CreatedAt = now };
            db.Add(review);
        }
        review.Rating = u.Rating;
        review.Comment = comment;
        review.UpdatedAt = now;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (created)
        {
            // The unique (hospital, patient) index refused a second review sent at the same time.
            throw ProblemException.Conflict("You already reviewed this hospital; edit that review instead.");
        }
        return (ToResponse(review, patientId), created);
    }

    public async Task<ReviewPage> ListAsync(Guid hospitalId, Guid? callerId, Guid? callerOrg, Role? callerRole, int? page, CancellationToken ct)
    {
        var p = page ?? 1;
        if (p is < 1 or > 10_000)
        {
            throw ProblemException.Invalid("page", "page must be between 1 and 10000.");
        }
        await visibility.RequireVisibleAsync(hospitalId, callerOrg, callerRole, ct);
        var rows = await db.Set<HospitalReview>().AsNoTracking().Where(r => r.HospitalId == hospitalId)
            .OrderByDescending(r => r.UpdatedAt).ThenBy(r => r.Id).Skip((p - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        var rating = (await directory.RatingsAsync([hospitalId], ct)).GetValueOrDefault(hospitalId, new RatingSummary(null, 0));
        return new ReviewPage(rating, rows.Select(r => ToResponse(r, callerId)).ToList());
    }

    // Reviews are shown without the author's id: the "mine" flag is enough for editing.
    private static ReviewResponse ToResponse(HospitalReview r, Guid? caller) =>
        new(r.Id, r.HospitalId, r.Rating, r.Comment, r.CreatedAt, r.UpdatedAt, r.PatientId == caller);
}
