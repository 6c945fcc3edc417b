using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Appointments;

/// <summary>Free slots (schedule − breaks − leave − booked, never in the past) and the doctor search built on them.</summary>
public sealed class FreeSlotService(MedLedgerDbContext db, AccountDirectory accounts, OrganizationDirectory organizations, TimeProvider clock)
{
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    /// <summary>Slots starting sooner than this are not offered: the booking must still start after the ledger's time when it commits.</summary>
    public static readonly TimeSpan MinimumNotice = TimeSpan.FromMinutes(15);

    /// <summary>Statuses that keep a slot taken (a cancelled appointment frees it).</summary>
    internal static readonly AppointmentStatus[] Holding = [AppointmentStatus.Booked, AppointmentStatus.Arrived, AppointmentStatus.InProgress, AppointmentStatus.Fulfilled, AppointmentStatus.NoShow];

    public async Task<IReadOnlyList<FreeSlot>> OfDoctorAsync(Guid doctorId, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var (start, end) = Range(from, to);
        var schedules = await db.Set<DoctorSchedule>().AsNoTracking().Where(s => s.DoctorId == doctorId).ToListAsync(ct);
        if (schedules.Count == 0 || (await accounts.DoctorListingsAsync([doctorId], ct)).Count == 0)
        {
            throw ProblemException.NotFound($"A schedule of doctor {doctorId}");
        }
        var result = new List<FreeSlot>();
        foreach (var s in schedules)
        {
            result.AddRange(await FreeAsync(s, start, end, int.MaxValue, ct));
        }
        return result.OrderBy(r => r.Start).ToList();
    }

    /// <summary>Doctors with a schedule, by specialty, hospital or name (public directory data), each with their next free slots.</summary>
    public async Task<IReadOnlyList<DoctorListing>> FindDoctorsAsync(string? specialty, Guid? hospitalId, string? name, CancellationToken ct)
    {
        var schedules = await db.Set<DoctorSchedule>().AsNoTracking().Where(s => hospitalId == null || s.HospitalId == hospitalId).OrderBy(s => s.Id).Take(500).ToListAsync(ct);
        var listings = (await accounts.DoctorListingsAsync(schedules.Select(s => s.DoctorId).Distinct().ToList(), ct)).ToDictionary(l => l.Id);
        var hospitals = await organizations.NamesAsync(schedules.Select(s => s.HospitalId).Distinct().ToList(), ct);
        var now = clock.GetUtcNow();
        var result = new List<DoctorListing>();
        foreach (var s in schedules)
        {
            if (!listings.TryGetValue(s.DoctorId, out var l) || !hospitals.TryGetValue(s.HospitalId, out var hospitalName)
                || !Matches(l.Specialty, specialty) || !Matches(l.DisplayName, name))
            {
                continue;
            }
            result.Add(new DoctorListing(s.DoctorId, l.DisplayName, l.Specialty, s.HospitalId, hospitalName, await FreeAsync(s, now, now.AddDays(14), 3, ct)));
        }
        return result.OrderBy(d => d.NextSlots.Count == 0 ? DateTimeOffset.MaxValue : d.NextSlots[0].Start).ThenBy(d => d.DisplayName, StringComparer.Ordinal).ToList();
    }

    /// <summary>The schedule's free slots in [from, to), never before now, at most <paramref name="limit"/>.</summary>
    internal async Task<IReadOnlyList<FreeSlot>> FreeAsync(DoctorSchedule s, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct)
    {
        var earliest = clock.GetUtcNow() + MinimumNotice;
        from = from < earliest ? earliest : from;
        if (!ScheduleService.TryZone(s.TimeZone, out var zone) || from >= to)
        {
            return [];
        }
        var taken = await db.Set<Appointment>().AsNoTracking()
            .Where(a => a.DoctorId == s.DoctorId && a.EndsAt > from && a.StartsAt < to && Holding.Contains(a.Status))
            .Select(a => new { a.StartsAt, a.EndsAt }).ToListAsync(ct);
        return ScheduleSlots.Between(zone, s.SlotMinutes, ScheduleDefinition.Parse(s.Definition), from, to)
            .Where(slot => !taken.Any(t => t.StartsAt < slot.End && slot.Start < t.EndsAt))
            .Take(limit)
            .Select(slot => new FreeSlot(s.Id, s.DoctorId, s.HospitalId, slot.Start, slot.End, slot.LocalStart.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture), s.VisitKind))
            .ToList();
    }

    private (DateTimeOffset From, DateTimeOffset To) Range(DateTimeOffset? from, DateTimeOffset? to)
    {
        var start = from ?? clock.GetUtcNow();
        var end = to ?? start.AddDays(14);
        var v = new Validator();
        v.Require(end > start && end - start <= MaxRange, "to", "to must be after from, at most 31 days later.");
        v.ThrowIfInvalid();
        return (start, end);
    }

    private static bool Matches(string? value, string? query) =>
        string.IsNullOrWhiteSpace(query) || (value ?? "").Contains(query.Trim(), StringComparison.OrdinalIgnoreCase);
}
