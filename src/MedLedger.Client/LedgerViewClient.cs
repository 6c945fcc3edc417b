using System.Security.Cryptography;
using System.Text.Json;
using MedLedger.Ledger;

namespace MedLedger.Client;

// The client's own view of the ledger (web/src/sdk/ledgerView.ts is the browser's): the pinned peer key and the
// newest signed head this client verified. Every newer or older head must be proven consistent with it (RFC 6962)
// before it is accepted, so a server that shows this client two histories is caught (docs/ledger.md "Client view").

/// <summary>What a client trusts about the ledger: the consortium (or one peer key), pinned, not fetched, and where its view is remembered.</summary>
public sealed record LedgerTrustOptions
{
    /// <summary>
    /// The consortium whose k-of-n member signatures certify a head. Null: <see cref="Peer"/> as a consortium of one, or,
    /// without either, trust on first use of <c>/api/ledger/consortium</c>.
    /// </summary>
    public ConsortiumView? Consortium { get; init; }

    /// <summary>One peer key to trust (the consortium of one), used when <see cref="Consortium"/> is null.</summary>
    public PeerInfo? Peer { get; init; }

    /// <summary>Where the newest verified head is remembered; in memory (this client's lifetime) unless given.</summary>
    public ILedgerViewStore? ViewStore { get; init; }
}

/// <summary>The newest certified head a client verified for one consortium, and the conflicting head once a fork was seen.</summary>
public sealed record LedgerView(BlockHeader Head, BlockHeader? ForkedHead, string? ForkReason);

/// <summary>Remembers a client's ledger view, per consortium fingerprint (<see cref="ConsortiumView.Fingerprint"/>).</summary>
public interface ILedgerViewStore
{
    Task<LedgerView?> LoadAsync(string fingerprint, CancellationToken ct);

    Task SaveAsync(string fingerprint, LedgerView view, CancellationToken ct);

    /// <summary>The membership changes this client accepted since the pinned genesis (keyed by its fingerprint), oldest first; empty before any.</summary>
    Task<IReadOnlyList<ConsortiumChangeInfo>> LoadChangesAsync(string genesisFingerprint, CancellationToken ct);

    Task SaveChangesAsync(string genesisFingerprint, IReadOnlyList<ConsortiumChangeInfo> changes, CancellationToken ct);
}

/// <summary>The default store: the view lives as long as the client object.</summary>
public sealed class InMemoryLedgerViewStore : ILedgerViewStore
{
    private readonly Dictionary<string, LedgerView> _views = [];
    private readonly Dictionary<string, IReadOnlyList<ConsortiumChangeInfo>> _changes = [];

    public Task<LedgerView?> LoadAsync(string peerFingerprint, CancellationToken ct)
    {
        lock (_views)
        {
            return Task.FromResult(_views.GetValueOrDefault(peerFingerprint));
        }
    }

