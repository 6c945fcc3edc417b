using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Merkle;
using MedLedger.Ledger.Ordering;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger;

/// <summary>
/// One ledger peer: verifies signatures of submissions (on the submitters' threads, so in
/// parallel), hands them to the orderer, and runs the single committer that turns each ordered
/// batch into a signed block — contracts, Merkle nodes, state and nonces — in ONE database
/// transaction. <see cref="SubmitAsync"/> completes only after that commit.
/// </summary>
public sealed class LedgerPeer : IAsyncDisposable
{
    private readonly LedgerSigningKey _key;
    private readonly IOrderingService _ordering;
    private readonly Dictionary<string, byte[]> _peerKeys;
    private readonly Dictionary<string, Queue<TaskCompletionSource<LedgerReceipt>>> _waiters = new(StringComparer.Ordinal);
    private readonly Lock _waitersLock = new();
    private LedgerWriter? _writer;
    private Task? _loop;
    private MerkleFrontier _frontier = MerkleFrontier.Empty();
    private byte[] _stateRoot = new byte[32];
    private BlockHeader? _head;
    private byte[] _headHash = new byte[32];
    private long _systemNonce;
    private volatile bool _running;
    private bool _reloadHead;
    private Task? _checkpointLoop;
    private CancellationTokenSource? _checkpointStop;
    private long _blocksSinceCheckpoint;
    private long _checkpoints;
    private readonly BlockCertifier? _certifier;

    // Often enough that the log stays small (a checkpoint then copies a few hundred pages), rarely
    // enough that its two fsyncs are a small share of the disk's time.
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(250);

    public LedgerPeer(LedgerStore store, byte[] peerPrivateKey, LedgerOptions? options = null, ContractRegistry? contracts = null, IOrderingService? ordering = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        Options = options ?? new LedgerOptions();
        if (!LedgerTransaction.IsName(Options.PeerId) || Options.PeerId.Length > 64)
        {
            throw new ArgumentException("PeerId must be a short name of [A-Za-z0-9._:@-].", nameof(options));
        }
        Store = store;
        _key = new LedgerSigningKey(peerPrivateKey);
        Contracts = contracts ?? ContractRegistry.WithIdentity();
        _ordering = ordering ?? new EmbeddedOrderingService(Options.MaxBlockTransactions, Options.MaxBlockDelay);
        _peerKeys = new Dictionary<string, byte[]>(Options.PeerKeys, StringComparer.Ordinal) { [Options.PeerId] = _key.PublicKey };
        Queries = new LedgerQueries(store);
        Consortium = new ConsortiumView(_peerKeys.Select(k => new ConsortiumMember(k.Key, k.Value)), Options.Threshold);
        if (_ordering is ICertificateExchange exchange)
        {
            _certifier = new BlockCertifier(store, Consortium, Options.PeerId, exchange, Options.CertificateTimeout);
        }
    }

    /// <summary>
    /// The members that certify this ledger's blocks (PeerKeys plus this peer) and k. The embedded peer is the
    /// consortium of one: its own signature is the whole certificate.
    /// </summary>
    public ConsortiumView Consortium { get; }

    /// <summary>Signatures by members over headers this peer did not compute (consortium ordering); those members are left out of its certificates.</summary>
    public Task<IReadOnlyList<LedgerEvidence>> GetEvidenceAsync(CancellationToken ct = default) => Store.GetEvidenceAsync(ct);

    /// <summary>Published signatures the certificate collector could not use (not a member, unparsable, bad signature).</summary>
    public IReadOnlyCollection<string> CertificateProblems => _certifier?.Problems ?? [];

    public static LedgerPeer Sqlite(string connectionString, byte[] peerPrivateKey, LedgerOptions? options = null, ContractRegistry? contracts = null) =>
        new(LedgerStore.Sqlite(connectionString), peerPrivateKey, options, contracts);

    public static LedgerPeer Postgres(string connectionString, byte[] peerPrivateKey, LedgerOptions? options = null, ContractRegistry? contracts = null) =>
        new(LedgerStore.Postgres(connectionString), peerPrivateKey, options, contracts);

    public LedgerOptions Options { get; }
    public LedgerStore Store { get; }
    public ContractRegistry Contracts { get; }
    public LedgerQueries Queries { get; }
    public string PeerId => Options.PeerId;
    public byte[] PublicKey => _key.PublicKey;
    /// <summary>Every peer's public key by id (this one included), as the verifier needs them.</summary>
    public IReadOnlyDictionary<string, byte[]> PeerKeys => _peerKeys;
    /// <summary>The last committed header (null before the first block).</summary>
    public BlockHeader? Head => Volatile.Read(ref _head) is { } head && _certifier?.Collected(head.Height) is { } certificate
        ? head with { Certificate = certificate }
        : Volatile.Read(ref _head);

