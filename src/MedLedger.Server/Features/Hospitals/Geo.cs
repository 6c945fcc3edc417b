using MedLedger.Server.Features.Organizations;

namespace MedLedger.Server.Features.Hospitals;

/// <summary>Great-circle distance and a bounding box that contains every point within a radius.</summary>
public static class Geo
{
    public const double EarthRadiusKm = 6371.0088;

    public static double HaversineKm(double lat1, double lon1, double lat2, double lon2)
    {
        var dLat = ToRad(lat2 - lat1);
        var dLon = ToRad(lon2 - lon1);
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2)
            + Math.Cos(ToRad(lat1)) * Math.Cos(ToRad(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>The places inside <paramref name="box"/> (a SQL filter; callers take the exact distance on what it returns).</summary>
    public static IQueryable<OrganizationPlace> Within(this IQueryable<OrganizationPlace> places, BoundingBox box)
    {
        var q = places.Where(o => o.Latitude >= box.MinLat && o.Latitude <= box.MaxLat);
        if (box.LonRanges.Count == 1)
        {
            var (min, max) = box.LonRanges[0];
            return q.Where(o => o.Longitude >= min && o.Longitude <= max);
        }
        var (min1, max1) = box.LonRanges[0];
        var (min2, max2) = box.LonRanges[1];
        return q.Where(o => (o.Longitude >= min1 && o.Longitude <= max1) || (o.Longitude >= min2 && o.Longitude <= max2));
    }

    /// <summary>
    /// Latitude range plus one or two longitude ranges (two when the box crosses ±180°).
    /// Longitude half-width is asin(sin(r/R)/cos(lat)) — the widest point of the circle, not its centre line —
    /// and the whole circle of longitudes when the circle reaches a pole.
    /// </summary>
    public static BoundingBox Box(double lat, double lon, double radiusKm)
    {
        var angular = radiusKm / EarthRadiusKm;
        var latDelta = ToDeg(angular);
        var minLat = lat - latDelta;
        var maxLat = lat + latDelta;
        if (minLat <= -90 || maxLat >= 90)
        {
            return new BoundingBox(Math.Max(minLat, -90), Math.Min(maxLat, 90), [(-180, 180)]);
        }
        var lonDelta = ToDeg(Math.Asin(Math.Min(1, Math.Sin(angular) / Math.Cos(ToRad(lat)))));
        var minLon = lon - lonDelta;
        var maxLon = lon + lonDelta;
        if (minLon < -180)
        {
            return new BoundingBox(minLat, maxLat, [(minLon + 360, 180), (-180, maxLon)]);
        }
        if (maxLon > 180)
        {
            return new BoundingBox(minLat, maxLat, [(minLon, 180), (-180, maxLon - 360)]);
        }
        return new BoundingBox(minLat, maxLat, [(minLon, maxLon)]);
    }

    private static double ToRad(double deg) => deg * Math.PI / 180;
    private static double ToDeg(double rad) => rad * 180 / Math.PI;
}

public sealed record BoundingBox(double MinLat, double MaxLat, IReadOnlyList<(double Min, double Max)> LonRanges);
