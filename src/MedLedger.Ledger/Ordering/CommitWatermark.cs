namespace MedLedger.Ledger.Ordering;

/// <summary>
/// The highest position (height or etcd revision) the committer has reported committed, and a wait for a position:
/// orderers that must not judge or hand over past a block until its COMMIT use it (docs/ledger.md "Joining").
/// </summary>
public sealed class CommitWatermark
{
    private long _value;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Value => Interlocked.Read(ref _value);

    /// <summary>Raises the mark to <paramref name="position"/> (never lowers it) and wakes every waiter to look again.</summary>
    public void Advance(long position)
    {
        var seen = Interlocked.Read(ref _value);
        while (position > seen && Interlocked.CompareExchange(ref _value, position, seen) is var now && now != seen)
        {
            seen = now;
        }
        Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Until the mark reaches <paramref name="position"/>; a halting committer cancels <paramref name="ct"/>.</summary>
    public async Task WaitAsync(long position, CancellationToken ct)
    {
        while (true)
        {
            // Taken before the check: an Advance between the check and the wait completes this very task.
            var progress = Volatile.Read(ref _progress);
            if (Interlocked.Read(ref _value) >= position)
            {
                return;
            }
            await progress.Task.WaitAsync(ct).ConfigureAwait(false);
        }
    }
}
