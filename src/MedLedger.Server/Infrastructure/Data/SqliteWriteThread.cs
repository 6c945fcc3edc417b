using System.Collections.Concurrent;

namespace MedLedger.Server.Infrastructure.Data;

/// <summary>
/// Runs units of SQLite write work one at a time, on one dedicated thread when they queue. SQLite has one write lock; a
/// semaphore in front of it hands the lock on by queueing the next waiter's continuation on the thread pool, where under
/// load it waits behind every request's work while the lock sits free. Here, when nothing is running and nothing waits, a
/// caller runs its unit itself (no thread hop for a lone writer); otherwise the unit queues and the write thread runs the
/// queue as soon as the lock holder is done. Microsoft.Data.Sqlite's async calls complete synchronously, so a queued unit
/// runs start to end on that thread; one that really awaits is waited for. Callers of queued units resume on the thread
/// pool, never on the write thread. A unit must not queue another one and wait for it (it would wait for itself).
/// </summary>
public sealed class SqliteWriteThread : IDisposable
{
    private readonly ConcurrentQueue<Unit> _queue = new();
    private readonly Thread _thread;
    // Guards queueing against Dispose, and is the monitor the write thread sleeps on.
    private readonly object _gate = new();
    private bool _woken;
    private volatile bool _disposed;
    // 1 while a unit runs, inline or on the write thread: whoever sets it runs units, one at a time.
    private int _busy;

    public SqliteWriteThread(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Runs or queues <paramref name="work"/>; a caller cancelled before it starts gets a cancelled task and the work never runs.</summary>
    public Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ct.ThrowIfCancellationRequested();
        if (_queue.IsEmpty && Interlocked.CompareExchange(ref _busy, 1, 0) == 0)
        {
            return RunInlineAsync(work);
        }
        var unit = new Unit<T>(work, ct);
        lock (_gate)
        {
            // Under the gate: once Dispose has set the flag nothing more is queued, so the thread can drain and stop.
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Enqueue(unit);
        }
        Wake();
        return unit.Task;
    }

    private async Task<T> RunInlineAsync<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
            if (!_queue.IsEmpty)
            {
                Wake();
            }
        }
    }

    private void Wake()
    {
        // One pending wake is enough: the thread drains the whole queue each time it wins the lock.
        lock (_gate)
        {
            _woken = true;
            Monitor.Pulse(_gate);
        }
    }

    private void Run()
    {
        while (true)
        {
            lock (_gate)
            {
                while (!_woken)
                {
                    Monitor.Wait(_gate);
                }
                _woken = false;
            }
            while (!_queue.IsEmpty && Interlocked.CompareExchange(ref _busy, 1, 0) == 0)
            {
                while (_queue.TryDequeue(out var unit))
                {
                    unit.Execute();
                }
                Volatile.Write(ref _busy, 0);
            }
            if (_disposed && _queue.IsEmpty)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            // Units already queued still run: their callers are waiting for them.
            _disposed = true;
        }
        Wake();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
    }

    private abstract class Unit
    {
        public abstract void Execute();
    }

    private sealed class Unit<T> : Unit
    {
        private const int Queued = 0, Started = 1, Cancelled = 2;
        private readonly Func<Task<T>> _work;
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ExecutionContext? _context = ExecutionContext.Capture();
        private readonly CancellationTokenRegistration _cancel;
        private int _state;

        public Unit(Func<Task<T>> work, CancellationToken ct)
        {
            _work = work;
            _cancel = ct.Register(static (o, token) =>
            {
                var u = (Unit<T>)o!;
                if (Interlocked.CompareExchange(ref u._state, Cancelled, Queued) == Queued)
                {
                    u._done.TrySetCanceled(token);
                }
            }, this);
        }

        public Task<T> Task => _done.Task;

        public override void Execute()
        {
            // Whoever moves the state first wins: a unit cancelled before it started never runs, one started is not cancelled.
            if (Interlocked.CompareExchange(ref _state, Started, Queued) != Queued)
            {
                return;
            }
            _cancel.Dispose();
            if (_context is null)
            {
                Complete();
            }
            else
            {
                ExecutionContext.Run(_context, static o => ((Unit<T>)o!).Complete(), this);
            }
        }

        private void Complete()
        {
            try
            {
                _done.SetResult(_work().GetAwaiter().GetResult());
            }
            catch (OperationCanceledException e)
            {
                _done.SetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                _done.SetException(e);
            }
        }
    }
}
