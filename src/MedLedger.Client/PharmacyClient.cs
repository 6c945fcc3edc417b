using System.Globalization;

namespace MedLedger.Client;

// Wire shapes of the pharmacy API (docs/pharmacy.md). Names differ from the server's on purpose
// so code that sees both assemblies (tests) never meets an ambiguous type.

public enum DosageForm { Tablet, Capsule, Liquid, Injection, Cream, Inhaler, Drops, Patch, Other }

public enum DrugSchedule { None, II, III, IV, V }

/// <summary>What patients see instead of counts.</summary>
public enum MedicineAvailability { InStock, Low, Out }

public enum StockMovementType { Received, Adjusted, WrittenOff, Returned, Sold, Dispensed }

public sealed record NewMedicine(string Name, string Strength, DosageForm Form, int PackSize, long PriceMinor, string Currency,
    bool PrescriptionOnly, DrugSchedule Schedule, int ReorderLevel);

public sealed record CatalogueMedicine(Guid Id, Guid PharmacyId, string Name, string Strength, DosageForm Form, int PackSize, long PriceMinor, string Currency,
    bool PrescriptionOnly, DrugSchedule Schedule, int ReorderLevel, int Version, bool Discontinued);

/// <summary>What a pharmacist may change about a catalogue entry, made on <paramref name="Version"/> (a stale version is a 409).</summary>
public sealed record MedicineEdit(long PriceMinor, bool PrescriptionOnly, DrugSchedule Schedule, int ReorderLevel, bool Discontinued, int Version)
{
    /// <summary>An edit starting from the entry as it is now.</summary>
    public static MedicineEdit From(CatalogueMedicine m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new(m.PriceMinor, m.PrescriptionOnly, m.Schedule, m.ReorderLevel, m.Discontinued, m.Version);
    }
}

public sealed record MedicinePriceChange(long OldPriceMinor, long NewPriceMinor, Guid ActorId, DateTimeOffset At);

public sealed record DailyStockLine(Guid MedicineId, string Name, string Strength, int Received, int Sold, int Dispensed, int WrittenOff, int Returned, int Adjusted);

public sealed record DailyTakings(string Currency, int Payments, long Paid, int Refunds, long Refunded, long Net);

public sealed record PharmacyDailySummary(DateOnly Date, string Zone, DateTimeOffset From, DateTimeOffset To, int Sales, int Dispenses, int OrderReservations,
    IReadOnlyList<DailyStockLine> Medicines, IReadOnlyList<DailyTakings> Takings);

public sealed record StockLotView(Guid Id, Guid MedicineId, string LotNumber, DateOnly ExpiresOn, bool Expired,
    int Received, int Sold, int Dispensed, int WrittenOff, int Returned, int Adjusted, int OnHand);

/// <summary>A medicine with its lots and exact counts (the pharmacy's own pharmacists only). Usable = on hand in unexpired lots.</summary>
public sealed record PharmacyStockLine(CatalogueMedicine Medicine, int Usable, MedicineAvailability Availability, IReadOnlyList<StockLotView> Lots);

public sealed record TakenFromLot(Guid LotId, string LotNumber, DateOnly ExpiresOn, int Quantity);

public sealed record TakenFromStock(Guid OperationId, Guid MedicineId, int Quantity, IReadOnlyList<TakenFromLot> Lots);

public sealed record StockMovementEntry(Guid Id, Guid OperationId, Guid MedicineId, Guid LotId, StockMovementType Kind, int Quantity, string? Reason, string? Reference,
    Guid? ActorId, DateTimeOffset At);

public sealed record ExpiringLot(CatalogueMedicine Medicine, StockLotView Lot);

public sealed record CatalogueLine(CatalogueMedicine Medicine, MedicineAvailability Availability);

public sealed record PharmacyCatalogueView(Guid PharmacyId, string Name, string Address, IReadOnlyList<CatalogueLine> Items);

public sealed record MedicineHit(Guid PharmacyId, string PharmacyName, string PharmacyAddress, CatalogueMedicine Medicine, MedicineAvailability Availability);

