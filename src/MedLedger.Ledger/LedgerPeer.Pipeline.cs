using System.Diagnostics;
using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Merkle;
using MedLedger.Ledger.Ordering;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger;

/// <summary>
/// The embedded peer's pipelined committer (issue 15): while block N's COMMIT (the fsync) runs on its own thread,
/// block N+1 is executed in memory over N's writes and takes in every batch the orderer cuts until that COMMIT
/// returns. N's submitters are acknowledged only after N's COMMIT; N+1 is written only then, and is discarded
/// (its submitters fail as a failed block's do) if N's COMMIT fails. Headers are computed exactly as the
/// one-block-at-a-time path computes them for the same transactions and cuts.
/// </summary>
public sealed partial class LedgerPeer
{
    /// <summary>Blocks whose execution was thrown away because the block before them failed to commit.</summary>
    internal long BlocksDiscarded { get; private set; }

    /// <summary>Ticks the committer sat idle while a COMMIT ran (waiting for it or for the next batch); the rest of each COMMIT overlapped its work.</summary>
    internal long CommitWaitTicks { get; private set; }

    /// <summary>Only the embedded path: a shared orderer's envelopes, replayed blocks and the crash hooks keep the one-block path.</summary>
    private bool Pipelinable(OrderedBatch batch) =>
        Options.PipelineCommits && _certifier is null && batch.Position is null && batch.ExpectedHeaderHash is null
        && BeforeCommit is null && AfterCommit is null;

