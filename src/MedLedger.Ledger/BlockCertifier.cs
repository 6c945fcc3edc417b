using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using MedLedger.Ledger.Ordering;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger;

/// <summary>
/// A consortium peer's commit certificates (docs/ledger.md, "Commit certificates"): publishes this peer's signature
/// over each block it commits, collects the members' signatures from the exchange, stores those over the header this
/// peer computed (ledger_certificates) and keeps those over any other header as evidence (ledger_evidence), then
/// excludes that member. Receipts wait here until their block holds k distinct member signatures. One worker does
/// all matching in order, so a signature that arrives before its block (catch-up) is parked and matched when the
/// committer gets there.
/// </summary>
internal sealed class BlockCertifier
{
    /// <summary>The collector's position in the exchange (ledger_ordering row): everything at or below it is matched.</summary>
    internal const string CollectorPosition = "certificates";
    private const int RecentHeights = 1024;

    private readonly LedgerStore _store;
    // The view that certifies each height (docs/ledger.md "Consortium membership"): touched only by the worker.
    private readonly List<(long FromHeight, ConsortiumView View)> _views;
    private readonly string _peerId;
    private readonly ICertificateExchange _exchange;
    private readonly TimeSpan _timeout;
    private readonly Channel<object> _work = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<(long Height, byte[] Value)> _publish = Channel.CreateUnbounded<(long, byte[])>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<long, BlockState> _recent = [];
    private readonly SortedDictionary<long, List<(string PeerId, SignedHeader Signed, long Revision)>> _early = [];
    private readonly HashSet<string> _excluded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, IReadOnlyList<PeerSignature>> _collected = new();
    private readonly ConcurrentQueue<string> _problems = new();
    private long _applied;
    private long _persisted;
    private Task? _worker;
    private Task? _collector;
    private Task? _publisher;

    public BlockCertifier(LedgerStore store, ConsortiumView consortium, string peerId, ICertificateExchange exchange, TimeSpan timeout)
    {
        _store = store;
        _views = [(1, consortium)];
        _peerId = peerId;
        _exchange = exchange;
        _timeout = timeout;
    }

    /// <summary>Signatures the collector could not use (not a member, bad framing, bad signature), oldest first.</summary>
    public IReadOnlyCollection<string> Problems => _problems;

    public async Task StartAsync(BlockHeader? head, CancellationToken ct)
    {
        _applied = head?.Height ?? 0;
        foreach (var e in await _store.GetEvidenceAsync(ct).ConfigureAwait(false))
        {
            _excluded.Add(e.PeerId);
        }
        _persisted = await _store.GetPositionAsync(CollectorPosition, ct).ConfigureAwait(false);
        _worker = Task.Run(WorkAsync, CancellationToken.None);
        _collector = Task.Run(CollectAsync, CancellationToken.None);
        _publisher = Task.Run(() => PublishAsync(_applied), CancellationToken.None);
    }

