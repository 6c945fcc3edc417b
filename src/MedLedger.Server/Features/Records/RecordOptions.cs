using System.ComponentModel.DataAnnotations;

namespace MedLedger.Server.Features.Records;

/// <summary>Limits on refused record accesses (docs/threat-model.md, "Refused accesses"): per caller and window.</summary>
public sealed class RecordOptions
{
    public const string Section = "Records";

    /// <summary>Refusals a caller gets answered 403 in one window; further refusals in it are 429 and write nothing more.</summary>
    [Range(1, 10_000)]
    public int MaxRefusalsPerWindow { get; set; } = 20;

    /// <summary>A caller's window starts at their first refusal; the refusals after the first are summarised when it ends.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RefusalWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often ended windows are written as summaries when no later refusal of the caller does it first.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RefusalSweepInterval { get; set; } = TimeSpan.FromSeconds(30);
}
