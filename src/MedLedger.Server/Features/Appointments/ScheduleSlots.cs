using System.Text.Json;

namespace MedLedger.Server.Features.Appointments;

/// <summary>The part of a schedule stored as JSON in <see cref="DoctorSchedule.Definition"/>.</summary>
public sealed record ScheduleDefinition(IReadOnlyList<WorkingHours> Hours, IReadOnlyList<ScheduleBreak> Breaks, IReadOnlyList<DateOnly> LeaveDays)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ScheduleDefinition Parse(string json) => JsonSerializer.Deserialize<ScheduleDefinition>(json, Json) ?? new ScheduleDefinition([], [], []);
}

/// <summary>One slot a schedule offers, in UTC.</summary>
public readonly record struct ScheduleSlot(DateTimeOffset Start, DateTimeOffset End, DateTime LocalStart);

/// <summary>
/// Turns a schedule's wall-clock hours into UTC slots with <see cref="TimeZoneInfo"/>. A working day runs in real time
/// from the instant its start is read on the wall clock to the instant its end is: on the spring-forward day an hour
/// that does not exist yields no slots, and on the autumn day the repeated hour yields slots for both passes (a wall
/// time that occurs twice starts at its first instant and ends at its second). Breaks and leave are wall-clock too.
/// </summary>
public static class ScheduleSlots
{
    public static IEnumerable<ScheduleSlot> Between(TimeZoneInfo zone, int slotMinutes, ScheduleDefinition definition, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(definition);
        var leave = definition.LeaveDays.ToHashSet();
        var slot = TimeSpan.FromMinutes(slotMinutes);
        var firstDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, zone).DateTime).AddDays(-1);
        var lastDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(to, zone).DateTime);
        for (var day = firstDay; day <= lastDay; day = day.AddDays(1))
        {
            if (leave.Contains(day))
            {
                continue;
            }
            foreach (var hours in definition.Hours.Where(h => h.Day == day.DayOfWeek).OrderBy(h => h.Start))
            {
                var start = ToInstant(zone, day.ToDateTime(hours.Start), first: true);
                var end = ToInstant(zone, day.ToDateTime(hours.End), first: false);
                for (var s = start; s + slot <= end; s += slot)
                {
                    if (s < from || s + slot > to)
                    {
                        continue;
                    }
                    var localStart = TimeZoneInfo.ConvertTime(s, zone).DateTime;
                    var localEnd = TimeZoneInfo.ConvertTime(s + slot, zone).DateTime;
                    if (!definition.Breaks.Any(b => (b.Day is null || b.Day == day.DayOfWeek) && Overlaps(day, b, localStart, localEnd)))
                    {
                        yield return new ScheduleSlot(s, s + slot, localStart);
                    }
                }
            }
        }
    }

    private static bool Overlaps(DateOnly day, ScheduleBreak b, DateTime localStart, DateTime localEnd) =>
        localStart < day.ToDateTime(b.End) && day.ToDateTime(b.Start) < localEnd;

    /// <summary>The UTC instant a wall time names: a skipped time is the moment the clock jumps; a repeated one its first or second pass.</summary>
    public static DateTimeOffset ToInstant(TimeZoneInfo zone, DateTime local, bool first)
    {
        ArgumentNullException.ThrowIfNull(zone);
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            // The offset in force just before the gap maps the skipped wall time onto the instant after the jump.
            var before = zone.GetUtcOffset(local.AddHours(-3));
            return new DateTimeOffset(local - before, TimeSpan.Zero).ToUniversalTime();
        }
        if (zone.IsAmbiguousTime(local))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(local);
            var offset = first ? offsets.Max() : offsets.Min();
            return new DateTimeOffset(local, offset).ToUniversalTime();
        }
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