    /// <summary>Blocks certified here and the summed time from each one's COMMIT to its k-th signature (benchmarks: the certificate path's share of latency).</summary>
    public (long Blocks, TimeSpan Total) CertificationWait => (Interlocked.Read(ref _certifiedBlocks), System.Diagnostics.Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _certifiedTicks)));

    private long _certifiedBlocks;
    private long _certifiedTicks;

    /// <summary>What this peer has collected for a recent block (its certificate so far), or null when not tracked here.</summary>
    public IReadOnlyList<PeerSignature>? Collected(long height) => _collected.GetValueOrDefault(height);

    /// <summary>
    /// From <paramref name="fromHeight"/> on, signatures are judged by <paramref name="view"/> (a membership change
    /// completed in block fromHeight − 1, or the ledger's views read at start). Ordered with the committed blocks.
    /// </summary>
    public void ViewFrom(long fromHeight, ConsortiumView view) => _work.Writer.TryWrite(new ViewChange(fromHeight, view));

    private ConsortiumView ViewAt(long height)
    {
        for (var i = _views.Count - 1; i > 0; i--)
        {
            if (height >= _views[i].FromHeight)
            {
                return _views[i].View;
            }
        }
        return _views[0].View;
    }

    /// <summary>Called by the committer after each COMMIT; the receipts complete once the block is certified (or fail at the timeout).</summary>
    public void Committed(BlockHeader header, List<PendingReceipt> receipts) =>
        _work.Writer.TryWrite(new CommittedBlock(header, receipts));

    public async Task StopAsync()
    {
        if (_worker is null)
        {
            return;
        }
        _work.Writer.TryComplete();
        _publish.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_worker, _collector!, _publisher!).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _worker = null;
        foreach (var state in _recent.Values)
        {
            Fail(state);
        }
        // Blocks committed but not reached by the worker before the stop (it ends at the cancelled token): their
        // submitters learn "not certified yet" instead of waiting forever.
        while (_work.Reader.TryRead(out var item))
        {
            if (item is CommittedBlock b)
            {
                var state = new BlockState(b.Header, b.Header.Hash(), b.Receipts);
                state.Signatures[_peerId] = b.Header.Signature;
                Fail(state);
            }
        }
        _recent.Clear();
        _stop.Dispose();
    }

    // ---------------- publishing this peer's signatures ----------------

    private async Task PublishAsync(long head)
    {
        var ct = _stop.Token;
        try
        {
            // A crash between COMMIT and publishing loses nothing: what this peer has not published yet is republished from its store.
            var last = await Retry(() => _exchange.LastPublishedHeightAsync(ct), ct).ConfigureAwait(false);
            var group = new List<(long Height, byte[] Value)>();
            for (var h = last + 1; h <= head; h++)
            {
                if (await _store.GetHeaderAsync(h, ct).ConfigureAwait(false) is { } header)
                {
                    group.Add((h, new SignedHeader(header.SigningBytes(), header.Signature).Encode()));
                }
                if (group.Count >= PublishGroup || h == head)
                {
                    await PublishGroupAsync(group, ct).ConfigureAwait(false);
                }
            }
            // Everything committed while the previous publish was in flight goes out in the next one (one exchange
            // round trip per group, not per height): a group commit's heights usually share one.
            while (await _publish.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (group.Count < PublishGroup && _publish.Reader.TryRead(out var item))
                {
                    group.Add(item);
                }
                await PublishGroupAsync(group, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private const int PublishGroup = 256;

    private async Task PublishGroupAsync(List<(long Height, byte[] Value)> group, CancellationToken ct)
    {
        if (group.Count == 0)
        {
            return;
        }
        await Retry(async () => { await _exchange.PublishAsync(group, ct).ConfigureAwait(false); return 0L; }, ct).ConfigureAwait(false);
        group.Clear();
    }

    private async Task<long> Retry(Func<Task<long>> call, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException && !ct.IsCancellationRequested)
            {
                _problems.Enqueue("exchange call failed: " + e.Message);
                await Task.Delay(250, ct).ConfigureAwait(false);
            }
        }
    }

    // ---------------- collecting everyone's signatures ----------------

    private async Task CollectAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var s in _exchange.ReadSignaturesAsync(Volatile.Read(ref _persisted), ct).ConfigureAwait(false))
                {
                    await _work.Writer.WriteAsync(s, ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ChannelClosedException)
            {
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // The exchange failed (all etcd members down…): read again from the last matched position; matching is idempotent.
                _problems.Enqueue("reading signatures failed: " + e.Message);
                await Task.Delay(250, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task WorkAsync()
    {
        var ct = _stop.Token;
        try
        {
            await foreach (var item in _work.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                switch (item)
                {
                    case CommittedBlock b:
                        await OnCommittedAsync(b, ct).ConfigureAwait(false);
                        break;
                    case PublishedSignature s:
                        await OnSignatureAsync(s, ct).ConfigureAwait(false);
                        break;
                    case ViewChange v:
                        _views.RemoveAll(e => e.FromHeight >= v.FromHeight && e.FromHeight > 1);
                        if (v.FromHeight <= 1)
                        {
                            _views[0] = (1, v.View);
                        }
                        else
                        {
                            _views.Add((v.FromHeight, v.View));
                        }
                        break;
                    case Expired x:
                        if (_recent.TryGetValue(x.Height, out var state) && !state.Certified)
                        {
                            Fail(state);
                        }
                        break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task OnCommittedAsync(CommittedBlock b, CancellationToken ct)
    {
        var header = b.Header;
        var state = new BlockState(header, header.Hash(), b.Receipts);
        state.Signatures[_peerId] = header.Signature;
        _recent[header.Height] = state;
        _recent.Remove(header.Height - RecentHeights);
        _collected.TryRemove(header.Height - RecentHeights, out _);
        _applied = header.Height;
        _publish.Writer.TryWrite((header.Height, new SignedHeader(header.SigningBytes(), header.Signature).Encode()));
        while (_early.Count > 0 && _early.First() is var (height, parked) && height <= header.Height)
        {
            _early.Remove(height);
            foreach (var (peer, signed, revision) in parked)
            {
                if (IsMemberSignature(peer, signed, height, revision))
                {
                    await MatchAsync(peer, signed, height, ct).ConfigureAwait(false);
                }
            }
        }
        Update(state);
        if (!state.Certified && state.Pending.Count > 0)
        {
            var h = header.Height;
            _ = Task.Delay(_timeout, ct).ContinueWith(_ => _work.Writer.TryWrite(new Expired(h)), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
        await PersistAsync(ct).ConfigureAwait(false);
    }

    private async Task OnSignatureAsync(PublishedSignature s, CancellationToken ct)
    {
        await HandleAsync(s, ct).ConfigureAwait(false);
        // Only what lies before this revision is surely complete: a group's signatures share one revision (one
        // exchange write), so a restart re-reads this revision whole (matching is idempotent) instead of skipping its rest.
        _lastRead = Math.Max(_lastRead, s.Revision - 1);
        await PersistAsync(ct).ConfigureAwait(false);
    }

    private long _lastRead;

    /// <summary>Advances the stored position to what is fully matched: never past a signature still parked for a block not applied yet.</summary>
    private async Task PersistAsync(CancellationToken ct)
    {
        var safe = _lastRead;
        foreach (var parked in _early.Values)
        {
            foreach (var p in parked)
            {
                safe = Math.Min(safe, p.Revision - 1);
            }
        }
        if (safe > Volatile.Read(ref _persisted))
        {
            await _store.SetPositionAsync(CollectorPosition, safe, ct).ConfigureAwait(false);
            Volatile.Write(ref _persisted, safe);
        }
    }

    private async Task HandleAsync(PublishedSignature s, CancellationToken ct)
    {
        if (string.Equals(s.PeerId, _peerId, StringComparison.Ordinal))
        {
            return; // This peer's own signature is stored with its block.
        }
        SignedHeader signed;
        long height;
        try
        {
            signed = SignedHeader.Decode(s.Value);
            height = signed.Height();
        }
        catch (FormatException e)
        {
            _problems.Enqueue($"revision {s.Revision}: {s.PeerId}'s value does not parse: {e.Message}");
            return;
        }
        if (height > _applied)
        {
            if (!_early.TryGetValue(height, out var parked))
            {
                _early[height] = parked = [];
            }
            // Judged when its block is applied: only then is the view at that height known (a change may complete before it).
            parked.Add((s.PeerId, signed, s.Revision));
            return;
        }
        if (!IsMemberSignature(s.PeerId, signed, height, s.Revision))
        {
            return;
        }
        await MatchAsync(s.PeerId, signed, height, ct).ConfigureAwait(false);
        if (_recent.TryGetValue(height, out var state))
        {
            Update(state);
        }
    }

    /// <summary>True when <paramref name="peerId"/> is a member of the view at <paramref name="height"/> and its signature verifies.</summary>
    private bool IsMemberSignature(string peerId, SignedHeader signed, long height, long revision)
    {
        if (ViewAt(height).KeyOf(peerId) is not { } key)
        {
            _problems.Enqueue($"revision {revision}: {peerId} is not a consortium member at height {height}");
            return false;
        }
        if (!LedgerCrypto.Verify(key, signed.HeaderBytes, signed.Signature))
        {
            _problems.Enqueue($"revision {revision}: signature does not verify with {peerId}'s key");
            return false;
        }
        return true;
    }

    /// <summary>A verified member signature at a height this peer has applied: certificate if over our header, evidence if not.</summary>
    private async Task MatchAsync(string peerId, SignedHeader signed, long height, CancellationToken ct)
    {
        if (_excluded.Contains(peerId))
        {
            return;
        }
        var ours = _recent.TryGetValue(height, out var state) ? state.Hash : (await _store.GetHeaderAsync(height, ct).ConfigureAwait(false))?.Hash();
        if (ours is null)
        {
            return;
        }
        if (SHA256.HashData(signed.HeaderBytes).AsSpan().SequenceEqual(ours))
        {
            await _store.AddCertificateSignatureAsync(height, new PeerSignature(peerId, signed.Signature), ct).ConfigureAwait(false);
            if (state is not null)
            {
                state.Signatures[peerId] = signed.Signature;
            }
            return;
        }
        await _store.AddEvidenceAsync(new LedgerEvidence(peerId, height, signed.HeaderBytes, signed.Signature, ours, LedgerTransaction.NowMs()), ct).ConfigureAwait(false);
        _excluded.Add(peerId);
        foreach (var s in _recent.Values)
        {
            if (s.Signatures.Remove(peerId))
            {
                Update(s);
            }
        }
    }

    private void Update(BlockState state)
    {
        var view = ViewAt(state.Header.Height);
        // This peer's own signature counts only where it is a member (a joining peer's is not, until its change took effect).
        var certificate = state.Signatures.Where(s => !_excluded.Contains(s.Key) && view.IsMember(s.Key)).OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => new PeerSignature(s.Key, s.Value)).ToList();
        _collected[state.Header.Height] = certificate;
        if (state.Certified || certificate.Count < view.Threshold)
        {
            return;
        }
        state.Certified = true;
        Interlocked.Add(ref _certifiedTicks, System.Diagnostics.Stopwatch.GetTimestamp() - state.CommittedAt);
        Interlocked.Increment(ref _certifiedBlocks);
        var head = state.Header with { Certificate = certificate };
        foreach (var p in state.Pending)
        {
            var receipt = p.Receipt with { Head = head };
            if (p.Rejection is null)
            {
                p.Waiter.TrySetResult(receipt);
            }
            else
            {
                p.Waiter.TrySetException(new LedgerRejectedException(p.Rejection, receipt));
            }
        }
        state.Pending.Clear();
    }

    private void Fail(BlockState state)
    {
        var view = ViewAt(state.Header.Height);
        var count = state.Signatures.Keys.Count(k => !_excluded.Contains(k) && view.IsMember(k));
        foreach (var p in state.Pending)
        {
            p.Waiter.TrySetException(new LedgerNotCertifiedException(p.Receipt.TransactionId, state.Header.Height, count, view.Threshold));
        }
        state.Pending.Clear();
    }

    private sealed record CommittedBlock(BlockHeader Header, List<PendingReceipt> Receipts);

    private sealed record Expired(long Height);

    private sealed record ViewChange(long FromHeight, ConsortiumView View);

    private sealed class BlockState(BlockHeader header, byte[] hash, List<PendingReceipt> pending)
    {
        public BlockHeader Header { get; } = header;
        public byte[] Hash { get; } = hash;
        public List<PendingReceipt> Pending { get; } = pending;
        public Dictionary<string, byte[]> Signatures { get; } = new(StringComparer.Ordinal);
        public bool Certified { get; set; }
        public long CommittedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();
    }
}

/// <summary>A submitter waiting for its block's certificate, with the receipt (and rejection) it will get.</summary>
internal sealed record PendingReceipt(TaskCompletionSource<LedgerReceipt> Waiter, LedgerReceipt Receipt, LedgerRejection? Rejection);