    /// <summary>
    /// Commits from <c>batches.Current</c> on. Returns false when the orderer ended, true when <c>batches.Current</c>
    /// is a batch the one-block path must commit; either way nothing is in flight any more.
    /// </summary>
    private async Task<bool> CommitPipelinedAsync(IAsyncEnumerator<OrderedBatch> batches, Action<ValueTask<bool>?> readAhead)
    {
        BlockInFlight? inFlight = null;
        Task<bool>? move = null;
        OrderedBatch? batch = batches.Current;
        try
        {
            while (true)
            {
                if (batch is null)
                {
                    move ??= NextBatch(batches, readAhead);
                    if (inFlight is not null && !move.IsCompleted)
                    {
                        // Nothing queued: acknowledge N as soon as its COMMIT returns instead of waiting for a submitter.
                        await IdleUntilAsync(move, inFlight.Commit).ConfigureAwait(true);
                        if (!move.IsCompleted)
                        {
                            await FinishAsync(inFlight).ConfigureAwait(true);
                            inFlight = null;
                        }
                    }
                    var more = await move.ConfigureAwait(true);
                    move = null;
                    readAhead(null);
                    if (!more || !Pipelinable(batches.Current))
                    {
                        if (inFlight is not null)
                        {
                            await FinishAsync(inFlight).ConfigureAwait(true);
                            inFlight = null;
                        }
                        return more;
                    }
                    batch = batches.Current;
                }
                if (inFlight is null && _reloadHead)
                {
                    await LoadHeadAsync(CancellationToken.None).ConfigureAwait(true);
                    _reloadHead = false;
                }
                _writer ??= new LedgerWriter(Store, Options.NonceRowsPerWrite, Options.IndexRowsPerWrite, Options.IndexChunkTransactions);
                var open = new OpenBlock(this, _writer, inFlight);
                Exception? failure = null;
                try
                {
                    open.Add(batch);
                    batch = null;
                    // Linger only while N commits: what the orderer cuts before N's COMMIT returns joins block N+1.
                    while (inFlight is not null && !inFlight.Commit.IsCompleted && open.Count < Options.MaxBlockTransactions)
                    {
                        move ??= NextBatch(batches, readAhead);
                        await IdleUntilAsync(move, inFlight.Commit).ConfigureAwait(true);
                        if (!move.IsCompleted || !move.Result || !Pipelinable(batches.Current)
                            || open.Count + batches.Current.Transactions.Count > Options.MaxBlockTransactions)
                        {
                            // Still pending, ended, or not for this block: the top of the loop takes it up.
                            break;
                        }
                        move = null;
                        readAhead(null);
                        open.Add(batches.Current);
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failure = e;
                }
                if (move is { IsCompleted: true } && move.Result && batch is null && Pipelinable(batches.Current))
                {
                    // A batch read but not taken (the block was full): it starts the next block.
                    batch = batches.Current;
                    move = null;
                    readAhead(null);
                }
                // One connection: N's COMMIT returns before N+1 is written.
                var previousCommitted = inFlight is null || await FinishAsync(inFlight).ConfigureAwait(true);
                inFlight = null;
                if (!previousCommitted || failure is not null)
                {
                    FailBlock(open, failure, previousCommitted);
                    continue;
                }
                inFlight = Start(open);
            }
        }
        finally
        {
            // Halting (the orderer failed): let the COMMIT in flight land and answer its submitters before the writer goes.
            if (inFlight is not null)
            {
                try
                {
                    await FinishAsync(inFlight).ConfigureAwait(true);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // The peer is halting for the first exception; CommitLoopAsync fails whoever still waits.
                }
            }
        }
    }

    private async Task IdleUntilAsync(Task<bool> move, Task<long> commit)
    {
        var w0 = Stopwatch.GetTimestamp();
        await Task.WhenAny(move, commit).ConfigureAwait(true);
        CommitWaitTicks += Stopwatch.GetTimestamp() - w0;
    }

    private static Task<bool> NextBatch(IAsyncEnumerator<OrderedBatch> batches, Action<ValueTask<bool>?> readAhead)
    {
        var move = batches.MoveNextAsync().AsTask();
        readAhead(new ValueTask<bool>(move));
        return move;
    }

    /// <summary>Seals the executed block, writes it and starts its COMMIT on its own thread (the fsync must not wait for the thread pool).</summary>
    private BlockInFlight? Start(OpenBlock open)
    {
        var writer = _writer!;
        CommittedBlock block;
        BlockWrite write;
        var w0 = Stopwatch.GetTimestamp();
        try
        {
            (block, write) = open.Seal();
            var w1 = Stopwatch.GetTimestamp();
            CommitTicks[0] += w1 - w0;
            writer.Begin();
            writer.Write(write);
            BlockWritten?.Invoke(write);
            CommitTicks[1] += Stopwatch.GetTimestamp() - w1;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            writer.Rollback();
            FailBlock(open, e, true);
            return null;
        }
        var commit = Task.Factory.StartNew(() =>
        {
            var c0 = Stopwatch.GetTimestamp();
            writer.CommitTransaction();
            return Stopwatch.GetTimestamp() - c0;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return new BlockInFlight(block, open.Frontier, open.StateRoot!, write.HeaderHash, commit);
    }

    /// <summary>Waits for a block's COMMIT; then publishes it as the head and acknowledges it, or fails its submitters.</summary>
    private async Task<bool> FinishAsync(BlockInFlight b)
    {
        var w0 = Stopwatch.GetTimestamp();
        long commitTicks;
        try
        {
            commitTicks = await b.Commit.ConfigureAwait(true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            CommitWaitTicks += Stopwatch.GetTimestamp() - w0;
            // As on the one-block path: the outcome of a failed COMMIT is unknown, so the head is re-read before the next block.
            _writer?.Dispose();
            _writer = null;
            _reloadHead = true;
            foreach (var (p, _, _) in b.Block.Rows)
            {
                TakeWaiter(p.Tx.Id)?.TrySetException(new InvalidOperationException("The ledger could not commit the block; look the transaction up by id before resubmitting.", e));
            }
            return false;
        }
        CommitWaitTicks += Stopwatch.GetTimestamp() - w0;
        CommitTicks[2] += commitTicks;
        _writer!.CompleteCommit();
        Interlocked.Add(ref _blocksSinceCheckpoint, 1);
        BlocksCommitted++;
        GroupsCommitted++;
        _frontier = b.Frontier;
        _stateRoot = b.StateRoot;
        _headHash = b.HeaderHash;
        Volatile.Write(ref _head, b.Block.Header);
        var r0 = Stopwatch.GetTimestamp();
        Acknowledge(b.Block);
        CommitTicks[3] += Stopwatch.GetTimestamp() - r0;
        return true;
    }

    /// <summary>A block that was not committed: nothing of it was written, so its nonces stay unspent and resubmitting is safe.</summary>
    private void FailBlock(OpenBlock open, Exception? failure, bool previousCommitted)
    {
        if (previousCommitted)
        {
            // Its own execution or write failed (the store): same as a failed block on the one-block path.
            _writer?.Dispose();
            _writer = null;
            _reloadHead = true;
        }
        else
        {
            BlocksDiscarded++;
        }
        var error = previousCommitted
            ? new InvalidOperationException("The ledger could not commit the block; look the transaction up by id before resubmitting.", failure)
            : new InvalidOperationException("The block before this transaction's block failed to commit, so its block was discarded uncommitted; resubmit it.", failure);
        foreach (var tx in open.Transactions)
        {
            TakeWaiter(tx.Id)?.TrySetException(error);
        }
    }

    private sealed record BlockInFlight(CommittedBlock Block, MerkleFrontier Frontier, byte[] StateRoot, byte[] HeaderHash, Task<long> Commit);

    /// <summary>
    /// Committed state as block N+1 sees it while N commits: N's writes and the cache and filters in memory; anything
    /// only the database knows waits for N's COMMIT (the connection is busy until then) and fails if it failed.
    /// </summary>
    private sealed class PipelinedState(LedgerWriter writer, BlockInFlight? inFlight) : IStateBackend
    {
        public string? Get(string key) => writer.TryGetWithoutDatabase(key, out var value) ? value : AfterCommit().Get(key);

        public bool NonceUsed(string actorId, long nonce) => !writer.NonceNeverSpent(actorId, nonce) && AfterCommit().NonceUsed(actorId, nonce);

        public IReadOnlyList<KeyValuePair<string, string>> Scan(string prefix, int limit) => AfterCommit().Scan(prefix, limit);

        private LedgerWriter AfterCommit()
        {
            if (inFlight is not null)
            {
                try
                {
                    inFlight.Commit.Wait();
                }
                catch (AggregateException e)
                {
                    // InvalidOperationException: BlockProcessor treats it as a store failure, never as the transaction's verdict.
                    throw new InvalidOperationException("the previous block failed to commit", e.InnerException);
                }
            }
            return writer;
        }
    }

    /// <summary>The block being executed: the same steps and bytes as CommitGroup's loop for an embedded batch.</summary>
    private sealed class OpenBlock
    {
        private readonly LedgerPeer _peer;
        private readonly BlockProcessor _processor;
        private readonly List<(MerkleNodeKey Key, byte[] Hash)> _created = [];
        private readonly List<(ProcessedTransaction, long, byte[])> _rows = [];
        private readonly Dictionary<MerkleNodeKey, byte[]> _proofNodes;
        private readonly byte[] _previousStateRoot;
        private readonly byte[] _previousHash;
        private readonly BlockHeader? _previous;

        public OpenBlock(LedgerPeer peer, LedgerWriter writer, BlockInFlight? inFlight)
        {
            _peer = peer;
            Frontier = (inFlight?.Frontier ?? peer._frontier).Clone();
            _previousStateRoot = inFlight?.StateRoot ?? peer._stateRoot;
            _previousHash = inFlight?.HeaderHash ?? peer._headHash;
            _previous = inFlight is null ? peer._head : inFlight.Block.Header;
            _proofNodes = Frontier.Entries().ToDictionary(e => e.Key, e => e.Hash);
            _processor = new BlockProcessor(peer.Contracts, new ContractContext(Height, peer.PeerId, peer._contextKeys), new PipelinedState(writer, inFlight));
        }

        private long Height => (_previous?.Height ?? 0) + 1;
        public MerkleFrontier Frontier { get; }
        public byte[]? StateRoot { get; private set; }
        public List<LedgerTransaction> Transactions { get; } = [];
        public int Count => Transactions.Count;

        public void Add(OrderedBatch batch)
        {
            var b0 = Stopwatch.GetTimestamp();
            var txs = batch.Transactions;
            Transactions.AddRange(txs);
            var verified = new bool[txs.Count];
            if (batch.SignaturesVerified)
            {
                Array.Fill(verified, true);
            }
            else
            {
                Parallel.For(0, txs.Count, i => verified[i] = txs[i].VerifySignature());
            }
            for (var i = 0; i < txs.Count; i++)
            {
                var p = _processor.Process(txs[i], verified[i], batch.SignaturesVerified);
                var leaf = p.Tx.LeafHash(p.Valid);
                var index = Frontier.Size;
                Frontier.Append(leaf, _created);
                _rows.Add((p, index, leaf));
            }
            _peer.CommitTicks[0] += Stopwatch.GetTimestamp() - b0;
        }

        public (CommittedBlock Block, BlockWrite Write) Seal()
        {
            StateRoot = BlockProcessor.NextStateRoot(_previousStateRoot, _processor.Writes);
            var time = Math.Max(_peer.BlockClock(), _previous?.TimeMs ?? 0);
            var header = BlockHeader.CreateV2(Height, _previousHash, _rows.Count, Frontier.Size, Frontier.Root(), StateRoot, time, _peer.PeerId,
                0, _peer.PeerId, _peer._key);
            var write = new BlockWrite
            {
                Header = header,
                HeaderHash = header.Hash(),
                Transactions = _rows,
                Nodes = _created,
                StateWrites = _processor.Writes,
                Nonces = _processor.Nonces,
            };
            foreach (var (k, h) in _created)
            {
                _proofNodes[k] = h;
            }
            return (new CommittedBlock(_rows, header, _proofNodes), write);
        }
    }
}
