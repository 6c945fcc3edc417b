using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Appointments;

/// <summary>A doctor's schedule at their hospital, set by the doctor or by their hospital's verified staff.</summary>
public sealed class ScheduleService(MedLedgerDbContext db, AccountDirectory accounts, TimeProvider clock)
{
    public static readonly IReadOnlySet<int> SlotLengths = new HashSet<int> { 10, 15, 20, 30, 45, 60 };

    public async Task<ScheduleResponse> SetAsync(Caller caller, ScheduleRequest r, CancellationToken ct)
    {
        var hospitalId = await ManagedHospitalAsync(caller, r.DoctorId, ct);
        var breaks = r.Breaks ?? [];
        var leave = (r.LeaveDays ?? []).Distinct().Order().ToList();
        var v = new Validator();
        v.Require(TryZone(r.TimeZone, out _), "timeZone", "timeZone must be an IANA time zone such as Europe/Berlin.");
        v.Require(SlotLengths.Contains(r.SlotMinutes), "slotMinutes", "slotMinutes must be one of " + string.Join(", ", SlotLengths.Order()) + ".");
        v.Require(Enum.IsDefined(r.VisitKind), "visitKind", "visitKind must be InPerson or Remote.");
        v.Require(r.Hours is { Count: > 0 and <= 28 }, "hours", "Give 1 to 28 working-hour ranges.");
        v.Require((r.Hours ?? []).All(h => Enum.IsDefined(h.Day) && h.End > h.Start && OnGrid(h.Start) && OnGrid(h.End)), "hours",
            "Each range ends after it starts, on the same day, on 5-minute boundaries.");
        v.Require(breaks.Count <= 28 && breaks.All(b => b.End > b.Start && OnGrid(b.Start) && OnGrid(b.End)), "breaks", "Each break ends after it starts, on 5-minute boundaries (at most 28).");
        v.Require(leave.Count <= 366, "leaveDays", "At most 366 leave days.");
        v.ThrowIfInvalid();

        var definition = new ScheduleDefinition(r.Hours!, breaks, leave).ToJson();
        var row = await db.Set<DoctorSchedule>().FirstOrDefaultAsync(s => s.DoctorId == r.DoctorId && s.HospitalId == hospitalId, ct);
        if (row is null)
        {
            row = new DoctorSchedule { Id = Guid.NewGuid(), DoctorId = r.DoctorId, HospitalId = hospitalId, TimeZone = r.TimeZone, Definition = definition };
            db.Add(row);
        }
        row.TimeZone = r.TimeZone;
        row.SlotMinutes = r.SlotMinutes;
        row.VisitKind = r.VisitKind;
        row.Definition = definition;
        row.UpdatedAt = clock.GetUtcNow();
        row.UpdatedBy = caller.Id;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw ProblemException.Conflict("The schedule was created at the same time by someone else; load it and try again.");
        }
        return ToResponse(row);
    }

    public async Task<IReadOnlyList<ScheduleResponse>> OfDoctorAsync(Guid doctorId, CancellationToken ct) =>
        (await db.Set<DoctorSchedule>().AsNoTracking().Where(s => s.DoctorId == doctorId).ToListAsync(ct)).Select(ToResponse).ToList();

    public async Task<IReadOnlyList<ScheduleResponse>> OfHospitalAsync(Caller caller, CancellationToken ct) =>
        (await db.Set<DoctorSchedule>().AsNoTracking().Where(s => s.HospitalId == caller.Organization).ToListAsync(ct)).Select(ToResponse).ToList();

    /// <summary>The hospital whose schedule the caller may manage for the doctor: the doctor's own, or the staff member's, if the doctor works there.</summary>
    private async Task<Guid> ManagedHospitalAsync(Caller caller, Guid doctorId, CancellationToken ct)
    {
        var doctor = await accounts.FindAsync(doctorId, ct);
        if (doctor is null || doctor.Role != Role.Doctor || doctor.OrganizationId is null)
        {
            throw ProblemException.NotFound($"Doctor {doctorId}");
        }
        var allowed = caller.Role switch
        {
            Role.Doctor => caller.Id == doctorId,
            Role.HospitalStaff => caller.OrganizationId == doctor.OrganizationId,
            _ => false,
        };
        if (!allowed)
        {
            throw ProblemException.Forbidden("A schedule is managed by its doctor or by their hospital's staff.");
        }
        if (doctor.Verification != VerificationStatus.Approved || doctor.Suspended)
        {
            throw ProblemException.Conflict("The doctor is not verified or is suspended.");
        }
        return doctor.OrganizationId.Value;
    }

    private static bool OnGrid(TimeOnly t) => t.Second == 0 && t.Millisecond == 0 && t.Minute % 5 == 0;

    public static bool TryZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64)
        {
            return false;
        }
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }

    internal static ScheduleResponse ToResponse(DoctorSchedule s)
    {
        var d = ScheduleDefinition.Parse(s.Definition);
        return new ScheduleResponse(s.Id, s.DoctorId, s.HospitalId, s.TimeZone, s.SlotMinutes, s.VisitKind, d.Hours, d.Breaks, d.LeaveDays, s.UpdatedAt);
    }
}
