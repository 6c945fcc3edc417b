using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedLedger.Server.Features.Pharmacy;

public static class PharmacyEndpoints
{
    public static IServiceCollection AddPharmacy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<PharmacyAccess>();
        services.AddScoped<CatalogueService>();
        services.AddScoped<StockBookkeeping>();
        services.AddScoped<StockTaking>();
        services.AddScoped<WalkInSaleService>();
        services.AddScoped<StockReports>();
        services.AddScoped<PharmacyReports>();
        services.AddScoped<MedicineFinder>();
        services.AddScoped<PharmacyKeyService>();
        services.AddScoped<MedLedger.Server.Features.Ledger.ILedgerRowWriter, PharmacyKeyLedgerRows>();
        services.AddScoped<StockReservations>();
        services.AddScoped<MedLedger.Server.Features.Ledger.ILedgerRowWriter, StockReservationLedgerRows>();
        services.AddScoped<MedLedger.Server.Features.Ledger.ILedgerRowRepair, StockReservationRepair>();
        return services;
    }

    public static IEndpointRouteBuilder MapPharmacy(this IEndpointRouteBuilder app)
    {
        // Browsing is for any signed-in user (as hospital search); catalogue and stock changes for the pharmacy's own verified pharmacists.
        app.MapGet("/api/medicines/search", Search).WithTags("Pharmacy").RequireAuthorization().WithSummary("Search medicines by name across verified pharmacies, with availability").ProducesProblems(422);
        var p = app.MapGroup("/api/pharmacies").WithTags("Pharmacy");
        p.MapGet("/nearby", Nearby).RequireAuthorization().WithSummary("Verified pharmacies near a place, optionally only those with a medicine in stock").ProducesProblems(422);
        p.MapGet("/{id:guid}/catalogue", Catalogue).RequireAuthorization().WithSummary("A pharmacy's medicines with availability (in stock, low, out)").ProducesProblems(404);
        p.MapPost("/{id:guid}/medicines", AddMedicine).RequireAuthorization(Policies.Pharmacist).WithSummary("Add a medicine to the caller's pharmacy catalogue").ProducesProblems(404, 409, 422);
        p.MapPut("/{id:guid}/medicines/{medicineId:guid}", UpdateMedicine).RequireAuthorization(Policies.Pharmacist).WithSummary("Edit a medicine's price, prescription status, schedule and reorder level, or discontinue it").ProducesProblems(404, 409, 422);
        p.MapGet("/{id:guid}/medicines/{medicineId:guid}/prices", PriceHistory).RequireAuthorization(Policies.Pharmacist).WithSummary("A medicine's price changes, newest first").ProducesProblems(404);
        p.MapGet("/{id:guid}/reports/daily", Daily).RequireAuthorization(Policies.Pharmacist).WithSummary("A day's sales, dispenses, stock moved per medicine and takings, in a time zone").ProducesProblems(404, 422);
        p.MapGet("/{id:guid}/reports/movements.csv", MovementsCsv).RequireAuthorization(Policies.Pharmacist).Produces<string>(200, "text/csv").WithSummary("Stock movements of a period as CSV").ProducesProblems(404, 422);
        p.MapGet("/{id:guid}/stock", Stock).RequireAuthorization(Policies.Pharmacist).WithSummary("Every medicine of the caller's pharmacy with its lots and exact counts").ProducesProblems(404);
        p.MapPost("/{id:guid}/stock/deliveries", Receive).RequireAuthorization(Policies.Pharmacist).WithSummary("Receive a delivery into a lot (created on first delivery)").ProducesProblems(404, 409, 422);
        p.MapPost("/{id:guid}/stock/lots/{lotId:guid}/adjustments", Adjust).RequireAuthorization(Policies.Pharmacist).WithSummary("Correct a lot's count by a signed delta, with a reason").ProducesProblems(404, 409, 422);
        p.MapPost("/{id:guid}/stock/lots/{lotId:guid}/write-offs", WriteOff).RequireAuthorization(Policies.Pharmacist).WithSummary("Write units of a lot off, with a reason").ProducesProblems(404, 409, 422);
        p.MapPost("/{id:guid}/stock/lots/{lotId:guid}/returns", Return).RequireAuthorization(Policies.Pharmacist).WithSummary("Take returned units back into the lot they left").ProducesProblems(404, 409, 422);
        p.MapPost("/{id:guid}/sales", Sell).RequireAuthorization(Policies.Pharmacist).WithSummary("Sell an over-the-counter medicine, earliest expiry first").ProducesProblems(404, 409, 422);
        p.MapGet("/{id:guid}/stock/movements", Movements).RequireAuthorization(Policies.Pharmacist).WithSummary("The newest stock movements, optionally of one medicine or lot").ProducesProblems(404);
        p.MapGet("/{id:guid}/stock/low", Low).RequireAuthorization(Policies.Pharmacist).WithSummary("Medicines below their reorder level").ProducesProblems(404);
        p.MapGet("/{id:guid}/stock/near-expiry", NearExpiry).RequireAuthorization(Policies.Pharmacist).WithSummary("Lots with stock expiring within a number of days (expired first)").ProducesProblems(404, 422);
        p.MapPut("/{id:guid}/organization-key", PublishKey).RequireAuthorization(Policies.Pharmacist).WithSummary("Publish or rotate the pharmacy's organization key, its private key sealed to each verified pharmacist").ProducesProblems(403, 404, 409, 422);
        p.MapGet("/{id:guid}/organization-key", Key).RequireAuthorization().WithSummary("A pharmacy's organization public key and its ledger receipt").ProducesProblems(404);
        p.MapGet("/{id:guid}/organization-key/share", MyKeyShare).RequireAuthorization(Policies.Pharmacist).WithSummary("The organization key sealed to the calling pharmacist, and colleagues still waiting for it").ProducesProblems(403, 404);
        p.MapPost("/{id:guid}/organization-key/shares", ShareKey).RequireAuthorization(Policies.Pharmacist).WithSummary("Seal the current organization key for a newly verified pharmacist of the pharmacy").ProducesProblems(403, 404, 409, 422);
        p.MapPost("/{id:guid}/reservations", Reserve).RequireAuthorization(Policies.Pharmacist).WithSummary("Reserve stock with a pharmacist-signed pharmacy.stock-reservation (names no order or patient)").ProducesProblems(403, 404, 409, 422);
        p.MapGet("/{id:guid}/reservations/{reservationId:guid}", Reservation).RequireAuthorization(Policies.Pharmacist).WithSummary("One of the pharmacy's stock reservations (held ones past their expiry are released first)").ProducesProblems(403, 404, 409, 422);
        p.MapPost("/{id:guid}/reservations/{reservationId:guid}/release", ReleaseReservation).RequireAuthorization(Policies.Pharmacist).WithSummary("Put a held reservation's units back in stock").ProducesProblems(403, 404, 409, 422);
        p.MapPost("/{id:guid}/reservations/{reservationId:guid}/collect", CollectReservation).RequireAuthorization(Policies.Pharmacist).WithSummary("Turn a held reservation into a sale (the customer collected it)").ProducesProblems(403, 404, 409, 422);
        return app;
    }

    private static Task<PharmacyKeyResponse> PublishKey(Guid id, PharmacyKeyRequest r, Caller caller, PharmacyKeyService s, CancellationToken ct) => s.PublishAsync(caller, id, r, ct);

    private static Task<PharmacyKeyResponse> Key(Guid id, Caller caller, PharmacyKeyService s, CancellationToken ct) => s.KeyAsync(id, caller, ct);

    private static Task<MyPharmacyKeyShare> MyKeyShare(Guid id, Caller caller, PharmacyKeyService s, CancellationToken ct) => s.MyShareAsync(id, caller, ct);

    private static async Task<NoContent> ShareKey(Guid id, PharmacyKeyShareRequest r, Caller caller, PharmacyKeyService s, CancellationToken ct)
    {
        await s.ShareAsync(id, caller, r, ct);
        return TypedResults.NoContent();
    }

    private static Task<MedicineSearchResponse> Search(string? q, int? page, int? pageSize, MedicineFinder s, CancellationToken ct) => s.SearchAsync(q, page, pageSize, ct);

    private static Task<NearbyPharmaciesResponse> Nearby(double? lat, double? lon, double? radiusKm, string? has, MedicineFinder s, CancellationToken ct) =>
        s.NearbyAsync(lat, lon, radiusKm, has, ct);

    private static Task<PharmacyCatalogue> Catalogue(Guid id, Caller caller, MedicineFinder s, CancellationToken ct) => s.CatalogueAsync(id, caller, ct);

    private static async Task<Created<MedicineResponse>> AddMedicine(Guid id, MedicineCreate m, Caller caller, CatalogueService s, CancellationToken ct)
    {
        var medicine = await s.AddAsync(id, caller, m, ct);
        return TypedResults.Created($"/api/pharmacies/{id}/catalogue", medicine);
    }

    private static Task<MedicineResponse> UpdateMedicine(Guid id, Guid medicineId, MedicineUpdate u, Caller caller, CatalogueService s, CancellationToken ct) =>
        s.UpdateAsync(id, medicineId, caller, u, ct);

    private static Task<IReadOnlyList<PriceChangeResponse>> PriceHistory(Guid id, Guid medicineId, Caller caller, CatalogueService s, CancellationToken ct) =>
        s.PriceHistoryAsync(id, medicineId, caller, ct);

    private static Task<DailySummary> Daily(Guid id, string? date, string? zone, Caller caller, PharmacyReports s, CancellationToken ct) =>
        s.DailyAsync(id, caller, date, zone, ct);

    private static async Task<FileContentHttpResult> MovementsCsv(Guid id, string? from, string? to, string? zone, Caller caller, PharmacyReports s, CancellationToken ct) =>
        TypedResults.File(await s.MovementsCsvAsync(id, caller, from, to, zone, ct), "text/csv; charset=utf-8", $"stock-movements-{from}-{to}.csv");

    private static Task<IReadOnlyList<StockItem>> Stock(Guid id, Caller caller, StockReports s, CancellationToken ct) => s.StockAsync(id, caller, ct);

    private static Task<LotResponse> Receive(Guid id, DeliveryRequest r, Caller caller, StockBookkeeping s, CancellationToken ct) => s.ReceiveAsync(id, caller, r, ct);

    private static Task<LotResponse> Adjust(Guid id, Guid lotId, AdjustmentRequest r, Caller caller, StockBookkeeping s, CancellationToken ct) =>
        s.AdjustAsync(id, lotId, caller, r, ct);

    private static Task<LotResponse> WriteOff(Guid id, Guid lotId, LotQuantityRequest r, Caller caller, StockBookkeeping s, CancellationToken ct) =>
        s.WriteOffAsync(id, lotId, caller, r, ct);

    private static Task<LotResponse> Return(Guid id, Guid lotId, LotQuantityRequest r, Caller caller, StockBookkeeping s, CancellationToken ct) =>
        s.ReturnAsync(id, lotId, caller, r, ct);

    private static Task<StockTaken> Sell(Guid id, SaleRequest r, Caller caller, WalkInSaleService s, CancellationToken ct) => s.SellAsync(id, caller, r, ct);

    private static Task<IReadOnlyList<MovementResponse>> Movements(Guid id, Guid? medicineId, Guid? lotId, Caller caller, StockReports s, CancellationToken ct) =>
        s.MovementsAsync(id, caller, medicineId, lotId, ct);

    private static Task<IReadOnlyList<StockItem>> Low(Guid id, Caller caller, StockReports s, CancellationToken ct) => s.LowAsync(id, caller, ct);

    private static Task<IReadOnlyList<NearExpiryLot>> NearExpiry(Guid id, int? days, Caller caller, StockReports s, CancellationToken ct) =>
        s.NearExpiryAsync(id, caller, days, ct);

    private static Task<ReservationResponse> Reserve(Guid id, ReserveRequest r, Caller caller, StockReservations s, CancellationToken ct) => s.ReserveAsync(id, caller, r, ct);

    private static Task<ReservationResponse> Reservation(Guid id, Guid reservationId, Caller caller, StockReservations s, CancellationToken ct) =>
        s.GetAsync(id, reservationId, caller, ct);

    private static Task<ReservationResponse> ReleaseReservation(Guid id, Guid reservationId, ReservationActionRequest r, Caller caller, StockReservations s, CancellationToken ct) =>
        s.ReleaseAsync(id, reservationId, caller, r, ct);

    private static Task<ReservationResponse> CollectReservation(Guid id, Guid reservationId, ReservationActionRequest r, Caller caller, StockReservations s, CancellationToken ct) =>
        s.CollectAsync(id, reservationId, caller, r, ct);
}
