using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Records;

/// <summary>The refusals of one caller in one ended window beyond the first (which the ledger already has on its own).</summary>
public sealed record RefusalSummary(Guid ReaderId, DateTimeOffset WindowStart, long Count, long RateLimited);

public enum RefusalVerdict
{
    /// <summary>The first refusal of a window: recorded on the ledger at once, so a single probe is always visible.</summary>
    RecordNow,
    /// <summary>Within the limit: answered 403 and counted into the window's summary.</summary>
    Counted,
    /// <summary>Over the limit: answered 429 and only counted.</summary>
    RateLimited,
}

public readonly record struct RefusalCount(RefusalVerdict Verdict, TimeSpan RetryAfter, RefusalSummary? EndedWindow);

/// <summary>
/// Counts refused record accesses per caller in fixed windows (the first refusal opens one). In process: one server
/// process owns the data (the in-process ledger peer requires it), so this sees every refusal. One lock keeps the count
/// exact under concurrent requests; refusals are rare next to reads, so it is never contended in practice. Ended windows
/// wait here until <see cref="RecordAccess"/> writes their summaries; a crash loses only those not yet written.
/// </summary>
public sealed class RefusalLimiter(IOptions<RecordOptions> options, TimeProvider clock)
{
    private sealed class Window(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;
        public int Answered { get; set; } = 1;
        public long Unrecorded { get; set; }
        public long RateLimited { get; set; }
    }

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Window> _open = [];
    private readonly List<RefusalSummary> _unwritten = [];
    private bool _final;

    /// <summary>Counts one refusal of <paramref name="readerId"/>; hands back the caller's previous window if this one ended it.</summary>
    public RefusalCount Count(Guid readerId)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            if (_final)
            {
                // After the final summaries were taken at shutdown nothing is counted any more: record each refusal itself.
                return new RefusalCount(RefusalVerdict.RecordNow, TimeSpan.Zero, null);
            }
            if (_open.TryGetValue(readerId, out var w) && now < w.Start + o.RefusalWindow)
            {
                w.Unrecorded++;
                if (w.Answered < o.MaxRefusalsPerWindow)
                {
                    w.Answered++;
                    return new RefusalCount(RefusalVerdict.Counted, TimeSpan.Zero, null);
                }
                w.RateLimited++;
                return new RefusalCount(RefusalVerdict.RateLimited, w.Start + o.RefusalWindow - now, null);
            }
            _open[readerId] = new Window(now);
            return new RefusalCount(RefusalVerdict.RecordNow, TimeSpan.Zero, w is { Unrecorded: > 0 } ? Summary(readerId, w) : null);
        }
    }

    /// <summary>
    /// Takes the summaries to write: windows that have ended (all windows when <paramref name="final"/>, at shutdown,
    /// after which refusals are no longer counted) and any handed back unwritten.
    /// </summary>
    public IReadOnlyList<RefusalSummary> Take(bool final)
    {
        var now = clock.GetUtcNow();
        var window = options.Value.RefusalWindow;
        lock (_gate)
        {
            _final |= final;
            var result = new List<RefusalSummary>(_unwritten);
            _unwritten.Clear();
            foreach (var (reader, w) in _open.Where(e => final || now >= e.Value.Start + window).ToList())
            {
                // Ended windows are dropped even without a summary, so the table holds only callers refused recently.
                _open.Remove(reader);
                if (w.Unrecorded > 0)
                {
                    result.Add(Summary(reader, w));
                }
            }
            return result;
        }
    }

    /// <summary>Hands back summaries that could not be written, for the next attempt.</summary>
    public void Return(IEnumerable<RefusalSummary> unwritten)
    {
        lock (_gate)
        {
            _unwritten.AddRange(unwritten);
        }
    }

    private static RefusalSummary Summary(Guid reader, Window w) => new(reader, w.Start, w.Unrecorded, w.RateLimited);
}
