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
public sealed partial class LedgerPeer : IAsyncDisposable
{
    private readonly LedgerSigningKey _key;
    private readonly IOrderingService _ordering;
    private readonly Dictionary<string, byte[]> _peerKeys;
    private readonly Dictionary<string, Queue<TaskCompletionSource<LedgerReceipt>>> _waiters = new(StringComparer.Ordinal);
    private readonly Lock _waitersLock = new();
    // Signatures this peer checked on submit, by transaction id, until the orderer hands the transaction back unverified
    // (a shared orderer). A signature check depends only on the signed bytes, which the id hashes, and the signature, which
    // is compared, so the committer need not repeat it: one P-256 verify less per transaction (docs/benchmarks.md, session 35).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _verifiedOnSubmit = new(StringComparer.Ordinal);
    private const int MaxVerifiedOnSubmit = 16_384;
    // Its size, kept by hand: ConcurrentDictionary.Count takes every bucket lock, on every submit.
    private int _verifiedOnSubmitCount;
    private long _submitVerificationsReused;
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
    // Set by a completed background checkpoint; the committer then copies the rest itself (LedgerStore.CatchUpCheckpoint).
    private int _catchUpCheckpoint;
    private long _checkpoints;
    private readonly BlockCertifier? _certifier;
    private readonly ConsortiumView _configured;
    private ConsortiumView _consortium;
    // Peer keys contracts see (IsSignedByPeer): the configured ones, or, once genesis is applied under a shared
    // orderer, the members of the view in effect after the previous block (every peer computes the same).
    private IReadOnlyDictionary<string, byte[]> _contextKeys;
    private volatile string? _halted;

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
        // The embedded orderer's blocks are certified by this peer's header signature alone, once, at commit.
        Queries = new LedgerQueries(store, blocksFinal: _ordering is EmbeddedOrderingService);
        if (Options.AdmittedAfterGenesis && Options.PeerKeys.ContainsKey(Options.PeerId))
        {
            throw new ArgumentException("A peer admitted after genesis is not one of the genesis members PeerKeys names.", nameof(options));
        }
        // A peer admitted after genesis is not in the genesis view: it learns its membership from the ledger it replays.
        var genesisKeys = Options.AdmittedAfterGenesis ? new Dictionary<string, byte[]>(Options.PeerKeys, StringComparer.Ordinal) : _peerKeys;
        _configured = _consortium = new ConsortiumView(genesisKeys.Select(k => new ConsortiumMember(k.Key, k.Value)), Options.Threshold);
        _contextKeys = genesisKeys;
        if (_ordering is ICertificateExchange exchange)
        {
            _certifier = new BlockCertifier(store, _configured, Options.PeerId, exchange, Options.CertificateTimeout);
        }
    }

    /// <summary>
    /// The members that certify this ledger's next block and k: the configured consortium (PeerKeys plus this peer)
    /// until a shared ledger's consortium.genesis is applied, then the view the ledger holds, which changes after a
    /// block that completes a consortium.add-peer. The embedded peer is the consortium of one: its own signature is
    /// the whole certificate.
    /// </summary>
    public ConsortiumView Consortium => Volatile.Read(ref _consortium);

    /// <summary>The consortium this peer's configuration names (what it submits as genesis and must find pinned).</summary>
    public ConsortiumView ConfiguredConsortium => _configured;

    /// <summary>True once a shared orderer's ledger holds a consortium.genesis (never for the embedded peer).</summary>
    public bool ConsortiumPinned { get; private set; }

    /// <summary>Why this peer stopped committing (for example: the ledger pinned another consortium), or null while it runs.</summary>
    public string? HaltReason => _halted;

    /// <summary>Raised on the committer after a block that changed the consortium (genesis or a completed add-peer) is committed; argument: the new view.</summary>
    public event Action<ConsortiumView>? ConsortiumChanged;

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

    /// <summary>Consortium only: blocks certified and the summed COMMIT → k-th signature time (benchmarks).</summary>
    internal (long Blocks, TimeSpan Total) CertificationWait => _certifier?.CertificationWait ?? default;

    /// <summary>Background write-ahead-log checkpoints completed (SQLite; see <see cref="LedgerStore.CheckpointsInBackground"/>).</summary>
    internal long CheckpointsDone => Interlocked.Read(ref _checkpoints);

    /// <summary>Checkpoints the committer ran on its own connection after a background one (<see cref="LedgerStore.CatchUpCheckpoint"/>).</summary>
    internal long CatchUpCheckpointsDone { get; private set; }

    /// <summary>Test hook: runs after a block is written and before it commits (simulates a crash there).</summary>
    internal Action<BlockHeader>? BeforeCommit { get; set; }

    /// <summary>Test hook: sees each block's rows as the writer wrote them (before COMMIT).</summary>
    internal Action<BlockWrite>? BlockWritten { get; set; }

    /// <summary>Test hook: the embedded peer's block time (ms); tests fix it to compare headers across runs.</summary>
    internal Func<long> BlockClock { get; set; } = LedgerTransaction.NowMs;

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
        if (_certifier is not null)
        {
            await LoadConsortiumAsync(ct).ConfigureAwait(false);
        }
        _writer = new LedgerWriter(Store, Options.NonceRowsPerWrite, Options.IndexRowsPerWrite, Options.IndexChunkTransactions);
        if (_certifier is not null)
        {
            await _certifier.StartAsync(Volatile.Read(ref _head), ct).ConfigureAwait(false);
        }
        _running = true;
        // Its own thread: the loop's awaits (ConfigureAwait(true)) return to it, so the blocking COMMIT never holds a pool worker.
        _loop = CommitterThread.Run(CommitLoopAsync, "MedLedger committer " + Options.PeerId);
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
                var nearlyAll = Store.Checkpoint();
                Interlocked.Increment(ref _checkpoints);
                if (nearlyAll)
                {
                    Volatile.Write(ref _catchUpCheckpoint, 1);
                }
            }
            catch (System.Data.Common.DbException)
            {
                // Busy or I/O trouble: the frames stay safe in the log and the next round tries again.
                Interlocked.Increment(ref _blocksSinceCheckpoint);
            }
        }
    }

    /// <summary>
    /// A shared ledger's membership after a restart: each view and the height it certifies from, replayed from the
    /// ledger's consortium transactions. A ledger that pinned a consortium other than the configured one halts here.
    /// </summary>
    private async Task LoadConsortiumAsync(CancellationToken ct)
    {
        if (await ConsortiumChain.LoadAsync(Store, ct).ConfigureAwait(false) is not { } chain)
        {
            return;
        }
        if (!chain.Genesis.SameAs(_configured))
        {
            throw new LedgerConsortiumMismatchException(MismatchMessage(chain.Genesis));
        }
        foreach (var (from, view) in chain.Views)
        {
            _certifier!.ViewFrom(from, view);
        }
        UseView(chain.Current);
    }

    private string MismatchMessage(ConsortiumView pinned) =>
        $"the ledger pinned consortium {pinned.Fingerprint} ({pinned.Threshold} of {string.Join(", ", pinned.Members.Select(m => m.PeerId))}) at genesis, "
        + $"but this peer's consortium file names {_configured.Fingerprint} ({_configured.Threshold} of {string.Join(", ", _configured.Members.Select(m => m.PeerId))}); "
        + "members that disagree about the consortium never certify together, so this peer halted";

    private void UseView(ConsortiumView view)
    {
        ConsortiumPinned = true;
        _contextKeys = view.Members.ToDictionary(m => m.PeerId, m => m.PublicKey, StringComparer.Ordinal);
        Volatile.Write(ref _consortium, view);
    }

    /// <summary>Post-commit hook: the view a committed block completed certifies from the next block on.</summary>
    private void OnConsortiumCommitted(long height, ConsortiumView view)
    {
        if (!ConsortiumPinned && !view.SameAs(_configured))
        {
            _halted = MismatchMessage(view);
            throw new LedgerConsortiumMismatchException(_halted);
        }
        _certifier!.ViewFrom(height + 1, view);
        UseView(view);
        ConsortiumChanged?.Invoke(view);
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
        // Bounded: an entry whose transaction never comes back (a lost envelope, a stop) only costs memory up to the cap.
        if (_ordering is not EmbeddedOrderingService && Volatile.Read(ref _verifiedOnSubmitCount) < MaxVerifiedOnSubmit
            && _verifiedOnSubmit.TryAdd(id, transaction.Signature))
        {
            Interlocked.Increment(ref _verifiedOnSubmitCount);
        }
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
            await CommitBatchesAsync().ConfigureAwait(true);
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

    /// <summary>Most blocks one database transaction holds (group commit of envelopes already read from a shared orderer).</summary>
    internal const int MaxGroupBlocks = 64;

    /// <summary>Blocks committed and database transactions that committed them (consortium group commit; equal for the embedded peer).</summary>
    internal long BlocksCommitted { get; private set; }
    internal long GroupsCommitted { get; private set; }

    /// <summary>Transactions from a shared orderer whose signature the committer did not check again: this peer checked it on submit.</summary>
    public long SubmitVerificationsReused => Interlocked.Read(ref _submitVerificationsReused);

    /// <summary>True (once) when this peer verified exactly this transaction, signature included, on submit.</summary>
    private bool VerifiedOnSubmit(LedgerTransaction tx)
    {
        if (!_verifiedOnSubmit.TryRemove(tx.Id, out var signature))
        {
            return false;
        }
        Interlocked.Decrement(ref _verifiedOnSubmitCount);
        if (!signature.AsSpan().SequenceEqual(tx.Signature))
        {
            return false;
        }
        Interlocked.Increment(ref _submitVerificationsReused);
        return true;
    }

    private async Task CommitBatchesAsync()
    {
        // A shared orderer judges envelopes by the members in effect at the stored head (the ledger's view after a restart).
        (_ordering as ICommitListener)?.Committed(_head?.Height ?? 0, _head?.OrderingRevision ?? 0, _contextKeys);
        using var halt = new CancellationTokenSource();
        var batches = _ordering.ReadBatchesAsync(halt.Token).GetAsyncEnumerator(halt.Token);
        ValueTask<bool>? prefetched = null;
        try
        {
            await CommitGroupsAsync(batches, p => prefetched = p).ConfigureAwait(true);
        }
        catch
        {
            // Halting with a read ahead in flight: end it before disposing the reader (an iterator cannot be disposed mid-step).
            await halt.CancelAsync().ConfigureAwait(true);
            if (prefetched is { IsCompleted: false } inFlight)
            {
                try
                {
                    await inFlight.ConfigureAwait(true);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Cancelled (or failed): the peer is halting for the first exception anyway.
                }
            }
            throw;
        }
        finally
        {
            await batches.DisposeAsync().ConfigureAwait(true);
        }
    }

    private async Task CommitGroupsAsync(IAsyncEnumerator<OrderedBatch> batches, Action<ValueTask<bool>?> readAhead)
    {
        ValueTask<bool>? prefetched = null;
        while (true)
        {
            bool more;
            if (prefetched is { } p)
            {
                // Forgotten before it is awaited: a ValueTask is awaited once.
                prefetched = null;
                readAhead(null);
                more = await p.ConfigureAwait(true);
            }
            else
            {
                more = await batches.MoveNextAsync().ConfigureAwait(true);
            }
            if (!more)
            {
                break;
            }
            // Embedded peer: pipelined commits (LedgerPeer.Pipeline.cs) until the orderer ends or a batch needs the path below.
            if (Pipelinable(batches.Current) && !await CommitPipelinedAsync(batches, readAhead).ConfigureAwait(true))
            {
                break;
            }
            var group = new List<OrderedBatch> { batches.Current };
            // Group commit (shared orderer only): envelopes the orderer has already read become consecutive blocks,
            // one per envelope, in ONE database transaction (one fsync). The embedded orderer is never read ahead: its
            // next batch fills while this one commits. The crash hooks see one block per transaction.
            if (group[0].Position is not null && BeforeCommit is null && AfterCommit is null)
            {
                while (group.Count < MaxGroupBlocks)
                {
                    var next = batches.MoveNextAsync();
                    if (!next.IsCompleted)
                    {
                        prefetched = next;
                        readAhead(next);
                        break;
                    }
                    if (!next.GetAwaiter().GetResult())
                    {
                        prefetched = ValueTask.FromResult(false);
                        break;
                    }
                    group.Add(batches.Current);
                }
            }
            List<CommittedBlock> committed;
            try
            {
                if (_reloadHead)
                {
                    await LoadHeadAsync(CancellationToken.None).ConfigureAwait(true);
                    _reloadHead = false;
                }
                committed = CommitGroup(group);
            }
            catch (Exception e) when (e is not OutOfMemoryException && group[0].Position is not null)
            {
                // A shared orderer's envelope must be applied, in order, by every peer: carrying on
                // without it would fork this peer. Halt; a restart resumes at the stored revision.
                throw new LedgerCorruptException($"blocks from orderer revisions {group[0].Position!.Revision}–{group[^1].Position!.Revision} failed to apply; the peer halted: {e.Message}", e);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The block is not acknowledged; its submitters learn it and later blocks go on.
                // If the failure hit COMMIT itself (a dropped connection) the outcome is unknown,
                // so the head is re-read from the store before the next block.
                _writer?.Dispose();
                _writer = null;
                _reloadHead = true;
                foreach (var tx in group[0].Transactions)
                {
                    TakeWaiter(tx.Id)?.TrySetException(new InvalidOperationException("The ledger could not commit the block; look the transaction up by id before resubmitting.", e));
                }
                continue;
            }
            // Acknowledged (and handed to the certifier) only after the group's COMMIT.
            var receiptsStart = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var block in committed)
            {
                Acknowledge(block);
            }
            CommitTicks[3] += System.Diagnostics.Stopwatch.GetTimestamp() - receiptsStart;
        }
    }

    private void Acknowledge(CommittedBlock block)
    {
        var header = block.Header;
        var source = new StoredMerkle.Fetched(block.ProofNodes);
        var pending = _certifier is null ? null : new List<PendingReceipt>();
        foreach (var (p, index, leaf) in block.Rows)
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
    }

    private sealed record CommittedBlock(List<(ProcessedTransaction P, long LogIndex, byte[] LeafHash)> Rows, BlockHeader Header, Dictionary<MerkleNodeKey, byte[]> ProofNodes);

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

    /// <summary>Each batch becomes one block; all of them are written in one database transaction and committed together.</summary>
    private List<CommittedBlock> CommitGroup(List<OrderedBatch> group)
    {
        var verified = new bool[group.Count][];
        for (var g = 0; g < group.Count; g++)
        {
            var txs = group[g].Transactions;
            var v = verified[g] = new bool[txs.Count];
            if (group[g].SignaturesVerified)
            {
                Array.Fill(v, true);
            }
            else
            {
                Parallel.For(0, txs.Count, i => v[i] = VerifiedOnSubmit(txs[i]) || txs[i].VerifySignature());
            }
        }
        _writer ??= new LedgerWriter(Store, Options.NonceRowsPerWrite, Options.IndexRowsPerWrite, Options.IndexChunkTransactions);
        var frontier = _frontier.Clone();
        var stateRoot = _stateRoot;
        var headHash = _headHash;
        var head = _head;
        var blocks = new List<CommittedBlock>(group.Count);
        // A block that completes a membership change makes the new view's keys the context of the blocks after it.
        var contextKeys = _contextKeys;
        var changes = new List<(long Height, ConsortiumView View)>();
        _writer.Begin();
        try
        {
            var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            long processing = 0;
            foreach (var (batch, g) in group.Select((b, g) => (b, g)))
            {
                var b0 = System.Diagnostics.Stopwatch.GetTimestamp();
                var txs = batch.Transactions;
                var height = (head?.Height ?? 0) + 1;
                // With a shared orderer the proposer, not this peer, names the block, so every peer's
                // contracts see the same context and every peer computes the same header.
                var proposer = batch.Position?.ProposerId ?? PeerId;
                var context = new ContractContext(height, proposer, contextKeys);
                // Receipts are proven from the previous frontier plus this block's new nodes: every
                // sibling left of the block is a frontier subtree, everything else is new.
                var proofNodes = frontier.Entries().ToDictionary(e => e.Key, e => e.Hash);
                var created = new List<(MerkleNodeKey Key, byte[] Hash)>(txs.Count * 2);
                var rows = new List<(ProcessedTransaction, long, byte[])>(txs.Count);
                var processor = new BlockProcessor(Contracts, context, _writer);
                for (var i = 0; i < txs.Count; i++)
                {
                    var p = processor.Process(txs[i], verified[g][i], batch.SignaturesVerified);
                    var leaf = p.Tx.LeafHash(p.Valid);
                    var index = frontier.Size;
                    frontier.Append(leaf, created);
                    rows.Add((p, index, leaf));
                }
                var nextStateRoot = BlockProcessor.NextStateRoot(stateRoot, processor.Writes);
                // Genesis and a completed add-peer write the threshold; a mere approval writes only its proposal.
                if (_certifier is not null && processor.Writes.ContainsKey(ConsortiumKeys.Threshold)
                    && ConsortiumState.Read(processor.StateAfterBlock()) is { } changedView)
                {
                    changes.Add((height, changedView));
                    contextKeys = changedView.Members.ToDictionary(m => m.PeerId, m => m.PublicKey, StringComparer.Ordinal);
                }
                var time = Math.Max(batch.Position?.TimeMs ?? BlockClock(), head?.TimeMs ?? 0);
                // v2: every honest peer computes these bytes from the same batch; each signs them (its signature opens the certificate).
                var header = BlockHeader.CreateV2(height, headHash, txs.Count, frontier.Size, frontier.Root(), nextStateRoot, time, proposer,
                    batch.Position?.Revision ?? 0, PeerId, _key);
                var headerHash = header.Hash();
                if (batch.ExpectedHeaderHash is { } expected && !expected.AsSpan().SequenceEqual(headerHash))
                {
                    throw new LedgerCorruptException($"replayed block {height} computes header {Convert.ToHexStringLower(headerHash)}, the member's certified header is {Convert.ToHexStringLower(expected)}");
                }
                processing += System.Diagnostics.Stopwatch.GetTimestamp() - b0;
                var blockWrite = new BlockWrite
                {
                    Header = header,
                    HeaderHash = headerHash,
                    Transactions = rows,
                    Nodes = created,
                    StateWrites = processor.Writes,
                    Nonces = processor.Nonces,
                    OrderingRevision = batch.Position?.Revision,
                    // A replayed block's position carries its header time = max(envelope time, previous header time): it is
                    // the envelope's own time only when it moved past the previous header. Recording a larger value as the
                    // proposer's high-water would make this peer skip that proposer's next envelopes, so then none is recorded.
                    ProposerTime = batch.Position is { } position && (batch.ExpectedHeaderHash is null || position.TimeMs > (head?.TimeMs ?? 0))
                        ? (position.ProposerId, position.TimeMs) : null,
                    OwnSignature = _certifier is null ? null : new PeerSignature(PeerId, header.Signature),
                };
                _writer.Write(blockWrite);
                BlockWritten?.Invoke(blockWrite);
                BeforeCommit?.Invoke(header);
                foreach (var (k, h) in created)
                {
                    proofNodes[k] = h;
                }
                stateRoot = nextStateRoot;
                headHash = headerHash;
                head = header;
                blocks.Add(new CommittedBlock(rows, header, proofNodes));
            }
            var t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            _writer.Commit();
            AfterCommit?.Invoke(head!);
            if (Interlocked.Exchange(ref _catchUpCheckpoint, 0) == 1)
            {
                try
                {
                    _writer.CatchUpCheckpoint();
                    CatchUpCheckpointsDone++;
                }
                catch (System.Data.Common.DbException)
                {
                    // The blocks are committed; the log is copied by the next background round instead.
                }
            }
            var t3 = System.Diagnostics.Stopwatch.GetTimestamp();
            CommitTicks[0] += processing;
            CommitTicks[1] += t2 - t0 - processing;
            CommitTicks[2] += t3 - t2;
            Interlocked.Add(ref _blocksSinceCheckpoint, group.Count);
            BlocksCommitted += group.Count;
            GroupsCommitted++;
            _frontier = frontier;
            _stateRoot = stateRoot;
            _headHash = headHash;
            Volatile.Write(ref _head, head);
            foreach (var (height, view) in changes)
            {
                OnConsortiumCommitted(height, view);
            }
            (_ordering as ICommitListener)?.Committed(head!.Height, head.OrderingRevision, _contextKeys);
            return blocks;
        }
        catch
        {
            _writer.Rollback();
            throw;
        }
    }
}
