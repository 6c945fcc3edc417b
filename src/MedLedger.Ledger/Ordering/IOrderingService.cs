using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace MedLedger.Ledger.Ordering;

/// <summary>
/// A batch in final order. The orderer cuts batches (not each peer), so in a consortium every peer
/// turns the same batch into the same block. <see cref="SignaturesVerified"/> is true only when
/// this process checked them before enqueueing; batches from a remote orderer must say false and
/// the committer re-verifies them (in parallel). <see cref="Position"/> is set by a shared orderer:
/// the committer then takes the header's proposer and time from it and stores its revision in the
/// block's own database transaction, and a block that fails to commit halts the peer (skipping it
/// would fork the peer from the others).
/// </summary>
public sealed record OrderedBatch(IReadOnlyList<LedgerTransaction> Transactions, bool SignaturesVerified, OrderingPosition? Position = null)
{
    /// <summary>A replayed block's header hash (PulledBlocksOrdering): the committer refuses to commit any other header.</summary>
    public byte[]? ExpectedHeaderHash { get; init; }
}

/// <summary>
/// Total order of transactions. Embedded: <see cref="EmbeddedOrderingService"/>. Consortium:
/// EtcdOrderingService (MedLedger.Ledger.Etcd) writes each peer's signed <see cref="OrderingEnvelope"/>
/// create-once under the peer's own prefix, takes the etcd revision order as the total order, and
/// reads from the revision stored with the last block (LedgerStore.GetOrderingRevisionAsync).
/// </summary>
public interface IOrderingService : IAsyncDisposable
{
    /// <summary>Hands a transaction to the orderer; returns once it is accepted for ordering.</summary>
    ValueTask EnqueueAsync(LedgerTransaction transaction, CancellationToken ct);

    /// <summary>Ordered batches, each cut by size (MaxBlockTransactions) or time (MaxBlockDelay).</summary>
    IAsyncEnumerable<OrderedBatch> ReadBatchesAsync(CancellationToken ct);

    /// <summary>No more transactions; ReadBatchesAsync ends once what was enqueued has been read.</summary>
    void Complete();
}

/// <summary>
/// In-process orderer over an unbounded channel. A batch is cut when it reaches the size limit,
/// when the queue is empty, or when MaxBlockDelay has passed since its first transaction. While
/// the committer writes block N, block N+1 fills (group commit).
/// </summary>
public sealed class EmbeddedOrderingService : IOrderingService
{
    private readonly Channel<LedgerTransaction> _channel = Channel.CreateUnbounded<LedgerTransaction>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly int _maxBatch;
    private readonly TimeSpan _maxDelay;

    public EmbeddedOrderingService(int maxBatch, TimeSpan maxDelay)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        _maxBatch = maxBatch;
        _maxDelay = maxDelay;
    }

    public ValueTask EnqueueAsync(LedgerTransaction transaction, CancellationToken ct) => _channel.Writer.WriteAsync(transaction, ct);

    public async IAsyncEnumerable<OrderedBatch> ReadBatchesAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            var batch = new List<LedgerTransaction>();
            var started = Environment.TickCount64;
            // No lingering: an idle committer takes what is queued now, so a lone submitter pays
            // no batching delay, and under load the next block fills while this one commits.
            // (Measured: lingering for stragglers lost throughput at 16 submitters.)
            while (batch.Count < _maxBatch && Environment.TickCount64 - started <= _maxDelay.TotalMilliseconds && reader.TryRead(out var tx))
            {
                batch.Add(tx);
            }
            if (batch.Count > 0)
            {
                yield return new OrderedBatch(batch, true);
            }
        }
    }

    public void Complete() => _channel.Writer.TryComplete();

    public ValueTask DisposeAsync()
    {
        Complete();
        return ValueTask.CompletedTask;
    }
}