public sealed record MedicineSearchPage(int Total, int Page, int PageSize, IReadOnlyList<MedicineHit> Items);

public sealed record PharmacyNearby(Guid PharmacyId, string Name, string Address, double Latitude, double Longitude, double DistanceKm, IReadOnlyList<CatalogueLine> Matches);

public sealed record PharmaciesNearbyPage(int Total, IReadOnlyList<PharmacyNearby> Items);

public sealed partial class MedLedgerClient
{
    // ---- anyone signed in ------------------------------------------------------------------

    /// <summary>Medicines whose name contains <paramref name="query"/> at verified pharmacies, in stock first.</summary>
    public Task<MedicineSearchPage> SearchMedicinesAsync(string query, int page = 1, int pageSize = 20, CancellationToken ct = default) =>
        SendAsync<MedicineSearchPage>(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"/api/medicines/search?q={Uri.EscapeDataString(query)}&page={page}&pageSize={pageSize}"),
            null, authorize: true, ct);

    /// <summary>Verified pharmacies near a point, nearest first; with <paramref name="has"/>, only those with a matching medicine in stock.</summary>
    public Task<PharmaciesNearbyPage> PharmaciesNearbyAsync(double latitude, double longitude, double? radiusKm = null, string? has = null, CancellationToken ct = default)
    {
        var q = string.Create(CultureInfo.InvariantCulture, $"lat={latitude:R}&lon={longitude:R}");
        if (radiusKm is { } r)
        {
            q += string.Create(CultureInfo.InvariantCulture, $"&radiusKm={r:R}");
        }
        if (!string.IsNullOrWhiteSpace(has))
        {
            q += "&has=" + Uri.EscapeDataString(has);
        }
        return SendAsync<PharmaciesNearbyPage>(HttpMethod.Get, "/api/pharmacies/nearby?" + q, null, authorize: true, ct);
    }

    public Task<PharmacyCatalogueView> PharmacyCatalogueAsync(Guid pharmacyId, CancellationToken ct = default) =>
        SendAsync<PharmacyCatalogueView>(HttpMethod.Get, $"/api/pharmacies/{pharmacyId}/catalogue", null, authorize: true, ct);

    // ---- the pharmacy's own verified pharmacists --------------------------------------------

    public Task<CatalogueMedicine> AddMedicineAsync(Guid pharmacyId, NewMedicine medicine, CancellationToken ct = default) =>
        SendAsync<CatalogueMedicine>(HttpMethod.Post, $"/api/pharmacies/{pharmacyId}/medicines", medicine, authorize: true, ct);

    /// <summary>Edits price, prescription status, schedule, reorder level, or discontinues / reinstates (see <see cref="MedicineEdit.From"/>).</summary>
    public Task<CatalogueMedicine> UpdateMedicineAsync(Guid pharmacyId, Guid medicineId, MedicineEdit edit, CancellationToken ct = default) =>
        SendAsync<CatalogueMedicine>(HttpMethod.Put, $"/api/pharmacies/{pharmacyId}/medicines/{medicineId}", edit, authorize: true, ct);

    public Task<IReadOnlyList<MedicinePriceChange>> MedicinePriceHistoryAsync(Guid pharmacyId, Guid medicineId, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<MedicinePriceChange>>(HttpMethod.Get, $"/api/pharmacies/{pharmacyId}/medicines/{medicineId}/prices", null, authorize: true, ct);

    /// <summary>A day's summary in an IANA time zone (UTC when null).</summary>
    public Task<PharmacyDailySummary> PharmacyDailySummaryAsync(Guid pharmacyId, DateOnly date, string? zone = null, CancellationToken ct = default) =>
        SendAsync<PharmacyDailySummary>(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"/api/pharmacies/{pharmacyId}/reports/daily?date={date:yyyy-MM-dd}") + Zone(zone), null, authorize: true, ct);

    /// <summary>The stock movements from the start of <paramref name="from"/> to the end of <paramref name="to"/> as CSV (UTF-8).</summary>
    public Task<byte[]> ExportStockMovementsCsvAsync(Guid pharmacyId, DateOnly from, DateOnly to, string? zone = null, CancellationToken ct = default) =>
        SendAsync<byte[]>(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"/api/pharmacies/{pharmacyId}/reports/movements.csv?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}") + Zone(zone), null, authorize: true, ct);

    private static string Zone(string? zone) => zone is null ? "" : "&zone=" + Uri.EscapeDataString(zone);

    public Task<IReadOnlyList<PharmacyStockLine>> PharmacyStockAsync(Guid pharmacyId, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<PharmacyStockLine>>(HttpMethod.Get, $"/api/pharmacies/{pharmacyId}/stock", null, authorize: true, ct);

    /// <summary>Receives a delivery into a lot (created on its first delivery; a known lot number must carry the same expiry).</summary>
    public Task<StockLotView> ReceiveStockAsync(Guid pharmacyId, Guid medicineId, string lotNumber, DateOnly expiresOn, int quantity, string? reference = null, CancellationToken ct = default) =>
        SendAsync<StockLotView>(HttpMethod.Post, $"/api/pharmacies/{pharmacyId}/stock/deliveries", new { medicineId, lotNumber, expiresOn, quantity, reference }, authorize: true, ct);

    public Task<StockLotView> AdjustStockAsync(Guid pharmacyId, Guid lotId, int delta, string reason, CancellationToken ct = default) =>
        SendAsync<StockLotView>(HttpMethod.Post, $"/api/pharmacies/{pharmacyId}/stock/lots/{lotId}/adjustments", new { delta, reason }, authorize: true, ct);

    public Task<StockLotView> WriteOffStockAsync(Guid pharmacyId, Guid lotId, int quantity, string reason, CancellationToken ct = default) =>
        SendAsync<StockLotView>(HttpMethod.Post, $"/api/pharmacies/{pharmacyId}/stock/lots/{lotId}/write-offs", new { quantity, reason }, authorize: true, ct);

    public Task<StockLotView> ReturnStockAsync(Guid pharmacyId, Guid lotId, int quantity, string reason, CancellationToken ct = default) =>
        SendAsync<StockLotView>(HttpMethod.Post, $"/api/pharmacies/{pharmacyId}/stock/lots/{lotId}/returns", new { quantity, reason }, authorize: true, ct);

    /// <summary>An over-the-counter sale, taken earliest expiry first; 409 when stock is short or the medicine is prescription-only.</summary>
    public Task<TakenFromStock> SellAsync(Guid pharmacyId, Guid medicineId, int quantity, string? reference = null, CancellationToken ct = default) =>
        SendAsync<TakenFromStock>(HttpMethod.Post, $"/api/pharmacies/{pharmacyId}/sales", new { medicineId, quantity, reference }, authorize: true, ct);

    public Task<IReadOnlyList<StockMovementEntry>> StockMovementsAsync(Guid pharmacyId, Guid? medicineId = null, Guid? lotId = null, CancellationToken ct = default)
    {
        var q = new List<string>();
        if (medicineId is { } m)
        {
            q.Add("medicineId=" + m);
        }
        if (lotId is { } l)
        {
            q.Add("lotId=" + l);
        }
        return SendAsync<IReadOnlyList<StockMovementEntry>>(HttpMethod.Get, $"/api/pharmacies/{pharmacyId}/stock/movements" + (q.Count > 0 ? "?" + string.Join('&', q) : ""),
            null, authorize: true, ct);
    }

    public Task<IReadOnlyList<PharmacyStockLine>> LowStockAsync(Guid pharmacyId, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<PharmacyStockLine>>(HttpMethod.Get, $"/api/pharmacies/{pharmacyId}/stock/low", null, authorize: true, ct);

    public Task<IReadOnlyList<ExpiringLot>> NearExpiryAsync(Guid pharmacyId, int days = 30, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<ExpiringLot>>(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"/api/pharmacies/{pharmacyId}/stock/near-expiry?days={days}"),
            null, authorize: true, ct);
}