    public Task SaveAsync(string peerFingerprint, LedgerView view, CancellationToken ct)
    {
        lock (_views)
        {
            _views[peerFingerprint] = view;
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ConsortiumChangeInfo>> LoadChangesAsync(string genesisFingerprint, CancellationToken ct)
    {
        lock (_views)
        {
            return Task.FromResult(_changes.GetValueOrDefault(genesisFingerprint) ?? []);
        }
    }

    public Task SaveChangesAsync(string genesisFingerprint, IReadOnlyList<ConsortiumChangeInfo> changes, CancellationToken ct)
    {
        lock (_views)
        {
            _changes[genesisFingerprint] = changes.ToList();
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// The view in a folder (the CLI's session folder): one JSON file per consortium, replaced atomically, so a restarted
/// process still remembers what it verified, and beside it the membership changes it accepted (ledger-consortium-*.json,
/// the approval receipts). Heads and changes are re-checked against the pinned genesis when loaded.
/// </summary>
public sealed class FileLedgerViewStore(string directory) : ILedgerViewStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private string PathOf(string peerFingerprint) => Path.Combine(directory, $"ledger-view-{peerFingerprint}.json");

    public async Task<LedgerView?> LoadAsync(string peerFingerprint, CancellationToken ct)
    {
        var path = PathOf(peerFingerprint);
        if (!File.Exists(path))
        {
            return null;
        }
        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<LedgerView>(stream, Json, ct);
    }

    public async Task SaveAsync(string peerFingerprint, LedgerView view, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var path = PathOf(peerFingerprint);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(view, Json), ct);
        File.Move(temp, path, overwrite: true);
    }

    private string ChangesPath(string genesisFingerprint) => Path.Combine(directory, $"ledger-consortium-{genesisFingerprint}.json");

    public async Task<IReadOnlyList<ConsortiumChangeInfo>> LoadChangesAsync(string genesisFingerprint, CancellationToken ct)
    {
        var path = ChangesPath(genesisFingerprint);
        if (!File.Exists(path))
        {
            return [];
        }
        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<List<ConsortiumChangeInfo>>(stream, Json, ct) ?? [];
    }

    public async Task SaveChangesAsync(string genesisFingerprint, IReadOnlyList<ConsortiumChangeInfo> changes, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var path = ChangesPath(genesisFingerprint);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(changes, Json), ct);
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>
/// The server showed this client a head that is not consistent with one it verified before (two roots at one size or
/// height, or a history that does not extend the remembered one): both are signed by the peer, so this is a fork.
/// </summary>
public sealed class LedgerForkException : Exception
{
    public LedgerForkException() { }
    public LedgerForkException(string message) : base(message) { }
    public LedgerForkException(string message, Exception inner) : base(message, inner) { }

    public LedgerForkException(BlockHeader remembered, BlockHeader presented, string reason)
        : base($"LEDGER FORK: {reason}. Remembered head: {Describe(remembered)}. Presented head: {Describe(presented)}. This server is no longer trusted.")
    {
        Remembered = remembered;
        Presented = presented;
        Reason = reason;
    }

    public BlockHeader? Remembered { get; }

    public BlockHeader? Presented { get; }

    public string? Reason { get; }

    public static string Describe(BlockHeader h) =>
        $"size {h.TreeSize}, root {Convert.ToHexStringLower(h.RootHash)}, block {h.Height}";
}

/// <summary>The server presents a peer key other than the pinned one.</summary>
public sealed class PeerKeyChangedException : Exception
{
    public PeerKeyChangedException() { }
    public PeerKeyChangedException(string message) : base(message) { }
    public PeerKeyChangedException(string message, Exception inner) : base(message, inner) { }

    public PeerKeyChangedException(string pinnedFingerprint, string presentedFingerprint)
        : base($"PEER KEY CHANGED: pinned {pinnedFingerprint}, server presents {presentedFingerprint}. Refusing this server; re-pin only if the operator announced a new key.")
    {
        PinnedFingerprint = pinnedFingerprint;
        PresentedFingerprint = presentedFingerprint;
    }

    public string? PinnedFingerprint { get; }

    public string? PresentedFingerprint { get; }
}

/// <summary>
/// The server presents another consortium (members, keys or threshold) than the pinned one, or than the one the pinned
/// genesis reaches by verified membership changes, or a membership change that does not verify (<see cref="Reason"/>).
/// </summary>
public sealed class ConsortiumChangedException : Exception
{
    public ConsortiumChangedException() { }
    public ConsortiumChangedException(string message) : base(message) { }
    public ConsortiumChangedException(string message, Exception inner) : base(message, inner) { }

    public ConsortiumChangedException(string pinnedFingerprint, string presentedFingerprint)
        : base($"CONSORTIUM CHANGED: pinned {pinnedFingerprint}, server presents {presentedFingerprint}. Refusing this server; re-pin only if the consortium announced a change.")
    {
        PinnedFingerprint = pinnedFingerprint;
        PresentedFingerprint = presentedFingerprint;
    }

    /// <param name="pinnedFingerprint">The view this client holds (the pin, or the newest one it reached from the pin).</param>
    /// <param name="presentedFingerprint">The view the server presents (or the one a refused change would make).</param>
    /// <param name="reason">What failed.</param>
    public ConsortiumChangedException(string pinnedFingerprint, string presentedFingerprint, string reason)
        : base($"CONSORTIUM CHANGED: pinned {pinnedFingerprint}, server presents {presentedFingerprint}: {reason}. Refusing this server.")
    {
        PinnedFingerprint = pinnedFingerprint;
        PresentedFingerprint = presentedFingerprint;
        Reason = reason;
    }

    public string? PinnedFingerprint { get; }

    public string? PresentedFingerprint { get; }

    /// <summary>Why a presented change or view was refused (null for a plain mismatch with the pin).</summary>
    public string? Reason { get; }
}

/// <summary>One consortium view as the server presents it (<c>ConsortiumViewInfo</c>).</summary>
public sealed record ConsortiumViewInfo(int Threshold, string Fingerprint, IReadOnlyList<PeerInfo> Members)
{
    /// <summary>The view these members and threshold make (fingerprint recomputed); throws <see cref="MedLedgerVerificationException"/> for an invalid one.</summary>
    public ConsortiumView ToView() => new ConsortiumInfo(Threshold, Fingerprint, Members).ToView();
}

/// <summary>
/// A membership change as the server presents it: the new view's first certified height and fingerprint (both only the
/// server's labels, checked against what the approvals prove) and the receipts of the approvals that completed it.
/// </summary>
public sealed record ConsortiumChangeInfo(long FromHeight, string Fingerprint, IReadOnlyList<LedgerReceipt> Approvals);

/// <summary>The <c>/api/ledger/consortium</c> answer: what the server claims; a client builds its own <see cref="ConsortiumView"/> from it.</summary>
/// <remarks>
/// Threshold, Fingerprint and Members are the view in effect now; Genesis the one the ledger pinned (null on a ledger
/// without consortium.genesis: the current view is then the genesis); Changes every membership change since, oldest first.
/// </remarks>
public sealed record ConsortiumInfo(int Threshold, string Fingerprint, IReadOnlyList<PeerInfo> Members,
    ConsortiumViewInfo? Genesis = null, IReadOnlyList<ConsortiumChangeInfo>? Changes = null)
{
    /// <summary>The view a client pins on first use: the ledger's genesis, or the current view on a ledger without one.</summary>
    public ConsortiumView GenesisView() => Genesis is { } g ? g.ToView() : ToView();

    /// <summary>The view these members and threshold make (the fingerprint is recomputed, never taken from the server); throws <see cref="MedLedgerVerificationException"/> for an invalid one.</summary>
    public ConsortiumView ToView()
    {
        try
        {
            return new ConsortiumView((Members ?? []).Select(m => new ConsortiumMember(m.PeerId, m.PublicKey)), Threshold);
        }
        catch (ArgumentException e)
        {
            throw new MedLedgerVerificationException("The server presents an invalid consortium: " + e.Message);
        }
    }

    public static ConsortiumInfo Of(ConsortiumView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new(view.Threshold, view.Fingerprint, view.Members.Select(m => new PeerInfo(m.PeerId, m.PublicKey)).ToList());
    }
}

public sealed partial class MedLedgerClient
{
    private ILedgerViewStore _viewStore = new InMemoryLedgerViewStore();
    private readonly SemaphoreSlim _viewLock = new(1, 1);
    private LedgerForkException? _fork;
    private long _viewTreeSize;
    private readonly SemaphoreSlim _historyLock = new(1, 1);
    private ConsortiumHistory? _history;
    private List<ConsortiumChangeInfo> _changes = [];

    /// <summary>
    /// Tree size of the head this client last remembered (0 before the first): sent as <c>Ledger-View-Size</c> so the
    /// record endpoints can include the consistency proofs the client would otherwise fetch one by one.
    /// </summary>
    internal long ViewTreeSize
    {
        get => Interlocked.Read(ref _viewTreeSize);
        private set => Interlocked.Exchange(ref _viewTreeSize, value);
    }

    /// <summary>A client that trusts the given consortium (or peer key) and remembers its ledger view where the options say.</summary>
    public MedLedgerClient(HttpClient http, LedgerTrustOptions trust, bool ownsHttp = false) : this(http, ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(trust);
        _peer = trust.Peer;
        _consortium = trust.Consortium ?? (trust.Peer is { } p ? ConsortiumView.Single(p.PeerId, p.PublicKey) : null);
        _viewStore = trust.ViewStore ?? _viewStore;
    }

    /// <summary>
    /// The consortium this client pinned (the genesis view its history starts from): the pinned one, the pinned peer as a
    /// consortium of one, or (trust on first use) the genesis <c>/api/ledger/consortium</c> presents the first time (its
    /// current view on a ledger without one), pinned for the client's lifetime; the changes presented with it are then
    /// followed like any later ones (<see cref="CheckConsortiumAsync"/>).
    /// </summary>
    public async Task<ConsortiumView> ConsortiumAsync(CancellationToken ct = default)
    {
        if (Volatile.Read(ref _consortium) is { } pinned)
        {
            return pinned;
        }
        var info = await FetchConsortiumAsync(ct);
        var presented = info.GenesisView();
        if (Interlocked.CompareExchange(ref _consortium, presented, null) is { } raced)
        {
            return raced;
        }
        await FollowAsync(info, strict: true, ct);
        return presented;
    }

    /// <summary>Pins a consortium known from elsewhere (the CLI's session, the operator's announcement): the genesis view.</summary>
    public void PinConsortium(ConsortiumView consortium)
    {
        ArgumentNullException.ThrowIfNull(consortium);
        Volatile.Write(ref _consortium, consortium);
        Volatile.Write(ref _history, null);
    }

    /// <summary>
    /// The consortium views this client accepts: the pinned genesis and every membership change it verified (remembered in
    /// the view store and re-verified when loaded). A head at height h is judged by <c>ViewAt(h)</c>.
    /// </summary>
    public async Task<ConsortiumHistory> ConsortiumHistoryAsync(CancellationToken ct = default)
    {
        if (Volatile.Read(ref _history) is { } known)
        {
            return known;
        }
        var genesis = await ConsortiumAsync(ct);
        await _historyLock.WaitAsync(ct);
        try
        {
            if (Volatile.Read(ref _history) is { } raced)
            {
                return raced;
            }
            var saved = await _viewStore.LoadChangesAsync(genesis.Fingerprint, ct);
            var (history, failed, reason) = Replay(genesis, saved);
            if (reason is not null)
            {
                throw new MedLedgerVerificationException(
                    $"A remembered consortium change (to {saved[failed].Fingerprint}) no longer verifies: {reason}; the view store was altered.");
            }
            _changes = saved.ToList();
            Volatile.Write(ref _history, history);
            return history;
        }
        finally
        {
            _historyLock.Release();
        }
    }

    /// <summary>
    /// Fetches the consortium the server presents and holds it to the pin: its genesis must be the pinned view, every
    /// membership change this client has not applied yet must verify (<see cref="ConsortiumHistory.Apply"/>: k distinct
    /// members' certified approvals of one proposal), and its current view must be the one those changes reach. Anything
    /// else is refused with both fingerprints (<see cref="ConsortiumChangedException"/>). Returns the pinned genesis.
    /// </summary>
    public async Task<ConsortiumView> CheckConsortiumAsync(CancellationToken ct = default)
    {
        var info = await FetchConsortiumAsync(ct);
        await FollowAsync(info, strict: true, ct);
        return await ConsortiumAsync(ct);
    }

    private Task<ConsortiumInfo> FetchConsortiumAsync(CancellationToken ct) =>
        SendAsync<ConsortiumInfo>(HttpMethod.Get, "/api/ledger/consortium", null, authorize: false, ct);

    /// <summary>
    /// Applies the changes in <paramref name="info"/> this client has not applied yet; a change that does not verify is
    /// always refused loudly. <paramref name="strict"/>: also refuse a genesis other than the pin and a current view the
    /// changes do not reach (otherwise such an answer is left for the caller's own check). True when the history advanced.
    /// </summary>
    private async Task<bool> FollowAsync(ConsortiumInfo info, bool strict, CancellationToken ct)
    {
        var genesis = await ConsortiumAsync(ct);
        var presentedGenesis = info.GenesisView();
        if (presentedGenesis.Fingerprint != genesis.Fingerprint)
        {
            return strict ? throw new ConsortiumChangedException(genesis.Fingerprint, presentedGenesis.Fingerprint) : false;
        }
        await ConsortiumHistoryAsync(ct);
        var advanced = false;
        ConsortiumHistory history;
        await _historyLock.WaitAsync(ct);
        try
        {
            history = _history!;
            var presented = (info.Changes ?? []).ToList();
            if (presented.Count > _changes.Count)
            {
                for (var i = 0; i < _changes.Count; i++)
                {
                    if (presented[i] is null || presented[i].Fingerprint != _changes[i].Fingerprint || presented[i].FromHeight != _changes[i].FromHeight)
                    {
                        throw new ConsortiumChangedException(history.Current.Fingerprint, info.ToView().Fingerprint,
                            $"the server's membership change {i + 1} is not the one this client accepted (to {_changes[i].Fingerprint} from block {_changes[i].FromHeight})");
                    }
                }
                var next = _changes.Concat(presented.Skip(_changes.Count)).ToList();
                var (candidate, failed, reason) = Replay(genesis, next);
                if (reason is not null)
                {
                    var refused = next[failed];
                    // The view before the refused change (its approvals may have verified under a wrong label).
                    throw new ConsortiumChangedException(candidate.Views[failed].View.Fingerprint, refused?.Fingerprint ?? "(none)",
                        $"its membership change to {refused?.Fingerprint} from block {refused?.FromHeight} does not verify: {reason}");
                }
                await _viewStore.SaveChangesAsync(genesis.Fingerprint, next, ct);
                _changes = next;
                Volatile.Write(ref _history, candidate);
                history = candidate;
                advanced = true;
            }
        }
        finally
        {
            _historyLock.Release();
        }
        if (strict && info.ToView() is var current && current.Fingerprint != history.Current.Fingerprint)
        {
            throw new ConsortiumChangedException(history.Current.Fingerprint, current.Fingerprint,
                $"the presented consortium is not reachable from the pinned one by the {history.Views.Count - 1} verified membership change(s)");
        }
        return advanced;
    }

    /// <summary>
    /// The history from <paramref name="genesis"/> through <paramref name="changes"/>, each applied only when its approvals
    /// verify and make exactly the view and first height the change names; on the first that does not, its index and why.
    /// </summary>
    internal static (ConsortiumHistory History, int Failed, string? Reason) Replay(ConsortiumView genesis, IReadOnlyList<ConsortiumChangeInfo> changes)
    {
        var history = new ConsortiumHistory(genesis);
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            string? reason;
            try
            {
                reason = change?.Approvals is null ? "the change carries no approvals" : history.Apply(change.Approvals);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or NullReferenceException or CryptographicException)
            {
                // A malformed receipt from the server is a refused change, never a crash.
                reason = "an approval is malformed: " + e.Message;
            }
            if (reason is null)
            {
                var (from, view) = history.Views[^1];
                reason = view.Fingerprint != change!.Fingerprint ? $"the approvals make consortium {view.Fingerprint}, not {change.Fingerprint}"
                    : from != change.FromHeight ? $"the new view certifies from block {from}, not {change.FromHeight}"
                    : null;
            }
            if (reason is not null)
            {
                return (history, i, reason);
            }
        }
        return (history, -1, null);
    }

    /// <summary>
    /// The view that judges <paramref name="head"/>: the history's view at its height. When that view does not certify a
    /// head at or after the newest known view's first block, the consortium may have changed since: the server's changes
    /// are followed (each verified) and the head judged again.
    /// </summary>
    private async Task<ConsortiumView> CertifyingViewAsync(BlockHeader? head, CancellationToken ct)
    {
        var history = await ConsortiumHistoryAsync(ct);
        if (head is null)
        {
            return history.Current;
        }
        var view = history.ViewAt(head.Height);
        if (view.VerifyCertificate(head, _signatures) is null || head.Height < history.Views[^1].FromHeight
            || !await FollowAsync(await FetchConsortiumAsync(ct), strict: false, ct))
        {
            return view;
        }
        return (await ConsortiumHistoryAsync(ct)).ViewAt(head.Height);
    }

    /// <summary>Null when <paramref name="head"/> is certified by the view in effect at its height, otherwise the reason (the one place heads are judged).</summary>
    private async Task<string?> HeadCertificateErrorAsync(BlockHeader head, CancellationToken ct) =>
        (await CertifyingViewAsync(head, ct)).VerifyCertificate(head, _signatures);

    /// <summary>First 32 hex digits of SHA-256 over the peer's public key (the same in the browser and the CLI).</summary>
    public static string PeerFingerprint(byte[] publicKey) => Convert.ToHexStringLower(SHA256.HashData(publicKey))[..32];

    /// <summary>Compares the key the server presents now with the pinned one; a different key is refused with both fingerprints.</summary>
    public async Task<PeerInfo> CheckPeerKeyAsync(CancellationToken ct = default)
    {
        var presented = await SendAsync<PeerInfo>(HttpMethod.Get, "/api/ledger/peer", null, authorize: false, ct);
        var pinned = await PeerAsync(ct);
        if (!CryptographicOperations.FixedTimeEquals(pinned.PublicKey, presented.PublicKey))
        {
            throw new PeerKeyChangedException(PeerFingerprint(pinned.PublicKey), PeerFingerprint(presented.PublicKey));
        }
        return presented;
    }

    /// <summary>The newest head this client verified (null before the first).</summary>
    public async Task<BlockHeader?> RememberedHeadAsync(CancellationToken ct = default) =>
        (await LoadViewAsync(await ConsortiumAsync(ct), ct))?.Head;

    /// <summary>Fetches the server's current head, checks its certificate and its consistency with the remembered view, and advances the view.</summary>
    public async Task<BlockHeader> VerifyCurrentHeadAsync(CancellationToken ct = default)
    {
        var head = await SendAsync<BlockHeader>(HttpMethod.Get, "/api/ledger/head", null, authorize: true, ct);
        if (await HeadCertificateErrorAsync(head, ct) is { } error)
        {
            throw new MedLedgerVerificationException("The ledger head is not certified by the pinned consortium: " + error);
        }
        await AcceptHeadAsync(head, ct, null);
        return head;
    }

    /// <summary>
    /// The view remembered for this consortium. A consortium of one also finds a view saved before consortia, when the
    /// store was keyed by the peer key's fingerprint, so an upgraded CLI keeps its memory (and any recorded fork).
    /// </summary>
    private async Task<LedgerView?> LoadViewAsync(ConsortiumView consortium, CancellationToken ct) =>
        await _viewStore.LoadAsync(consortium.Fingerprint, ct)
        ?? (consortium.Members.Count == 1 ? await _viewStore.LoadAsync(PeerFingerprint(consortium.Members[0].PublicKey), ct) : null);

    /// <summary>
    /// Accepts a head whose certificate was already checked: the same size must have the same root, a larger one must be
    /// proven to extend the remembered head and becomes the new view, a smaller one must be proven to be its prefix.
    /// </summary>
    private async Task AcceptHeadAsync(BlockHeader head, CancellationToken ct, IReadOnlyList<ConsistencyProofResult>? proofs)
    {
        var consortium = await ConsortiumAsync(ct);
        var fingerprint = consortium.Fingerprint;
        await _viewLock.WaitAsync(ct);
        try
        {
            if (_fork is not null)
            {
                throw _fork;
            }
            var view = await LoadViewAsync(consortium, ct);
            if (view is not null && (await ConsortiumHistoryAsync(ct)).VerifyCertificate(view.Head, _signatures) is not null)
            {
                throw new MedLedgerVerificationException("The remembered ledger head is not certified by the pinned consortium; the view store was altered.");
            }
            if (view?.ForkedHead is not null)
            {
                throw _fork = new LedgerForkException(view.Head, view.ForkedHead, view.ForkReason ?? "a fork was recorded earlier");
            }
            if (view is null)
            {
                await _viewStore.SaveAsync(fingerprint, new LedgerView(head, null, null), ct);
                ViewTreeSize = head.TreeSize;
                return;
            }
            var remembered = view.Head;
            ViewTreeSize = remembered.TreeSize;
            if (await ForkReasonAsync(remembered, head, proofs, ct) is { } reason)
            {
                _fork = new LedgerForkException(remembered, head, reason);
                await _viewStore.SaveAsync(fingerprint, view with { ForkedHead = head, ForkReason = reason }, ct);
                throw _fork;
            }
            if (head.TreeSize > remembered.TreeSize)
            {
                await _viewStore.SaveAsync(fingerprint, new LedgerView(head, null, null), ct);
                ViewTreeSize = head.TreeSize;
            }
        }
        finally
        {
            _viewLock.Release();
        }
    }

    /// <summary>Null when <paramref name="head"/> and <paramref name="remembered"/> can both be true of one log.</summary>
    private async Task<string?> ForkReasonAsync(BlockHeader remembered, BlockHeader head, IReadOnlyList<ConsistencyProofResult>? proofs, CancellationToken ct)
    {
        if (head.Height == remembered.Height && !head.Hash().AsSpan().SequenceEqual(remembered.Hash()))
        {
            return $"two different signed headers at block {head.Height}";
        }
        // The chain moves from v1 to v2 headers once, never back (docs/ledger.md).
        var (lower, higher) = head.Height < remembered.Height ? (head, remembered) : (remembered, head);
        if (lower.Version > higher.Version)
        {
            return $"a v{higher.Version} header at block {higher.Height} after a v{lower.Version} header at block {lower.Height}";
        }
        if (head.TreeSize == remembered.TreeSize)
        {
            return head.RootHash.AsSpan().SequenceEqual(remembered.RootHash) ? null : $"two different roots at size {head.TreeSize}";
        }
        var (older, newer) = head.TreeSize < remembered.TreeSize ? (head, remembered) : (remembered, head);
        if (older.Height >= newer.Height)
        {
            return "a larger tree at a block height that is not higher";
        }
        ConsistencyProofResult? proof = proofs?.FirstOrDefault(p => p.OldSize == older.TreeSize && p.NewSize == newer.TreeSize && p.Proof is not null);
        try
        {
            proof ??= await SendAsync<ConsistencyProofResult>(HttpMethod.Get, $"/api/ledger/consistency?from={older.TreeSize}&to={newer.TreeSize}",
                null, authorize: false, ct);
        }
        catch (MedLedgerApiException e) when ((int)e.Status is >= 400 and < 500)
        {
            return $"the server would not prove size {older.TreeSize} consistent with size {newer.TreeSize} ({e.Message})";
        }
        // The proof's own roots are only the server's claim; the signed heads' roots are what it must connect.
        return Rfc6962.VerifyConsistency(older.TreeSize, newer.TreeSize, older.RootHash, newer.RootHash, proof.Proof ?? [])
            ? null
            : $"the consistency proof from size {older.TreeSize} to size {newer.TreeSize} does not verify";
    }
}
