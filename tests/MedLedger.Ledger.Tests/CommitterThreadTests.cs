using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger.Tests;

/// <summary>The committer runs on a thread of its own, so its blocking COMMIT never holds one of the thread pool's workers.</summary>
public sealed class CommitterThreadTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-committer-" + Guid.NewGuid().ToString("N")[..10]);

    public CommitterThreadTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public async Task Every_step_of_the_loop_runs_on_the_one_thread_it_started_on_and_never_on_the_pool()
    {
        var threads = new List<(int Id, bool Pool, string? Name)>();
        void Note() => threads.Add((Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name));
        var fromPool = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        await CommitterThread.Run(async () =>
        {
            Note();
            await Task.Delay(5).ConfigureAwait(true);
            Note();
            await Task.Yield();
            Note();
            // Completed by a pool thread: the continuation still comes back here.
            _ = Task.Run(() => fromPool.SetResult(42));
            Assert.Equal(42, await fromPool.Task.ConfigureAwait(true));
            Note();
        }, "test committer");

        Assert.Equal(4, threads.Count);
        Assert.Single(threads.Select(t => t.Id).Distinct());
        Assert.All(threads, t => Assert.False(t.Pool));
        Assert.All(threads, t => Assert.Equal("test committer", t.Name));
    }

    [Fact]
    public async Task A_loop_that_fails_fails_its_task_with_its_own_exception()
    {
        var thrown = await Assert.ThrowsAsync<InvalidDataException>(() => CommitterThread.Run(async () =>
        {
            await Task.Yield();
            throw new InvalidDataException("the orderer broke");
        }, "failing committer"));
        Assert.Equal("the orderer broke", thrown.Message);

        var synchronous = await Assert.ThrowsAsync<InvalidOperationException>(() => CommitterThread.Run(() => throw new InvalidOperationException("before the first await"), "failing early"));
        Assert.Equal("before the first await", synchronous.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_peer_writes_every_block_on_the_committers_own_thread_never_on_the_pool(bool pipelined)
    {
        var store = LedgerStore.Sqlite($"Data Source={Path.Combine(_dir, $"p{pipelined}.db")}");
        await using var peer = new LedgerPeer(store, LedgerCrypto.GenerateKeyPair().PrivateKey,
            new LedgerOptions { PeerId = "peer-a", PipelineCommits = pipelined }, ContractRegistry.WithIdentity());
        var onPool = 0;
        var blocks = 0;
        var threads = new HashSet<string?>();
        // Runs on the committer between writing a block and its COMMIT (on the one-block path the COMMIT follows on the same thread).
        peer.BlockWritten = _ =>
        {
            blocks++;
            threads.Add(Thread.CurrentThread.Name);
            if (Thread.CurrentThread.IsThreadPoolThread)
            {
                onPool++;
            }
        };
        await peer.StartAsync();

        var receipts = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => peer.SubmitAsync(new TestUser($"u-{i}").Register()))));

        Assert.All(receipts, r => Assert.True(r.Valid));
        Assert.True(blocks > 0);
        Assert.Equal(0, onPool);
        // Every block is written on the committer's one named thread (pipelined, the old loop happened to write some on
        // the previous block's COMMIT thread: off the pool, but not the committer's).
        Assert.Equal(["MedLedger committer peer-a"], threads);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
