namespace MedLedger.Ledger;

/// <summary>
/// Runs an async loop on a thread of its own: every continuation the loop awaits without
/// <c>ConfigureAwait(false)</c> comes back to that thread instead of joining the thread pool's queue.
/// The committer blocks in COMMIT (fsync) once per block; on a pool worker that took one of the
/// pool's few threads (two on a 2-core machine) away from the submitters' signature checks and left
/// a core idle, and its next step waited behind every queued check (docs/benchmarks.md, session 48).
/// </summary>
internal sealed class CommitterThread : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();
    // Monitor's wait/pulse (System.Threading.Lock has no condition wait).
    private readonly object _gate = new();
    private bool _done;

    private CommitterThread()
    {
    }

    /// <summary>Starts <paramref name="loop"/> on a new background thread; the task completes as the loop does.</summary>
    public static Task Run(Func<Task> loop, string name)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new CommitterThread();
        var thread = new Thread(() => context.Pump(loop, finished)) { IsBackground = true, Name = name };
        thread.Start();
        return finished.Task;
    }

    private void Pump(Func<Task> loop, TaskCompletionSource finished)
    {
        SetSynchronizationContext(this);
        Task task;
        try
        {
            task = loop();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            task = Task.FromException(e);
        }
        task.ContinueWith(static (_, state) => ((CommitterThread)state!).Finish(), this, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        while (Next() is { } work)
        {
            work.Callback(work.State);
        }
        if (task.Exception is { } failed)
        {
            finished.SetException(failed.InnerExceptions);
        }
        else if (task.IsCanceled)
        {
            finished.SetCanceled();
        }
        else
        {
            finished.SetResult();
        }
    }

    private (SendOrPostCallback Callback, object? State)? Next()
    {
        lock (_gate)
        {
            while (_queue.Count == 0)
            {
                if (_done)
                {
                    return null;
                }
                Monitor.Wait(_gate);
            }
            return _queue.Dequeue();
        }
    }

    private void Finish()
    {
        lock (_gate)
        {
            _done = true;
            Monitor.PulseAll(_gate);
        }
    }

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_gate)
        {
            if (!_done)
            {
                _queue.Enqueue((d, state));
                Monitor.Pulse(_gate);
                return;
            }
        }
        // The loop has ended: nothing of it is left to run here, so a stray continuation runs on the pool.
        ThreadPool.QueueUserWorkItem(static s => s.d(s.state), (d, state), preferLocal: false);
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("The committer's thread takes posted work only.");

    public override SynchronizationContext CreateCopy() => this;
}
