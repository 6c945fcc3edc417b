using System.Collections.Concurrent;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Ordering;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger.Etcd;

/// <summary>
/// Consortium ordering on etcd (docs/ledger.md, "Ordering on etcd"). Each peer batches what is
/// submitted to it into an <see cref="OrderingEnvelope"/> signed by its ledger key and writes it
/// create-once (Txn: create_revision == 0) at Prefix/peerId/sha256(value); the total order is etcd's
/// create-revision order. Every peer reads envelopes with linearizable Range requests from the
/// revision stored with its last block (Watch is only a wake-up), so a restart resumes exactly once.
/// </summary>
public sealed class EtcdOrderingService : IOrderingService, ICertificateExchange, ICommitListener
{
    private static readonly StatusCode[] Transient =
        [StatusCode.Unavailable, StatusCode.DeadlineExceeded, StatusCode.Unknown, StatusCode.Internal, StatusCode.Aborted];

    private readonly EtcdOrderingOptions _options;
    private readonly LedgerStore _store;
    private readonly string _peerId;
    private readonly LedgerSigningKey _key;
    private readonly Dictionary<string, byte[]> _peerKeys;
    private readonly int _maxBatch;
    private readonly GrpcChannel[] _channels;
    private readonly Channel<LedgerTransaction> _pending = Channel.CreateUnbounded<LedgerTransaction>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _certificateWake = new(0, 1);
    private readonly ConcurrentQueue<string> _refused = new();
    private readonly Task _writer;
    private readonly Task _cleanUp;
    private readonly Dictionary<string, long> _highWater = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _cleanUpProblems = new();
    // Set once this peer's reader has read its applied revision, i.e. its tables exist; clean-up starts after that.
    private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Whose envelopes count: the configured keys until the committer reports the ledger's view (ICommitListener).
    private IReadOnlyDictionary<string, byte[]> _signers;
    private readonly CommitWatermark _committedRevision = new();
    private long _compacted;
    private int _current;
    private long _lastWrittenRevision;
    private long _lastEnvelopeTime;
    private int _disposed;
    private readonly EtcdCallTimer _envelopeWrites = new();
    private readonly EtcdCallTimer _envelopeReads = new();
    private readonly EtcdCallTimer _certificateWrites = new();
    private readonly EtcdCallTimer _certificateReads = new();
    private long _envelopesWritten;
    private long _envelopeTransactions;
    private long _envelopeBytes;
    private long _envelopesRead;
    private long _signaturesPublished;
    private long _signaturesRead;
    private long _deadlinesMissed;