    /// <summary>Why the committer stopped for good (the orderer failed or a shared block did not apply); null while it runs.</summary>
    public Exception? Halted { get; private set; }

    /// <summary>Where the committer spends its time (ticks): contracts, SQL writes, commit (fsync), receipts.</summary>
    internal long[] CommitTicks { get; } = new long[4];

    /// <summary>Background write-ahead-log checkpoints completed (SQLite; see <see cref="LedgerStore.CheckpointsInBackground"/>).</summary>
    internal long CheckpointsDone => Interlocked.Read(ref _checkpoints);

    /// <summary>Test hook: runs after a block is written and before it commits (simulates a crash there).</summary>
    internal Action<BlockHeader>? BeforeCommit { get; set; }

    /// <summary>Test hook: sees each block's rows as the writer wrote them (before COMMIT).</summary>
    internal Action<BlockWrite>? BlockWritten { get; set; }

    /// <summary>Test hook: runs right after COMMIT returned (simulates losing the connection as the commit lands).</summary>
    internal Action<BlockHeader>? AfterCommit { get; set; }

    /// <summary>Creates the tables if needed, loads the head and starts the committer. One start per instance.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (_loop is not null)
        {
            return;
        }
        await Store.InitializeAsync(ct).ConfigureAwait(false);
        await LoadHeadAsync(ct).ConfigureAwait(false);
        _systemNonce = LedgerTransaction.NowMs() * 1000;
        _writer = new LedgerWriter(Store);
        if (_certifier is not null)
        {
            await _certifier.StartAsync(Volatile.Read(ref _head), ct).ConfigureAwait(false);
        }
        _running = true;
        _loop = Task.Factory.StartNew(CommitLoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        if (Store.CheckpointsInBackground)
        {
            _checkpointStop = new CancellationTokenSource();
            _checkpointLoop = Task.Run(() => CheckpointLoopAsync(_checkpointStop.Token), CancellationToken.None);
        }
    }

