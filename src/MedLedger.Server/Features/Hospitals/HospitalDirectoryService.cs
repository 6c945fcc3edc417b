using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Hospitals;

/// <summary>Hospital profiles (departments, services, visiting rules, doctors) and nearby search.</summary>
public sealed class HospitalDirectoryService(
    MedLedgerDbContext db,
    BedService beds,
    IOptions<HospitalOptions> options,
    TimeProvider clock,
    HospitalVisibility visibility,
    OrganizationDirectory organizations,
    AccountDirectory accounts)
{
    public const double DefaultRadiusKm = 25;
    public const int MaxPageSize = 100;

    public async Task<HospitalProfileResponse> GetAsync(Guid id, Guid? callerOrg, Role? callerRole, CancellationToken ct)
    {
        var o = await visibility.RequireVisibleAsync(id, callerOrg, callerRole, ct);
        var profile = await db.Set<HospitalProfile>().AsNoTracking().FirstOrDefaultAsync(p => p.OrganizationId == id, ct);
        var offerings = await db.Set<HospitalOffering>().AsNoTracking().Where(x => x.OrganizationId == id).OrderBy(x => x.Name).ToListAsync(ct);
        // Doctors are listed by id and licence only: names live in the client-encrypted profile.
        var doctors = (await accounts.ActiveDoctorsOfAsync(id, ct)).Select(d => new HospitalDoctor(d.Id, d.LicenseNumber)).ToList();
        var ratings = await RatingsAsync([id], ct);
        return new HospitalProfileResponse(o.Id, o.Name, o.Address, o.Latitude, o.Longitude, o.ContactPhone, o.ContactEmail,
            offerings.Where(x => x.Kind == HospitalOfferingKind.Department).Select(x => x.Name).ToList(),
            offerings.Where(x => x.Kind == HospitalOfferingKind.Service).Select(x => x.Name).ToList(),
            profile?.VisitingRules, doctors, ratings.GetValueOrDefault(id, new RatingSummary(null, 0)),
            await beds.SnapshotAsync(id, callerOrg, callerRole, ct), o.RegistrationNumber);
    }

    /// <summary>Replaces departments, services and visiting rules. Address, coordinates and contact are the organization's (PUT /api/organizations/{id}).</summary>
    public async Task<HospitalProfileResponse> UpdateAsync(Guid id, Guid? callerOrg, HospitalProfileUpdate u, CancellationToken ct)
    {
        if (callerOrg != id)
        {
            throw ProblemException.Forbidden("You can only manage your own hospital.");
        }
        var v = new Validator();
        var departments = ValidateNames(v, u.Departments, "departments");
        var services = ValidateNames(v, u.Services, "services");
        var rules = string.IsNullOrWhiteSpace(u.VisitingRules) ? null : u.VisitingRules.Trim();
        v.Require(rules is null || rules.Length <= HospitalLimits.VisitingRules, "visitingRules", $"visitingRules must be at most {HospitalLimits.VisitingRules} characters.");
        v.Require(rules is null || IsPlainText(rules), "visitingRules", "visitingRules must be plain text (no control characters other than line breaks and tabs).");
        v.ThrowIfInvalid();
        await visibility.RequireVisibleAsync(id, callerOrg, null, ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Set<HospitalOffering>().Where(x => x.OrganizationId == id).ExecuteDeleteAsync(ct);
        db.AddRange(departments.Select(n => Offering(id, HospitalOfferingKind.Department, n)));
        db.AddRange(services.Select(n => Offering(id, HospitalOfferingKind.Service, n)));
        var profile = await db.Set<HospitalProfile>().FirstOrDefaultAsync(p => p.OrganizationId == id, ct);
        if (profile is null)
        {
            profile = new HospitalProfile { OrganizationId = id };
            db.Add(profile);
        }
        profile.VisitingRules = rules;
        profile.UpdatedAt = clock.GetUtcNow();
        profile.ConcurrencyStamp = Guid.NewGuid();
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two staff saving at once (PostgreSQL): the unique offering/profile keys refuse the second; nothing of it stays.
            throw ProblemException.Conflict("The profile was changed by someone else at the same time; reload and retry.");
        }
        await tx.CommitAsync(ct);
        return await GetAsync(id, callerOrg, null, ct);
    }

    private static HospitalOffering Offering(Guid org, HospitalOfferingKind kind, string name) =>
        new() { Id = Guid.NewGuid(), OrganizationId = org, Kind = kind, Name = name, Key = Key(name) };

    internal static string Key(string name) => string.Join(' ', name.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static List<string> ValidateNames(Validator v, IReadOnlyList<string>? names, string field)
    {
        names ??= [];
        v.Require(names.Count <= HospitalLimits.Offerings, field, $"{field} may list at most {HospitalLimits.Offerings} entries.");
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in names)
        {
            v.RequireText(n, field, HospitalLimits.OfferingName);
            if (!string.IsNullOrWhiteSpace(n) && seen.Add(Key(n)))
            {
                result.Add(n.Trim());
            }
        }
        return result;
    }

    internal static bool IsPlainText(string s) => !s.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t'));

    /// <summary>
    /// Verified hospitals within <paramref name="radiusKm"/> of a point, nearest first. The database
    /// narrows to a bounding box on the indexed (latitude, longitude) columns; the exact haversine
    /// distance then filters and orders only those candidates.
    /// </summary>
    public async Task<SearchResponse> SearchAsync(double? lat, double? lon, double? radiusKm, string? service, string? bedType, int? page, int? pageSize, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(lat is { } la && double.IsFinite(la) && la is >= -90 and <= 90, "lat", "lat is required and must be between -90 and 90.");
        v.Require(lon is { } lo && double.IsFinite(lo) && lo is >= -180 and <= 180, "lon", "lon is required and must be between -180 and 180.");
        var radius = radiusKm ?? DefaultRadiusKm;
        var max = options.Value.MaxSearchRadiusKm;
        v.Require(double.IsFinite(radius) && radius > 0 && radius <= max, "radiusKm", $"radiusKm must be greater than 0 and at most {max}.");
        var serviceKey = string.IsNullOrWhiteSpace(service) ? null : Key(service);
        v.Require(serviceKey is null || serviceKey.Length <= HospitalLimits.OfferingName, "service", $"service must be at most {HospitalLimits.OfferingName} characters.");
        var typeKey = string.IsNullOrWhiteSpace(bedType) ? null : beds.NormalizeBedType(bedType, v);
        var p = page ?? 1;
        var size = pageSize ?? 20;
        v.Require(p is >= 1 and <= 10_000, "page", "page must be between 1 and 10000.");
        v.Require(size is >= 1 and <= MaxPageSize, "pageSize", $"pageSize must be between 1 and {MaxPageSize}.");
        v.ThrowIfInvalid();

        var (candidates, total) = await NearestAsync(lat!.Value, lon!.Value, radius, serviceKey, typeKey, (p - 1) * size, size, ct);
        var ids = candidates.Select(c => c.Id).ToList();
        var wards = await db.Set<BedWard>().AsNoTracking().Where(w => ids.Contains(w.OrganizationId))
            .Select(w => new { w.OrganizationId, w.BedType, Free = w.Total - w.Occupied - w.Held }).ToListAsync(ct);
        var free = wards.GroupBy(w => w.OrganizationId).ToDictionary(g => g.Key,
            g => (IReadOnlyDictionary<string, int>)g.GroupBy(w => w.BedType, StringComparer.Ordinal).OrderBy(t => t.Key, StringComparer.Ordinal)
                .ToDictionary(t => t.Key, t => t.Sum(w => w.Free), StringComparer.Ordinal));
        var ratings = await RatingsAsync(ids, ct);
        var items = candidates.Select(c => new SearchResultItem(c.Id, c.Name, c.Address, c.Latitude, c.Longitude, Math.Round(c.DistanceKm, 3),
            free.GetValueOrDefault(c.Id, new Dictionary<string, int>()), ratings.GetValueOrDefault(c.Id, new RatingSummary(null, 0)), c.RegistrationNumber)).ToList();
        return new SearchResponse(total, p, size, items);
    }

    internal sealed record Candidate(Guid Id, string Name, string Address, double Latitude, double Longitude, double DistanceKm, string RegistrationNumber);

    internal async Task<(List<Candidate> Page, int Total)> NearestAsync(double lat, double lon, double radiusKm, string? serviceKey, string? bedType, int skip, int take, CancellationToken ct)
    {
        var box = Geo.Box(lat, lon, radiusKm);
        // Only the box goes into the WHERE clause: with kind/verification there too, SQLite's planner
        // prefers the (Kind, Verification) index, which is a scan of every verified hospital.
        var q = organizations.Places().Within(box);
        if (serviceKey is not null)
        {
            q = q.Where(o => db.Set<HospitalOffering>().Any(s => s.OrganizationId == o.Id && s.Key == serviceKey));
        }
        if (bedType is not null)
        {
            q = q.Where(o => db.Set<BedWard>().Any(w => w.OrganizationId == o.Id && w.BedType == bedType && w.Occupied + w.Held < w.Total));
        }
        var inBox = await q.Select(o => new { o.Id, o.Kind, o.Verification, o.Name, o.Address, o.Latitude, o.Longitude, o.RegistrationNumber }).ToListAsync(ct);
        var within = inBox
            .Where(o => o.Kind == OrganizationKind.Hospital && o.Verification == VerificationStatus.Approved)
            .Select(o => new Candidate(o.Id, o.Name, o.Address, o.Latitude, o.Longitude, Geo.HaversineKm(lat, lon, o.Latitude, o.Longitude), o.RegistrationNumber))
            .Where(c => c.DistanceKm <= radiusKm)
            .OrderBy(c => c.DistanceKm).ThenBy(c => c.Id)
            .ToList();
        return (within.Skip(skip).Take(take).ToList(), within.Count);
    }

    internal async Task<Dictionary<Guid, RatingSummary>> RatingsAsync(IReadOnlyCollection<Guid> hospitalIds, CancellationToken ct)
    {
        var rows = await db.Set<HospitalReview>().AsNoTracking().Where(r => hospitalIds.Contains(r.HospitalId))
            .GroupBy(r => r.HospitalId)
            .Select(g => new { g.Key, Sum = g.Sum(r => r.Rating), Count = g.Count() })
            .ToListAsync(ct);
        return rows.ToDictionary(r => r.Key, r => new RatingSummary(Math.Round((double)r.Sum / r.Count, 2), r.Count));
    }
}
