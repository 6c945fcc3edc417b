using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Hospitals;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Pharmacy;

/// <summary>
/// The patient side: find a medicine across verified pharmacies, pharmacies near a place that have it, and a pharmacy's
/// catalogue. Availability is a band (in stock / low / out), never a count: exact stock, of controlled drugs above all, is
/// the pharmacy's business and a theft target.
/// </summary>
public sealed class MedicineFinder(MedLedgerDbContext db, OrganizationDirectory organizations, PharmacyAccess access, TimeProvider clock)
{
    public const int MaxPageSize = 100;
    public const double DefaultRadiusKm = 10;
    public const double MaxRadiusKm = 200;
    /// <summary>Name matches examined per search; a query this broad should be narrowed, not paged through.</summary>
    private const int MaxMatches = 1000;

    public async Task<MedicineSearchResponse> SearchAsync(string? q, int? page, int? pageSize, CancellationToken ct)
    {
        var v = new Validator();
        var key = Query(q, "q", v);
        var p = page ?? 1;
        var size = pageSize ?? 20;
        v.Require(p is >= 1 and <= 10_000, "page", "page must be between 1 and 10000.");
        v.Require(size is >= 1 and <= MaxPageSize, "pageSize", $"pageSize must be between 1 and {MaxPageSize}.");
        v.ThrowIfInvalid();

        var matches = await db.Set<PharmacyMedicine>().AsNoTracking().Where(m => m.DiscontinuedAt == null && m.NameKey.Contains(key))
            .OrderBy(m => m.NameKey).ThenBy(m => m.Id).Take(MaxMatches).ToListAsync(ct);
        var pharmacies = await VerifiedPharmaciesAsync(matches.Select(m => m.PharmacyId).Distinct().ToList(), ct);
        matches = matches.Where(m => pharmacies.ContainsKey(m.PharmacyId)).ToList();
        var usable = await StockReports.UsableAsync(db, matches.Select(m => m.Id).ToList(), StockTaking.Today(clock), ct);
        var hits = matches
            .Select(m => new MedicineSearchHit(m.PharmacyId, pharmacies[m.PharmacyId].Name, pharmacies[m.PharmacyId].Address, CatalogueService.ToResponse(m),
                StockReports.Level(usable.GetValueOrDefault(m.Id), m.ReorderLevel)))
            // In stock first, then by name and pharmacy.
            .OrderBy(h => h.Availability).ThenBy(h => h.Medicine.Name, StringComparer.OrdinalIgnoreCase).ThenBy(h => h.PharmacyName, StringComparer.Ordinal)
            .ToList();
        return new MedicineSearchResponse(hits.Count, p, size, hits.Skip((p - 1) * size).Take(size).ToList());
    }

    /// <summary>Verified pharmacies within the radius, nearest first; with <paramref name="has"/>, only those with a matching medicine in stock.</summary>
    public async Task<NearbyPharmaciesResponse> NearbyAsync(double? lat, double? lon, double? radiusKm, string? has, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(lat is { } la && double.IsFinite(la) && la is >= -90 and <= 90, "lat", "lat is required and must be between -90 and 90.");
        v.Require(lon is { } lo && double.IsFinite(lo) && lo is >= -180 and <= 180, "lon", "lon is required and must be between -180 and 180.");
        var radius = radiusKm ?? DefaultRadiusKm;
        v.Require(double.IsFinite(radius) && radius is > 0 and <= MaxRadiusKm, "radiusKm", $"radiusKm must be greater than 0 and at most {MaxRadiusKm}.");
        var key = has is null ? null : Query(has, "has", v);
        v.ThrowIfInvalid();

        // The same approach as hospital search: a bounding box in SQL, the exact distance on the candidates.
        var box = Geo.Box(lat!.Value, lon!.Value, radius);
        var q = organizations.Places().Within(box);
        var within = (await q.ToListAsync(ct))
            .Where(o => o.Kind == OrganizationKind.Pharmacy && o.Verification == VerificationStatus.Approved)
            .Select(o => (Place: o, Km: Geo.HaversineKm(lat.Value, lon.Value, o.Latitude, o.Longitude)))
            .Where(x => x.Km <= radius)
            .ToList();
        var ids = within.Select(x => x.Place.Id).ToList();
        var medicines = key is null
            ? []
            : await db.Set<PharmacyMedicine>().AsNoTracking().Where(m => ids.Contains(m.PharmacyId) && m.DiscontinuedAt == null && m.NameKey.Contains(key)).ToListAsync(ct);
        var usable = await StockReports.UsableAsync(db, medicines.Select(m => m.Id).ToList(), StockTaking.Today(clock), ct);
        var byPharmacy = medicines.Where(m => usable.GetValueOrDefault(m.Id) > 0).ToLookup(m => m.PharmacyId);
        var items = within
            .Where(x => key is null || byPharmacy.Contains(x.Place.Id))
            .OrderBy(x => x.Km).ThenBy(x => x.Place.Id)
            .Select(x => new NearbyPharmacy(x.Place.Id, x.Place.Name, x.Place.Address, x.Place.Latitude, x.Place.Longitude, Math.Round(x.Km, 3),
                byPharmacy[x.Place.Id].OrderBy(m => m.NameKey, StringComparer.Ordinal)
                    .Select(m => new CatalogueEntry(CatalogueService.ToResponse(m), StockReports.Level(usable[m.Id], m.ReorderLevel))).ToList()))
            .ToList();
        return new NearbyPharmaciesResponse(items.Count, items);
    }

    public async Task<PharmacyCatalogue> CatalogueAsync(Guid pharmacyId, Caller caller, CancellationToken ct)
    {
        var pharmacy = await access.RequireVisibleAsync(pharmacyId, caller, ct);
        // A discontinued medicine is no longer offered (the pharmacist still sees it, and its lots, in the stock view).
        var medicines = await db.Set<PharmacyMedicine>().AsNoTracking().Where(m => m.PharmacyId == pharmacyId && m.DiscontinuedAt == null).ToListAsync(ct);
        var usable = await StockReports.UsableAsync(db, medicines.Select(m => m.Id).ToList(), StockTaking.Today(clock), ct);
        return new PharmacyCatalogue(pharmacy.Id, pharmacy.Name, pharmacy.Address, medicines
            .OrderBy(m => m.NameKey, StringComparer.Ordinal).ThenBy(m => m.Strength, StringComparer.Ordinal)
            .Select(m => new CatalogueEntry(CatalogueService.ToResponse(m), StockReports.Level(usable.GetValueOrDefault(m.Id), m.ReorderLevel))).ToList());
    }

    private static string Query(string? q, string field, Validator v)
    {
        var key = string.IsNullOrWhiteSpace(q) ? "" : CatalogueService.NameKey(q);
        v.Require(key.Length is >= 2 and <= PharmacyLimits.Name, field, $"{field} must be 2 to {PharmacyLimits.Name} characters.");
        v.Require(!key.Any(char.IsControl), field, $"{field} must not contain control characters.");
        return key;
    }

    private async Task<Dictionary<Guid, OrganizationPlace>> VerifiedPharmaciesAsync(List<Guid> ids, CancellationToken ct) =>
        (await organizations.Places().Where(o => ids.Contains(o.Id)).ToListAsync(ct))
            .Where(o => o.Kind == OrganizationKind.Pharmacy && o.Verification == VerificationStatus.Approved)
            .ToDictionary(o => o.Id);
}