    private async Task CheckpointLoopAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await Task.Delay(CheckpointInterval, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (Interlocked.Exchange(ref _blocksSinceCheckpoint, 0) == 0)
            {
                continue;
            }
            try
            {
                Store.Checkpoint();
                Interlocked.Increment(ref _checkpoints);
            }
            catch (System.Data.Common.DbException)
            {
                // Busy or I/O trouble: the frames stay safe in the log and the next round tries again.
                Interlocked.Increment(ref _blocksSinceCheckpoint);
            }
        }
    }

    /// <summary>Head, frontier (O(log n) node reads) and state root from the store.</summary>
    private async Task LoadHeadAsync(CancellationToken ct)
    {
        var head = await Store.GetLatestHeaderAsync(ct).ConfigureAwait(false);
        if (head is null)
        {
            _frontier = MerkleFrontier.Empty();
            _stateRoot = new byte[32];
            _headHash = new byte[32];
        }
        else
        {
            var keys = MerkleFrontier.KeysFor(head.TreeSize);
            _frontier = MerkleFrontier.Load(head.TreeSize, await Store.GetNodesAsync(keys, ct).ConfigureAwait(false));
            if (!_frontier.Root().AsSpan().SequenceEqual(head.RootHash))
            {
                throw new LedgerCorruptException($"stored Merkle nodes do not match the root of block {head.Height}");
            }
            _stateRoot = head.StateRoot;
            _headHash = head.Hash();
        }
        Volatile.Write(ref _head, head);
    }

    /// <summary>Stops accepting, commits what was already enqueued, then closes the writer.</summary>
    public async Task StopAsync()
    {
        if (_loop is null)
        {
            return;
        }
        _running = false;
        _ordering.Complete();
        await _loop.ConfigureAwait(false);
        _loop = null;
        if (_certifier is not null)
        {
            await _certifier.StopAsync().ConfigureAwait(false);
        }
        _writer?.Dispose();
        _writer = null;
        if (_checkpointLoop is not null)
        {
            await _checkpointStop!.CancelAsync().ConfigureAwait(false);
            await _checkpointLoop.ConfigureAwait(false);
            _checkpointStop.Dispose();
            _checkpointLoop = null;
            _checkpointStop = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _ordering.DisposeAsync().ConfigureAwait(false);
        _key.Dispose();
    }

    /// <summary>
    /// Submits a signed transaction and waits for its block to commit. Returns the receipt of a
    /// valid transaction; throws <see cref="LedgerRejectedException"/> for an invalid one (with the
    /// receipt when it was recorded as invalid). Cancelling stops the wait, not the commit.
    /// </summary>
    public async Task<LedgerReceipt> SubmitAsync(LedgerTransaction transaction, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (!_running)
        {
            throw new InvalidOperationException("The ledger peer is not running.");
        }
        if (transaction.CheckWellFormed() is { } malformed)
        {
            throw new LedgerRejectedException(LedgerRejection.Malformed(malformed));
        }
        if (Contracts.Find(transaction.Type) is null)
        {
            throw new LedgerRejectedException(LedgerRejection.Malformed($"no contract for transaction type '{transaction.Type}'"));
        }
        if (!transaction.VerifySignature())
        {
            throw new LedgerRejectedException(new LedgerRejection(LedgerRejectionKind.BadSignature, "signature does not verify"));
        }
        var tcs = new TaskCompletionSource<LedgerReceipt>(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = transaction.Id;
        lock (_waitersLock)
        {
            if (!_waiters.TryGetValue(id, out var q))
            {
                _waiters[id] = q = new Queue<TaskCompletionSource<LedgerReceipt>>(1);
            }
            q.Enqueue(tcs);
        }
        try
        {
            await _ordering.EnqueueAsync(transaction, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Threading.Channels.ChannelClosedException or OperationCanceledException)
        {
            lock (_waitersLock)
            {
                if (_waiters.TryGetValue(id, out var q) && q.Count == 1 && q.Peek() == tcs)
                {
                    _waiters.Remove(id);
                }
            }
            throw e is OperationCanceledException ? e : new InvalidOperationException("The ledger peer is stopping.", e);
        }
        return await tcs.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>A system event: actor "peer:&lt;PeerId&gt;", signed with the peer key, fresh nonce.</summary>
    public LedgerTransaction CreateSystemTransaction(string type, IReadOnlyDictionary<string, string> payload, long? timestampMs = null) =>
        LedgerTransaction.Create(type, LedgerTransaction.SystemActorPrefix + PeerId, Interlocked.Increment(ref _systemNonce),
            timestampMs ?? LedgerTransaction.NowMs(), payload, _key);

    private async Task CommitLoopAsync()
    {
        try
        {
            await CommitBatchesAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The orderer itself failed: stop accepting and fail everyone still waiting rather than hang them.
            _running = false;
            Halted = e;
            List<TaskCompletionSource<LedgerReceipt>> pending;
            lock (_waitersLock)
            {
                pending = _waiters.Values.SelectMany(q => q).ToList();
                _waiters.Clear();
            }
            foreach (var w in pending)
            {
                w.TrySetException(new InvalidOperationException("The ledger's ordering service failed; the peer stopped.", e));
            }
        }
    }

    private async Task CommitBatchesAsync()
    {
        await foreach (var batch in _ordering.ReadBatchesAsync(CancellationToken.None).ConfigureAwait(false))
        {
            List<(ProcessedTransaction P, long LogIndex, byte[] LeafHash)> rows;
            BlockHeader header;
            Dictionary<MerkleNodeKey, byte[]> proofNodes;
            try
            {
                if (_reloadHead)
                {
                    await LoadHeadAsync(CancellationToken.None).ConfigureAwait(false);
                    _reloadHead = false;
                }
                (rows, header, proofNodes) = CommitBatch(batch);
            }
            catch (Exception e) when (e is not OutOfMemoryException && batch.Position is not null)
            {
                // A shared orderer's envelope must be applied, in order, by every peer: carrying on
                // without it would fork this peer. Halt; a restart resumes at the stored revision.
                throw new LedgerCorruptException($"block from orderer revision {batch.Position.Revision} failed to apply; the peer halted: {e.Message}", e);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The block is not acknowledged; its submitters learn it and later blocks go on.
                // If the failure hit COMMIT itself (a dropped connection) the outcome is unknown,
                // so the head is re-read from the store before the next block.
                _writer?.Dispose();
                _writer = null;
                _reloadHead = true;
                foreach (var tx in batch.Transactions)
                {
                    TakeWaiter(tx.Id)?.TrySetException(new InvalidOperationException("The ledger could not commit the block; look the transaction up by id before resubmitting.", e));
                }
                continue;
            }
            var receiptsStart = System.Diagnostics.Stopwatch.GetTimestamp();
            var source = new StoredMerkle.Fetched(proofNodes);
            var pending = _certifier is null ? null : new List<PendingReceipt>();
            foreach (var (p, index, leaf) in rows)
            {
                var waiter = TakeWaiter(p.Tx.Id);
                if (waiter is null)
                {
                    continue;
                }
                var receipt = new LedgerReceipt(p.Tx.Id, p.Valid, p.Reason, header.Height, index, leaf, header,
                    MerkleMath.InclusionProof(source, index, header.TreeSize), p.Tx.SigningBytes, p.Tx.Signature);
                if (pending is not null)
                {
                    // Consortium: the receipt goes out once the block holds k member signatures.
                    pending.Add(new PendingReceipt(waiter, receipt, p.Valid ? null : p.Rejection));
                }
                else if (p.Valid)
                {
                    waiter.TrySetResult(receipt);
                }
                else
                {
                    waiter.TrySetException(new LedgerRejectedException(p.Rejection!, receipt));
                }
            }
            _certifier?.Committed(header, pending!);
            CommitTicks[3] += System.Diagnostics.Stopwatch.GetTimestamp() - receiptsStart;
        }
    }

    private TaskCompletionSource<LedgerReceipt>? TakeWaiter(string id)
    {
        lock (_waitersLock)
        {
            if (!_waiters.TryGetValue(id, out var q))
            {
                return null;
            }
            var w = q.Dequeue();
            if (q.Count == 0)
            {
                _waiters.Remove(id);
            }
            return w;
        }
    }

    private (List<(ProcessedTransaction, long, byte[])>, BlockHeader, Dictionary<MerkleNodeKey, byte[]>) CommitBatch(OrderedBatch batch)
    {
        var txs = batch.Transactions;
        var verified = new bool[txs.Count];
        if (batch.SignaturesVerified)
        {
            Array.Fill(verified, true);
        }
        else
        {
            Parallel.For(0, txs.Count, i => verified[i] = txs[i].VerifySignature());
        }
        _writer ??= new LedgerWriter(Store);
        var height = (_head?.Height ?? 0) + 1;
        // With a shared orderer the proposer, not this peer, names the block, so every peer's
        // contracts see the same context and every peer computes the same header.
        var proposer = batch.Position?.ProposerId ?? PeerId;
        var context = new ContractContext(height, proposer, _peerKeys);
        var frontier = _frontier.Clone();
        // Receipts are proven from the previous frontier plus this block's new nodes: every
        // sibling left of the block is a frontier subtree, everything else is new.
        var proofNodes = frontier.Entries().ToDictionary(e => e.Key, e => e.Hash);
        var created = new List<(MerkleNodeKey Key, byte[] Hash)>(txs.Count * 2);
        var rows = new List<(ProcessedTransaction, long, byte[])>(txs.Count);
        _writer.Begin();
        try
        {
            var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            var processor = new BlockProcessor(Contracts, context, _writer);
            for (var i = 0; i < txs.Count; i++)
            {
                var p = processor.Process(txs[i], verified[i], batch.SignaturesVerified);
                var leaf = p.Tx.LeafHash(p.Valid);
                var index = frontier.Size;
                frontier.Append(leaf, created);
                rows.Add((p, index, leaf));
            }
            var stateRoot = BlockProcessor.NextStateRoot(_stateRoot, processor.Writes);
            var time = Math.Max(batch.Position?.TimeMs ?? LedgerTransaction.NowMs(), _head?.TimeMs ?? 0);
            // v2: every honest peer computes these bytes from the same batch; each signs them (its signature opens the certificate).
            var header = BlockHeader.CreateV2(height, _headHash, txs.Count, frontier.Size, frontier.Root(), stateRoot, time, proposer,
                batch.Position?.Revision ?? 0, PeerId, _key);
            var headerHash = header.Hash();
            if (batch.ExpectedHeaderHash is { } expected && !expected.AsSpan().SequenceEqual(headerHash))
            {
                throw new LedgerCorruptException($"replayed block {height} computes header {Convert.ToHexStringLower(headerHash)}, the member's certified header is {Convert.ToHexStringLower(expected)}");
            }
            var t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            var blockWrite = new BlockWrite
            {
                Header = header,
                HeaderHash = headerHash,
                Transactions = rows,
                Nodes = created,
                StateWrites = processor.Writes,
                Nonces = processor.Nonces,
                OrderingRevision = batch.Position?.Revision,
                OwnSignature = _certifier is null ? null : new PeerSignature(PeerId, header.Signature),
            };
            _writer.Write(blockWrite);
            BlockWritten?.Invoke(blockWrite);
            BeforeCommit?.Invoke(header);
            var t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            _writer.Commit();
            AfterCommit?.Invoke(header);
            var t3 = System.Diagnostics.Stopwatch.GetTimestamp();
            CommitTicks[0] += t1 - t0;
            CommitTicks[1] += t2 - t1;
            CommitTicks[2] += t3 - t2;
            Interlocked.Increment(ref _blocksSinceCheckpoint);
            _frontier = frontier;
            _stateRoot = stateRoot;
            _headHash = headerHash;
            Volatile.Write(ref _head, header);
            foreach (var (k, h) in created)
            {
                proofNodes[k] = h;
            }
            return (rows, header, proofNodes);
        }
        catch
        {
            _writer.Rollback();
            throw;
        }
    }
}