    /// <param name="peerKeys">
    /// Public ledger keys of the consortium's peers as configured: envelopes from anyone else are refused until the
    /// committer (LedgerPeer, through <see cref="ICommitListener"/>) reports the members the ledger holds in effect.
    /// </param>
    public EtcdOrderingService(EtcdOrderingOptions options, LedgerStore store, string peerId, byte[] peerPrivateKey,
        IReadOnlyDictionary<string, byte[]> peerKeys, int maxBatch = OrderingEnvelope.MaxTransactions)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(peerKeys);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        if (options.Endpoints.Count == 0)
        {
            throw new ArgumentException("At least one etcd endpoint is needed.", nameof(options));
        }
        if (string.IsNullOrEmpty(peerId) || peerId.Length > 64 || peerId.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("PeerId must be a short name without '/'.", nameof(peerId));
        }
        _options = options;
        _store = store;
        _peerId = peerId;
        _key = new LedgerSigningKey(peerPrivateKey);
        _peerKeys = new Dictionary<string, byte[]>(peerKeys, StringComparer.Ordinal) { [peerId] = _key.PublicKey };
        _signers = _peerKeys;
        _maxBatch = Math.Min(maxBatch, OrderingEnvelope.MaxTransactions);
        _channels = [.. options.Endpoints.Select(e => OpenChannel(e, options))];
        _writer = Task.Run(WriteEnvelopesAsync);
        _cleanUp = options.CleanUpInterval > TimeSpan.Zero ? Task.Run(CleanUpLoopAsync) : Task.CompletedTask;
    }

    /// <summary>Clean-up rounds that failed (etcd unreachable, permission denied…), oldest first; clean-up retries next round.</summary>
    public IReadOnlyCollection<string> CleanUpProblems => _cleanUpProblems;

    /// <summary>The revision this peer last compacted etcd to (0 before the first compaction).</summary>
    public long CompactedRevision => Interlocked.Read(ref _compacted);

    /// <summary>Why envelopes were refused (unknown peer, bad signature, wrong prefix, rewritten key), oldest first.</summary>
    public IReadOnlyCollection<string> RefusedEnvelopes => _refused;

    private string OwnPrefix => _options.Prefix + _peerId + "/";

    /// <summary>This service's etcd round trips so far, by path (envelopes, certificates; writes, reads), and envelope sizes.</summary>
    public EtcdTraffic Traffic => new(
        _envelopeWrites.Read(), Interlocked.Read(ref _envelopesWritten), Interlocked.Read(ref _envelopeTransactions), Interlocked.Read(ref _envelopeBytes),
        _envelopeReads.Read(), Interlocked.Read(ref _envelopesRead),
        _certificateWrites.Read(), Interlocked.Read(ref _signaturesPublished),
        _certificateReads.Read(), Interlocked.Read(ref _signaturesRead));

    /// <summary>Call attempts that missed their deadline and were retried (on the next member, with a longer deadline).</summary>
    public long DeadlinesMissed => Interlocked.Read(ref _deadlinesMissed);

    public ValueTask EnqueueAsync(LedgerTransaction transaction, CancellationToken ct) => _pending.Writer.WriteAsync(transaction, ct);

    public void Complete() => _pending.Writer.TryComplete();

    // ---------------- writing: this peer's envelopes ----------------

    private async Task WriteEnvelopesAsync()
    {
        var reader = _pending.Reader;
        var ct = _stopping.Token;
        var started = false;
        while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            if (!started)
            {
                // Envelope times strictly increase per proposer (readers drop an envelope at or below the proposer's
                // high-water as a repeat), so start above both what was applied and what this peer last wrote.
                // Read at the first submission: the peer has created its tables by then.
                _lastEnvelopeTime = Math.Max(await _store.GetProposerHighWaterAsync(_peerId, ct).ConfigureAwait(false),
                    await LastOwnEnvelopeTimeAsync(ct).ConfigureAwait(false));
                started = true;
            }
            // Take what is queued now (no lingering, as the embedded orderer): under load the next
            // envelope fills while this one is being written.
            var batch = new List<LedgerTransaction>();
            var size = OrderingEnvelope.FramingBytes + Encoding.UTF8.GetByteCount(_peerId);
            while (batch.Count < _maxBatch && reader.TryPeek(out var next))
            {
                var add = OrderingEnvelope.SizeOf(next);
                if (batch.Count > 0 && size + add >= OrderingEnvelope.MaxBytes)
                {
                    break;
                }
                reader.TryRead(out _);
                batch.Add(next);
                size += add;
            }
            if (batch.Count == 0)
            {
                continue;
            }
            var time = Math.Max(LedgerTransaction.NowMs(), _lastEnvelopeTime + 1);
            _lastEnvelopeTime = time;
            OrderingEnvelope envelope;
            try
            {
                envelope = OrderingEnvelope.Create(_peerId, time, batch, _key);
            }
            catch (ArgumentException)
            {
                continue; // One transaction larger than an envelope: LedgerTransaction limits make this unreachable.
            }
            var encoded = envelope.Encode();
            await WriteOnceAsync(encoded, ct).ConfigureAwait(false);
            Interlocked.Increment(ref _envelopesWritten);
            Interlocked.Add(ref _envelopeTransactions, batch.Count);
            Interlocked.Add(ref _envelopeBytes, encoded.Length);
        }
    }

    private async Task<long> LastOwnEnvelopeTimeAsync(CancellationToken ct)
    {
        var request = new RangeRequest
        {
            Key = ByteString.CopyFromUtf8(OwnPrefix),
            RangeEnd = ByteString.CopyFromUtf8(PrefixEnd(OwnPrefix)),
            SortTarget = RangeRequest.Types.SortTarget.Create,
            SortOrder = RangeRequest.Types.SortOrder.Descend,
            Limit = 1,
        };
        var response = await CallAsync((kv, o) => kv.RangeAsync(request, o).ResponseAsync, ct).ConfigureAwait(false);
        try
        {
            return response.Kvs.Count > 0 ? OrderingEnvelope.Decode(response.Kvs[0].Value.Span).TimeMs : 0;
        }
        catch (FormatException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Create-once at a content-addressed key: a retry after a lost reply finds the key present and
    /// writes nothing, so an envelope is in the order at most once however often it is retried.
    /// </summary>
    internal async Task<long> WriteOnceAsync(byte[] value, CancellationToken ct, string? keyPrefix = null)
    {
        var key = ByteString.CopyFromUtf8((keyPrefix ?? OwnPrefix) + Convert.ToHexStringLower(SHA256.HashData(value)));
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFrom(value) } });
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var response = await CallAsync((kv, o) => kv.TxnAsync(txn, o).ResponseAsync, ct).ConfigureAwait(false);
        _envelopeWrites.Add(started);
        long revision;
        if (response.Succeeded)
        {
            revision = response.Header.Revision;
        }
        else
        {
            var existing = await CallAsync((kv, o) => kv.RangeAsync(new RangeRequest { Key = key }, o).ResponseAsync, ct).ConfigureAwait(false);
            revision = existing.Kvs.Count > 0 ? existing.Kvs[0].CreateRevision : response.Header.Revision;
        }
        InterlockedMax(ref _lastWrittenRevision, revision);
        Wake();
        return revision;
    }

    // ---------------- reading: everyone's envelopes in revision order ----------------

    public async IAsyncEnumerable<OrderedBatch> ReadBatchesAsync([EnumeratorCancellation] CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping.Token);
        var token = linked.Token;
        var applied = await _store.GetOrderingRevisionAsync(token).ConfigureAwait(false);
        _reading.TrySetResult();
        _highWater.Clear();
        var signers = Volatile.Read(ref _signers);
        await LoadHighWaterAsync(signers, token).ConfigureAwait(false);
        var watch = Task.Run(() => WatchForWakeUpsAsync(_options.Prefix, _wake, token), CancellationToken.None);
        try
        {
            var end = ByteString.CopyFromUtf8(PrefixEnd(_options.Prefix));
            var prefix = ByteString.CopyFromUtf8(_options.Prefix);
            while (true)
            {
                token.ThrowIfCancellationRequested();
                if (StoppedAndCaughtUp(applied))
                {
                    yield break;
                }
                var request = new RangeRequest
                {
                    Key = prefix,
                    RangeEnd = end,
                    MinCreateRevision = applied + 1,
                    SortTarget = RangeRequest.Types.SortTarget.Create,
                    SortOrder = RangeRequest.Types.SortOrder.Ascend,
                    Limit = _options.ReadLimit,
                    Serializable = false, // linearizable: never an older view than an acknowledged write
                };
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var response = await CallAsync((kv, o) => kv.RangeAsync(request, o).ResponseAsync, token).ConfigureAwait(false);
                _envelopeReads.Add(started);
                Interlocked.Add(ref _envelopesRead, response.Kvs.Count);
                foreach (var kv in response.Kvs)
                {
                    var envelope = Accept(kv, signers);
                    applied = kv.CreateRevision;
                    if (envelope is not null)
                    {
                        yield return new OrderedBatch(envelope.Transactions, false, new OrderingPosition(kv.CreateRevision, envelope.PeerId, envelope.TimeMs));
                        // Membership may change in this envelope's block: the next envelope is judged by the view in effect
                        // after it, as on every other peer, so wait until the committer has committed it and reported that view.
                        if (envelope.Transactions.Any(t => t.Type is ConsortiumGenesisContract.TypeName or ConsortiumAddPeerContract.TypeName))
                        {
                            await _committedRevision.WaitAsync(kv.CreateRevision, token).ConfigureAwait(false);
                            signers = Volatile.Read(ref _signers);
                            await LoadHighWaterAsync(signers, token).ConfigureAwait(false);
                        }
                    }
                    // Resumed only after the block committed: stop here if that was this peer's last
                    // envelope, even if the others keep writing (what follows is read after a restart).
                    if (StoppedAndCaughtUp(applied))
                    {
                        yield break;
                    }
                }
                if (response.Kvs.Count > 0)
                {
                    continue;
                }
                if (_writer.IsFaulted)
                {
                    // This peer can no longer order (e.g. etcd refused its writes): fail, don't hang submitters.
                    throw new InvalidOperationException("Writing envelopes to etcd failed.", _writer.Exception?.GetBaseException());
                }
                await _wake.WaitAsync(_options.PollInterval, token).ConfigureAwait(false);
            }
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// After <see cref="Complete"/>: every envelope this peer wrote (everything it acknowledged) has been
    /// read. Envelopes of the other peers do not hold the stop; they are read after a restart.
    /// </summary>
    private bool StoppedAndCaughtUp(long applied) =>
        _pending.Reader.Completion.IsCompleted && _writer.IsCompletedSuccessfully && applied >= Volatile.Read(ref _lastWrittenRevision);

    /// <summary>Reported by the committer (LedgerPeer) at start and after each COMMIT: the members whose envelopes count next.</summary>
    public void Committed(long height, long revision, IReadOnlyDictionary<string, byte[]> signers)
    {
        ArgumentNullException.ThrowIfNull(signers);
        Volatile.Write(ref _signers, new Dictionary<string, byte[]>(signers, StringComparer.Ordinal));
        _committedRevision.Advance(revision);
    }

    /// <summary>The stored time high-water of each member not tracked yet (a member added since the reader started).</summary>
    private async Task LoadHighWaterAsync(IReadOnlyDictionary<string, byte[]> signers, CancellationToken ct)
    {
        foreach (var peer in signers.Keys)
        {
            if (!_highWater.ContainsKey(peer))
            {
                _highWater[peer] = await _store.GetProposerHighWaterAsync(peer, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The envelope if it may be applied; null (and a recorded reason) if it must be ignored. Deterministic, so every
    /// honest peer ignores the same ones: <paramref name="signers"/> are the members in effect after the previous
    /// applied envelope's block — an envelope written by a peer before the change that admits it completed is ignored
    /// by everyone.
    /// </summary>
    private OrderingEnvelope? Accept(Mvccpb.KeyValue kv, IReadOnlyDictionary<string, byte[]> signers)
    {
        var key = kv.Key.ToStringUtf8();
        var rest = key[_options.Prefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var keyPeer = slash > 0 ? rest[..slash] : "";
        if (kv.Version != 1)
        {
            return Refuse(kv, "was rewritten after it was created");
        }
        OrderingEnvelope envelope;
        try
        {
            envelope = OrderingEnvelope.Decode(kv.Value.Span);
        }
        catch (FormatException e)
        {
            return Refuse(kv, "does not parse: " + e.Message);
        }
        if (!string.Equals(envelope.PeerId, keyPeer, StringComparison.Ordinal))
        {
            return Refuse(kv, $"names peer {envelope.PeerId} but sits under {keyPeer}'s prefix");
        }
        if (!signers.TryGetValue(envelope.PeerId, out var peerKey))
        {
            return Refuse(kv, $"comes from {envelope.PeerId}, not a member of the consortium in effect");
        }
        if (!envelope.VerifySignature(peerKey))
        {
            return Refuse(kv, $"signature does not verify with {envelope.PeerId}'s key");
        }
        // Create-once stops a retried write only while the key exists; after clean-up deleted it, the same bytes
        // can be written again. The proposer's time high-water (stored with each block) catches that repeat.
        if (envelope.TimeMs <= _highWater.GetValueOrDefault(envelope.PeerId))
        {
            return Refuse(kv, $"repeats an envelope already applied (time {envelope.TimeMs} is not after {envelope.PeerId}'s last)");
        }
        _highWater[envelope.PeerId] = envelope.TimeMs;
        return envelope;
    }

    private OrderingEnvelope? Refuse(Mvccpb.KeyValue kv, string reason)
    {
        _refused.Enqueue($"revision {kv.CreateRevision} ({kv.Key.ToStringUtf8()}): {reason}");
        return null;
    }

    /// <summary>Watch only wakes the reader early; reads never depend on what a watch delivers.</summary>
    private async Task WatchForWakeUpsAsync(string watchedPrefix, SemaphoreSlim wake, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var client = new Watch.WatchClient(_channels[Volatile.Read(ref _current) % _channels.Length]);
                using var call = client.Watch(cancellationToken: ct);
                await call.RequestStream.WriteAsync(new WatchRequest
                {
                    CreateRequest = new WatchCreateRequest
                    {
                        Key = ByteString.CopyFromUtf8(watchedPrefix),
                        RangeEnd = ByteString.CopyFromUtf8(PrefixEnd(watchedPrefix)),
                    },
                }, ct).ConfigureAwait(false);
                while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
                {
                    if (call.ResponseStream.Current.Events.Count > 0)
                    {
                        Wake(wake);
                    }
                }
            }
            catch (RpcException) when (!ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref _current);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (RpcException)
            {
                return;
            }
            await Task.Delay(200, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void Wake() => Wake(_wake);

    private static void Wake(SemaphoreSlim wake)
    {
        try
        {
            if (wake.CurrentCount == 0)
            {
                wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    // ---------------- clean-up: applied revisions, deleting envelopes, compaction ----------------

    /// <summary>
    /// Every <see cref="EtcdOrderingOptions.CleanUpInterval"/>: publish this peer's applied revision (from its store),
    /// then, if EVERY consortium member has published one, take the lowest: delete this peer's own envelopes at or
    /// below it (RBAC lets a peer delete only its own) and compact etcd to it. A member that never published, or
    /// that is stopped, holds everything above its revision: compaction never passes a member.
    /// </summary>
    private async Task CleanUpLoopAsync()
    {
        var ct = _stopping.Token;
        try
        {
            // The first round reads the peer's tables: wait until its reader has (the peer created them before it reads).
            await _reading.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.CleanUpInterval, ct).ConfigureAwait(false);
                await CleanUpOnceAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or System.Data.Common.DbException or InvalidOperationException)
            {
                _cleanUpProblems.Enqueue(e.Message);
            }
        }
    }

    internal async Task CleanUpOnceAsync(CancellationToken ct)
    {
        var applied = await _store.GetOrderingRevisionAsync(ct).ConfigureAwait(false);
        var own = ByteString.CopyFromUtf8(_options.AppliedPrefix + _peerId);
        var value = ByteString.CopyFromUtf8(applied.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await CallAsync((kv, o) => kv.PutAsync(new PutRequest { Key = own, Value = value }, o).ResponseAsync, ct).ConfigureAwait(false);
        if (await LowestAppliedAsync(ct).ConfigureAwait(false) is not { } lowest || lowest <= 0)
        {
            return;
        }
        // This peer's own envelopes every member has applied.
        while (true)
        {
            var old = new RangeRequest
            {
                Key = ByteString.CopyFromUtf8(OwnPrefix),
                RangeEnd = ByteString.CopyFromUtf8(PrefixEnd(OwnPrefix)),
                MaxCreateRevision = lowest,
                KeysOnly = true,
                Limit = 256,
            };
            var found = await CallAsync((kv, o) => kv.RangeAsync(old, o).ResponseAsync, ct).ConfigureAwait(false);
            if (found.Kvs.Count == 0)
            {
                break;
            }
            var txn = new TxnRequest();
            foreach (var k in found.Kvs)
            {
                txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = k.Key } });
            }
            await CallAsync((kv, o) => kv.TxnAsync(txn, o).ResponseAsync, ct).ConfigureAwait(false);
        }
        if (lowest > Interlocked.Read(ref _compacted))
        {
            try
            {
                await CallAsync((kv, o) => kv.CompactAsync(new CompactionRequest { Revision = lowest }, o).ResponseAsync, ct).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.OutOfRange)
            {
                // Another member already compacted to or past it.
            }
            InterlockedMax(ref _compacted, lowest);
        }
    }

    /// <summary>The lowest applied revision over all consortium members; null while any member has not published one.</summary>
    internal async Task<long?> LowestAppliedAsync(CancellationToken ct)
    {
        var prefix = _options.AppliedPrefix;
        var request = new RangeRequest { Key = ByteString.CopyFromUtf8(prefix), RangeEnd = ByteString.CopyFromUtf8(PrefixEnd(prefix)) };
        var response = await CallAsync((kv, o) => kv.RangeAsync(request, o).ResponseAsync, ct).ConfigureAwait(false);
        var published = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var kv in response.Kvs)
        {
            if (long.TryParse(kv.Value.ToStringUtf8(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var r))
            {
                published[kv.Key.ToStringUtf8()[prefix.Length..]] = r;
            }
        }
        long? lowest = null;
        foreach (var member in Volatile.Read(ref _signers).Keys)
        {
            if (!published.TryGetValue(member, out var r))
            {
                return null;
            }
            lowest = Math.Min(lowest ?? long.MaxValue, r);
        }
        return lowest;
    }

    /// <summary>Keys and create revisions under a peer's envelope prefix (tests: what clean-up left).</summary>
    internal async Task<List<long>> EnvelopeRevisionsAsync(string peerId, CancellationToken ct)
    {
        var prefix = _options.Prefix + peerId + "/";
        var request = new RangeRequest { Key = ByteString.CopyFromUtf8(prefix), RangeEnd = ByteString.CopyFromUtf8(PrefixEnd(prefix)), KeysOnly = true };
        var response = await CallAsync((kv, o) => kv.RangeAsync(request, o).ResponseAsync, ct).ConfigureAwait(false);
        return [.. response.Kvs.Select(k => k.CreateRevision).Order()];
    }

    // ---------------- commit certificates: each member's block signatures ----------------

    private string OwnCertificatePrefix => _options.CertificatePrefix + _peerId + "/";

    /// <summary>Create-once at CertificatePrefix/peerId/height (20 digits): one signature per member and height, never rewritten.</summary>
    public Task PublishAsync(long height, byte[] value, CancellationToken ct) => PublishAsync([(height, value)], ct);

    /// <summary>
    /// Several heights in one etcd Txn: each key is its own nested Txn (compare create_revision == 0, then put), so
    /// every key stays create-once on its own — a height already published keeps its first value while the others
    /// in the group are still written. Groups larger than <see cref="MaxSignaturesPerTxn"/> take several Txns.
    /// </summary>
    public async Task PublishAsync(IReadOnlyList<(long Height, byte[] Value)> signatures, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        for (var from = 0; from < signatures.Count; from += MaxSignaturesPerTxn)
        {
            var txn = new TxnRequest();
            foreach (var (height, value) in signatures.Skip(from).Take(MaxSignaturesPerTxn))
            {
                ArgumentNullException.ThrowIfNull(value);
                var key = ByteString.CopyFromUtf8(OwnCertificatePrefix + height.ToString("D20", System.Globalization.CultureInfo.InvariantCulture));
                var once = new TxnRequest();
                once.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
                once.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFrom(value) } });
                txn.Success.Add(new RequestOp { RequestTxn = once });
            }
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await CallAsync((kv, o) => kv.TxnAsync(txn, o).ResponseAsync, ct).ConfigureAwait(false);
            _certificateWrites.Add(started);
            Interlocked.Add(ref _signaturesPublished, txn.Success.Count);
        }
        Wake(_certificateWake);
    }

    /// <summary>
    /// Nested Txns per outer Txn: etcd refuses a Txn with more than --max-txn-ops (default 128) operations, and a
    /// group of 64 signed headers (~0.3 kB each) stays far below --max-request-bytes.
    /// </summary>
    internal const int MaxSignaturesPerTxn = 64;

    public async Task<long> LastPublishedHeightAsync(CancellationToken ct)
    {
        var request = new RangeRequest
        {
            Key = ByteString.CopyFromUtf8(OwnCertificatePrefix),
            RangeEnd = ByteString.CopyFromUtf8(PrefixEnd(OwnCertificatePrefix)),
            SortTarget = RangeRequest.Types.SortTarget.Key,
            SortOrder = RangeRequest.Types.SortOrder.Descend,
            Limit = 1,
            KeysOnly = true,
        };
        var response = await CallAsync((kv, o) => kv.RangeAsync(request, o).ResponseAsync, ct).ConfigureAwait(false);
        return response.Kvs.Count > 0 && long.TryParse(response.Kvs[0].Key.ToStringUtf8()[OwnCertificatePrefix.Length..], System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var height) ? height : 0;
    }

    /// <summary>Linearizable Range reads in create-revision order from <paramref name="afterRevision"/>; Watch only wakes the reader early.</summary>
    public async IAsyncEnumerable<PublishedSignature> ReadSignaturesAsync(long afterRevision, [EnumeratorCancellation] CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping.Token);
        var token = linked.Token;
        var watch = Task.Run(() => WatchForWakeUpsAsync(_options.CertificatePrefix, _certificateWake, token), CancellationToken.None);
        try
        {
            var prefix = _options.CertificatePrefix;
            var from = afterRevision;
            while (true)
            {
                token.ThrowIfCancellationRequested();
                var request = new RangeRequest
                {
                    Key = ByteString.CopyFromUtf8(prefix),
                    RangeEnd = ByteString.CopyFromUtf8(PrefixEnd(prefix)),
                    MinCreateRevision = from + 1,
                    SortTarget = RangeRequest.Types.SortTarget.Create,
                    SortOrder = RangeRequest.Types.SortOrder.Ascend,
                    Limit = 256,
                    Serializable = false,
                };
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var response = await CallAsync((kv, o) => kv.RangeAsync(request, o).ResponseAsync, token).ConfigureAwait(false);
                _certificateReads.Add(started);
                Interlocked.Add(ref _signaturesRead, response.Kvs.Count);
                // A group's signatures share one revision (one Txn). A read cut by the limit may end inside a group, and
                // the next read starts after `from`: leave that last revision whole for the next read. A revision holds
                // at most MaxSignaturesPerTxn (< Limit) keys, so every read still moves on.
                var kvs = response.More && response.Kvs[^1].CreateRevision > response.Kvs[0].CreateRevision
                    ? response.Kvs.Where(kv => kv.CreateRevision < response.Kvs[^1].CreateRevision).ToList()
                    : [.. response.Kvs];
                foreach (var kv in kvs)
                {
                    from = kv.CreateRevision;
                    var rest = kv.Key.ToStringUtf8()[prefix.Length..];
                    var slash = rest.IndexOf('/', StringComparison.Ordinal);
                    // A rewritten key is not a create-once signature; RBAC makes it impossible for anyone but root.
                    if (slash > 0 && kv.Version == 1)
                    {
                        yield return new PublishedSignature(rest[..slash], kv.Value.ToByteArray(), kv.CreateRevision);
                    }
                }
                if (response.Kvs.Count == 0)
                {
                    await _certificateWake.WaitAsync(_options.PollInterval, token).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    // ---------------- calls with member failover ----------------

    /// <summary>
    /// Runs a call on the current member; on a transient failure (member down, leader change,
    /// timeout) moves to the next and retries until <paramref name="ct"/> ends. Refusals
    /// (permission denied, invalid request) are thrown at once. Every call here is idempotent
    /// (create-once writes, reads, puts of a peer's own applied revision), so a retry after a
    /// deadline is safe even if the first attempt did commit.
    /// </summary>
    private async Task<T> CallAsync<T>(Func<KV.KVClient, CallOptions, Task<T>> call, CancellationToken ct)
    {
        var delay = 50;
        var timeout = _options.CallTimeout;
        while (true)
        {
            var index = Volatile.Read(ref _current);
            var channel = _channels[index % _channels.Length];
            try
            {
                return await call(new KV.KVClient(channel), new CallOptions(deadline: DateTime.UtcNow + timeout, cancellationToken: ct)).ConfigureAwait(false);
            }
            catch (RpcException e) when (Array.IndexOf(Transient, e.StatusCode) >= 0 && !ct.IsCancellationRequested)
            {
                if (MissedDeadline(e))
                {
                    Interlocked.Increment(ref _deadlinesMissed);
                    timeout = NextTimeout(timeout, _options.MaxCallTimeout);
                }
                Interlocked.CompareExchange(ref _current, index + 1, index);
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 1000);
            }
        }
    }

    /// <summary>
    /// Whether an attempt failed because its deadline ran out. etcd passes the client's deadline to the raft proposal and,
    /// when the proposal is not applied in time, answers Unavailable "etcdserver: request timed out" (with or without a
    /// ", possibly due to …" suffix) before the client's own DeadlineExceeded fires: counted as a miss too, or a proposal
    /// slower than the first deadline would be retried at that deadline for ever.
    /// </summary>
    internal static bool MissedDeadline(RpcException e) =>
        e.StatusCode == StatusCode.DeadlineExceeded
        || (e.StatusCode == StatusCode.Unavailable && e.Status.Detail.StartsWith("etcdserver: request timed out", StringComparison.Ordinal));

    /// <summary>The deadline after one that was missed: doubled, never above <paramref name="max"/> (nor below the one missed).</summary>
    internal static TimeSpan NextTimeout(TimeSpan missed, TimeSpan max) =>
        missed >= max ? missed : TimeSpan.FromTicks(Math.Min(missed.Ticks * 2, max.Ticks));

    private static GrpcChannel OpenChannel(string endpoint, EtcdOrderingOptions options)
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(options.CaFile));
        using var pemClient = X509Certificate2.CreateFromPemFile(options.CertFile, options.KeyFile);
        // Re-import through PKCS#12 so the private key is usable by the TLS stack on every platform.
        var client = X509CertificateLoader.LoadPkcs12(pemClient.Export(X509ContentType.Pkcs12), null);
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [client],
                RemoteCertificateValidationCallback = TrustOnly(ca),
            },
        };
        return GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 128 * 1024 * 1024,
            MaxSendMessageSize = 2 * 1024 * 1024,
        });
    }

    /// <summary>etcd's range end for a prefix: the prefix with its last byte incremented.</summary>
    private static string PrefixEnd(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Complete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _cleanUp.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var c in _channels)
        {
            c.Dispose();
        }
        _stopping.Dispose();
        _wake.Dispose();
        _certificateWake.Dispose();
        _key.Dispose();
    }

    /// <summary>A TLS check that trusts only the consortium's CA, never the machine's roots (members' and clients' certificates come from the set-up script).</summary>
    public static RemoteCertificateValidationCallback TrustOnly(X509Certificate2 ca) =>
        (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            {
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf);
        };
}
