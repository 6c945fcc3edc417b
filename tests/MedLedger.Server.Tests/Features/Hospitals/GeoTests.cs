using MedLedger.Server.Features.Hospitals;

namespace MedLedger.Server.Tests.Features.Hospitals;

/// <summary>The bounding box must never exclude a point the exact distance would include.</summary>
public sealed class GeoTests
{
    private static bool InBox(BoundingBox b, double lat, double lon) =>
        lat >= b.MinLat && lat <= b.MaxLat && b.LonRanges.Any(r => lon >= r.Min && lon <= r.Max);

    [Theory]
    [InlineData(52.52, 13.405, 200)]
    [InlineData(0, 179.9, 150)]     // crosses the antimeridian eastwards
    [InlineData(-33.9, -179.5, 120)] // and westwards
    [InlineData(89.5, 10, 100)]     // reaches the pole
    [InlineData(-70, 45, 200)]
    [InlineData(64, -21, 20)]
    public void Every_point_within_the_radius_lies_in_the_box(double lat, double lon, double radiusKm)
    {
        var box = Geo.Box(lat, lon, radiusKm);
        var rng = new Random(42);
        var inside = 0;
        for (var i = 0; i < 200_000; i++)
        {
            var pLat = Math.Clamp(lat + (rng.NextDouble() * 2 - 1) * 5, -90, 90);
            var pLon = lon + (rng.NextDouble() * 2 - 1) * 30;
            pLon = pLon > 180 ? pLon - 360 : pLon < -180 ? pLon + 360 : pLon;
            if (Geo.HaversineKm(lat, lon, pLat, pLon) <= radiusKm)
            {
                inside++;
                Assert.True(InBox(box, pLat, pLon), $"({pLat}, {pLon}) is within {radiusKm} km of ({lat}, {lon}) but outside the box");
            }
        }
        Assert.True(inside > 10, $"only {inside} sampled points fell inside the radius");
    }

    [Fact]
    public void Box_splits_at_the_antimeridian_and_widens_at_the_pole()
    {
        Assert.Equal(2, Geo.Box(0, 179.9, 50).LonRanges.Count);
        Assert.Equal(2, Geo.Box(0, -179.9, 50).LonRanges.Count);
        Assert.Equal([(-180.0, 180.0)], Geo.Box(89.9, 0, 50).LonRanges);
        Assert.Single(Geo.Box(52.52, 13.405, 50).LonRanges);
    }

    [Fact]
    public void Haversine_matches_known_distances()
    {
        // Across the antimeridian on the equator: 0.2 degrees of longitude.
        Assert.Equal(2 * Math.PI * Geo.EarthRadiusKm * 0.2 / 360, Geo.HaversineKm(0, 179.9, 0, -179.9), 6);
        // Quarter meridian: pole to equator.
        Assert.Equal(Math.PI / 2 * Geo.EarthRadiusKm, Geo.HaversineKm(90, 0, 0, 77), 6);
        Assert.Equal(0, Geo.HaversineKm(52.52, 13.405, 52.52, 13.405));
    }
}
