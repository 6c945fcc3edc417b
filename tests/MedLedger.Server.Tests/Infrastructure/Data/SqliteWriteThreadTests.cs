using MedLedger.Server.Infrastructure.Data;

namespace MedLedger.Server.Tests.Infrastructure.Data;

/// <summary>
/// The rows' SQLite writes: one unit at a time, a lone caller's unit run by the caller, queued ones on the write thread
/// in order, errors and cancellation kept.
/// </summary>
public sealed class SqliteWriteThreadTests
{
    /// <summary>A unit that runs (inline, on a pool thread) until released, so that the units after it queue.</summary>
    private static async Task<(Task<bool> Running, ManualResetEventSlim Release)> HoldAsync(SqliteWriteThread writes)
    {
        var release = new ManualResetEventSlim();
        using var started = new SemaphoreSlim(0);
        var running = Task.Run(() => writes.RunAsync(() =>
        {
            started.Release();
            return Task.FromResult(release.Wait(TimeSpan.FromSeconds(60)));
        }, CancellationToken.None));
        await started.WaitAsync();
        return (running, release);
    }

    [Fact]
    public async Task A_lone_callers_unit_runs_on_the_callers_own_thread()
    {
        using var writes = new SqliteWriteThread("test writes");
        var caller = Environment.CurrentManagedThreadId;
        Assert.Equal(caller, await writes.RunAsync(() => Task.FromResult(Environment.CurrentManagedThreadId), CancellationToken.None));
    }

    [Fact]
    public async Task Units_queued_behind_a_running_one_run_after_it_one_at_a_time_each_once_in_order_on_one_other_thread()
    {
        using var writes = new SqliteWriteThread("test writes");
        var (running, release) = await HoldAsync(writes);
        var caller = Environment.CurrentManagedThreadId;
        var busy = 0;
        var overlaps = 0;
        var order = new List<int>();
        var threads = new HashSet<int>();
        var units = Enumerable.Range(0, 400).Select(i => writes.RunAsync(() =>
        {
            if (Interlocked.Increment(ref busy) != 1)
            {
                Interlocked.Increment(ref overlaps);
            }
            Thread.SpinWait(2_000);
            order.Add(i);
            threads.Add(Environment.CurrentManagedThreadId);
            Interlocked.Decrement(ref busy);
            return Task.FromResult(i * 2);
        }, CancellationToken.None)).ToList();

        Assert.All(units, u => Assert.False(u.IsCompleted));
        release.Set();
        Assert.True(await running);
        Assert.Equal(Enumerable.Range(0, 400).Select(i => i * 2), await Task.WhenAll(units));
        Assert.Equal(0, overlaps);
        Assert.Equal(Enumerable.Range(0, 400), order);
        Assert.NotEqual(caller, Assert.Single(threads));
        release.Dispose();
    }

    [Fact]
    public async Task Concurrent_callers_on_the_thread_pool_never_overlap_and_a_unit_that_really_awaits_still_finishes_before_the_next()
    {
        using var writes = new SqliteWriteThread("test writes");
        var running = 0;
        var overlaps = 0;
        var done = 0;
        await Parallel.ForAsync(0, 64, async (i, _) =>
        {
            for (var n = 0; n < 20; n++)
            {
                await writes.RunAsync(async () =>
                {
                    if (Interlocked.Increment(ref running) != 1)
                    {
                        Interlocked.Increment(ref overlaps);
                    }
                    if (n % 5 == 0)
                    {
                        await Task.Yield();
                    }
                    Thread.SpinWait(200);
                    Interlocked.Increment(ref done);
                    Interlocked.Decrement(ref running);
                    return true;
                }, CancellationToken.None);
            }
        });
        Assert.Equal((0, 64 * 20), (overlaps, done));
    }

    [Fact]
    public async Task A_units_exception_reaches_its_caller_inline_or_queued_and_the_next_unit_still_runs()
    {
        using var writes = new SqliteWriteThread("test writes");
        var inline = writes.RunAsync<int>(() => throw new InvalidOperationException("constraint"), CancellationToken.None);
        Assert.Equal("constraint", (await Assert.ThrowsAsync<InvalidOperationException>(() => inline)).Message);

        var (running, release) = await HoldAsync(writes);
        var failed = writes.RunAsync<int>(() => throw new InvalidOperationException("constraint"), CancellationToken.None);
        var faulted = writes.RunAsync<int>(() => Task.FromException<int>(new TimeoutException("busy")), CancellationToken.None);
        var next = writes.RunAsync(() => Task.FromResult(7), CancellationToken.None);
        release.Set();

        Assert.True(await running);
        Assert.Equal("constraint", (await Assert.ThrowsAsync<InvalidOperationException>(() => failed)).Message);
        Assert.Equal("busy", (await Assert.ThrowsAsync<TimeoutException>(() => faulted)).Message);
        Assert.Equal(7, await next);
        release.Dispose();
    }

    [Fact]
    public async Task A_caller_cancelled_while_queued_gets_a_cancelled_task_and_its_unit_never_runs()
    {
        using var writes = new SqliteWriteThread("test writes");
        var (running, release) = await HoldAsync(writes);
        using var cancel = new CancellationTokenSource();
        var ran = false;
        var queued = writes.RunAsync(() => Task.FromResult(ran = true), cancel.Token);

        await cancel.CancelAsync();
        release.Set();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.True(await running);
        Assert.True(await writes.RunAsync(() => Task.FromResult(true), CancellationToken.None));
        Assert.False(ran);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writes.RunAsync(() => Task.FromResult(true), cancel.Token));
        release.Dispose();
    }

    [Fact]
    public async Task Callers_of_queued_units_resume_off_the_write_thread_and_units_see_the_callers_async_locals()
    {
        using var writes = new SqliteWriteThread("test writes");
        var (running, release) = await HoldAsync(writes);
        var local = new AsyncLocal<string?> { Value = "request 1" };
        string? seen = null;
        var queued = writes.RunAsync(() =>
        {
            seen = local.Value;
            return Task.FromResult(Environment.CurrentManagedThreadId);
        }, CancellationToken.None);
        release.Set();
        var writeThread = await queued;

        Assert.Equal("request 1", seen);
        Assert.NotEqual(writeThread, Environment.CurrentManagedThreadId);
        Assert.True(await running);
        release.Dispose();
    }

    [Fact]
    public async Task Dispose_runs_what_is_queued_and_refuses_more()
    {
        var writes = new SqliteWriteThread("test writes");
        var (running, release) = await HoldAsync(writes);
        var queued = writes.RunAsync(() => Task.FromResult(2), CancellationToken.None);
        var disposing = Task.Run(writes.Dispose);
        release.Set();
        await disposing;

        Assert.True(await running);
        Assert.Equal(2, await queued);
        // Refused at the call, not through the task: nothing was queued.
        var refused = Record.Exception(() => { _ = writes.RunAsync(() => Task.FromResult(3), CancellationToken.None); });
        Assert.IsType<ObjectDisposedException>(refused);
        release.Dispose();
    }
}
