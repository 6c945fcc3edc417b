using System.Globalization;
using MedLedger.Server.Features.Appointments;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.Http;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Pharmacy;

/// <summary>
/// The pharmacy's records: a day's summary (stock moved per medicine, sales and dispenses, takings) and the stock movements of a
/// period as CSV. Days are calendar days in the time zone the pharmacist asks for (IANA id, UTC by default), so "today" at a
/// pharmacy in Berlin ends at its own midnight. Nothing here names a patient: movements never do, and takings are totals.
/// </summary>
public sealed class PharmacyReports(MedLedgerDbContext db, PharmacyAccess access, PayeeTakings takings)
{
    /// <summary>The longest period one CSV export covers.</summary>
    public const int MaxExportDays = 366;

    public async Task<DailySummary> DailyAsync(Guid pharmacyId, Caller caller, string? date, string? zone, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, caller, ct);
        var v = new Validator();
        var tz = Zone(zone, v);
        var day = Date(date, "date", v);
        v.ThrowIfInvalid();
        var (from, to) = Window(day!.Value, day.Value, tz);
        var moved = await MovementsAsync(pharmacyId, from, to, ct);
        var medicines = await MedicinesAsync(moved.Select(m => m.MedicineId), ct);
        var lines = moved.GroupBy(m => m.MedicineId)
            .Select(g =>
            {
                int Sum(StockMovementKind k) => g.Where(m => m.Kind == k).Sum(m => m.Quantity);
                var medicine = medicines[g.Key];
                return new DailyMedicineLine(g.Key, medicine.Name, medicine.Strength, Sum(StockMovementKind.Received), Sum(StockMovementKind.Sold),
                    Sum(StockMovementKind.Dispensed), Sum(StockMovementKind.WrittenOff), Sum(StockMovementKind.Returned), Sum(StockMovementKind.Adjusted));
            })
            .OrderBy(l => l.Name, StringComparer.OrdinalIgnoreCase).ThenBy(l => l.Strength, StringComparer.Ordinal).ToList();
        // A sale or dispense across several lots is one operation. Units reserved for orders leave stock as Sold movements (so
        // the Sold column counts them); they are counted as order reservations, not as walk-in sales.
        int Operations(StockMovementKind k, bool reservations = false) => moved
            .Where(m => m.Kind == k && (m.Reason == StockReservations.Reason) == reservations).Select(m => m.OperationId).Distinct().Count();
        return new DailySummary(day.Value, tz.Id, from, to, Operations(StockMovementKind.Sold), Operations(StockMovementKind.Dispensed),
            Operations(StockMovementKind.Sold, reservations: true), lines, await takings.BetweenAsync(pharmacyId, from, to, ct));
    }

    /// <summary>Stock movements from the start of <paramref name="from"/> to the end of <paramref name="to"/> (days in the zone), oldest first, as CSV.</summary>
    public async Task<byte[]> MovementsCsvAsync(Guid pharmacyId, Caller caller, string? from, string? to, string? zone, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, caller, ct);
        var v = new Validator();
        var tz = Zone(zone, v);
        var first = Date(from, "from", v);
        var last = Date(to, "to", v);
        if (first is { } f && last is { } l)
        {
            v.Require(l >= f, "to", "to must not be before from.");
            v.Require(l.DayNumber - f.DayNumber < MaxExportDays, "to", $"An export covers at most {MaxExportDays} days.");
        }
        v.ThrowIfInvalid();
        var (start, end) = Window(first!.Value, last!.Value, tz);
        var moved = await MovementsAsync(pharmacyId, start, end, ct);
        var medicines = await MedicinesAsync(moved.Select(m => m.MedicineId), ct);
        var lotIds = moved.Select(m => m.LotId).Distinct().ToList();
        var lots = await db.Set<StockLot>().AsNoTracking().Where(l => lotIds.Contains(l.Id)).ToDictionaryAsync(l => l.Id, ct);

        var csv = new CsvTable("at", "operation", "medicine", "strength", "form", "pack_size", "lot", "lot_expires", "kind", "quantity", "reason", "reference", "actor");
        foreach (var m in moved)
        {
            var medicine = medicines[m.MedicineId];
            var lot = lots[m.LotId];
            csv.Row(
                TimeZoneInfo.ConvertTime(m.At, tz).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
                m.OperationId.ToString(), CsvTable.Text(medicine.Name), CsvTable.Text(medicine.Strength), medicine.Form.ToString(),
                medicine.PackSize.ToString(CultureInfo.InvariantCulture), CsvTable.Text(lot.LotNumber), lot.ExpiresOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                m.Kind.ToString(), m.Quantity.ToString(CultureInfo.InvariantCulture), CsvTable.Text(m.Reason ?? ""), CsvTable.Text(m.Reference ?? ""),
                m.ActorId?.ToString() ?? "");
        }
        return csv.ToUtf8();
    }

    private Task<List<StockMovement>> MovementsAsync(Guid pharmacyId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        db.Set<StockMovement>().AsNoTracking().Where(m => m.PharmacyId == pharmacyId && m.At >= from && m.At < to)
            .OrderBy(m => m.At).ThenBy(m => m.OperationId).ThenBy(m => m.Id).ToListAsync(ct);

    private async Task<Dictionary<Guid, PharmacyMedicine>> MedicinesAsync(IEnumerable<Guid> ids, CancellationToken ct)
    {
        var distinct = ids.Distinct().ToList();
        return await db.Set<PharmacyMedicine>().AsNoTracking().Where(m => distinct.Contains(m.Id)).ToDictionaryAsync(m => m.Id, ct);
    }

    /// <summary>[start of <paramref name="first"/>, start of the day after <paramref name="last"/>) in the zone, as instants (a DST day is 23 or 25 hours).</summary>
    internal static (DateTimeOffset From, DateTimeOffset To) Window(DateOnly first, DateOnly last, TimeZoneInfo zone) =>
        (StartOf(first, zone), StartOf(last.AddDays(1), zone));

    private static DateTimeOffset StartOf(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // Midnight may not exist (a zone that springs forward at 00:00): the day then starts at the first valid minute.
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    private static TimeZoneInfo Zone(string? zone, Validator v)
    {
        if (zone is null)
        {
            return TimeZoneInfo.Utc;
        }
        var ok = ScheduleService.TryZone(zone, out var tz);
        v.Require(ok, "zone", "zone must be an IANA time zone id such as Europe/Berlin (UTC when left out).");
        return tz;
    }

    private static DateOnly? Date(string? value, string field, Validator v)
    {
        var ok = DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d.Year is >= 2000 and <= 2200;
        v.Require(ok, field, $"{field} is required as a date (yyyy-MM-dd).");
        return ok ? d : null;
    }
}
