using System.ComponentModel.DataAnnotations;

namespace MedLedger.Server.Features.Hospitals;

public sealed class HospitalOptions
{
    public const string Section = "Hospitals";

    /// <summary>How long a booked bed is held for the patient before it returns (issue 6: default 2 hours).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "2.00:00:00")]
    public TimeSpan HoldDuration { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How often the background sweep returns expired holds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    [Range(1, 20_000)]
    public double MaxSearchRadiusKm { get; set; } = 200;

    public static readonly IReadOnlyList<string> BuiltInBedTypes = ["icu", "emergency", "general", "maternity", "paediatric", "isolation"];

    /// <summary>
    /// Bed types beyond the built-in ones (e.g. "burns"). Stored by key, so adding one needs no migration.
    /// A separate list because the configuration binder appends to, rather than replaces, a default list.
    /// </summary>
    public List<string> AdditionalBedTypes { get; set; } = [];

    public IReadOnlySet<string> BedTypes() =>
        BuiltInBedTypes.Concat(AdditionalBedTypes.Select(t => t.Trim().ToLowerInvariant())).Where(t => t.Length > 0).ToHashSet(StringComparer.Ordinal);
}
