using System.Security.Cryptography;
using System.Text.Json;
using MedLedger.Ledger;

namespace MedLedger.Client;

// The client's own view of the ledger (web/src/sdk/ledgerView.ts is the browser's): the pinned peer key and the
// newest signed head this client verified. Every newer or older head must be proven consistent with it (RFC 6962)
// before it is accepted, so a server that shows this client two histories is caught (docs/ledger.md "Client view").

/// <summary>What a client trusts about the ledger: the peer key (pinned, not fetched) and where its view is remembered.</summary>
public sealed record LedgerTrustOptions
{
    /// <summary>The peer key to trust. Null: trust on first use (fetched once from <c>/api/ledger/peer</c>).</summary>
    public PeerInfo? Peer { get; init; }

    /// <summary>Where the newest verified head is remembered; in memory (this client's lifetime) unless given.</summary>
    public ILedgerViewStore? ViewStore { get; init; }
}

/// <summary>The newest signed head a client verified for one peer key, and the conflicting head once a fork was seen.</summary>
public sealed record LedgerView(BlockHeader Head, BlockHeader? ForkedHead, string? ForkReason);

/// <summary>Remembers a client's ledger view, per peer key fingerprint.</summary>
public interface ILedgerViewStore
{
    Task<LedgerView?> LoadAsync(string peerFingerprint, CancellationToken ct);

    Task SaveAsync(string peerFingerprint, LedgerView view, CancellationToken ct);
}

/// <summary>The default store: the view lives as long as the client object.</summary>
public sealed class InMemoryLedgerViewStore : ILedgerViewStore
{
    private readonly Dictionary<string, LedgerView> _views = [];

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
}

/// <summary>
/// The view in a folder (the CLI's session folder): one JSON file per peer key, replaced atomically, so a restarted
/// process still remembers what it verified. Heads are re-checked against the pinned key when loaded.
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

public sealed partial class MedLedgerClient
{
    private ILedgerViewStore _viewStore = new InMemoryLedgerViewStore();
    private readonly SemaphoreSlim _viewLock = new(1, 1);
    private LedgerForkException? _fork;
    private long _viewTreeSize;

    /// <summary>
    /// Tree size of the head this client last remembered (0 before the first): sent as <c>Ledger-View-Size</c> so the
    /// record endpoints can include the consistency proofs the client would otherwise fetch one by one.
    /// </summary>
    internal long ViewTreeSize
    {
        get => Interlocked.Read(ref _viewTreeSize);
        private set => Interlocked.Exchange(ref _viewTreeSize, value);
    }

    /// <summary>A client that trusts the given peer key and remembers its ledger view where the options say.</summary>
    public MedLedgerClient(HttpClient http, LedgerTrustOptions trust, bool ownsHttp = false) : this(http, ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(trust);
        _peer = trust.Peer;
        _viewStore = trust.ViewStore ?? _viewStore;
    }

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
    public async Task<BlockHeader?> RememberedHeadAsync(CancellationToken ct = default)
    {
        var peer = await PeerAsync(ct);
        return (await _viewStore.LoadAsync(PeerFingerprint(peer.PublicKey), ct))?.Head;
    }

    /// <summary>Fetches the server's current head, checks its signature and its consistency with the remembered view, and advances the view.</summary>
    public async Task<BlockHeader> VerifyCurrentHeadAsync(CancellationToken ct = default)
    {
        var head = await SendAsync<BlockHeader>(HttpMethod.Get, "/api/ledger/head", null, authorize: true, ct);
        var peer = await PeerAsync(ct);
        if (!head.VerifySignature(peer.PublicKey))
        {
            throw new MedLedgerVerificationException("The ledger head is not signed by the pinned peer key.");
        }
        await AcceptHeadAsync(head, peer, null, ct);
        return head;
    }

    /// <summary>
    /// Accepts a head whose signature was already checked: the same size must have the same root, a larger one must be
    /// proven to extend the remembered head and becomes the new view, a smaller one must be proven to be its prefix.
    /// </summary>
    private async Task AcceptHeadAsync(BlockHeader head, PeerInfo peer, IReadOnlyList<ConsistencyProofResult>? proofs, CancellationToken ct)
    {
        var fingerprint = PeerFingerprint(peer.PublicKey);
        await _viewLock.WaitAsync(ct);
        try
        {
            if (_fork is not null)
            {
                throw _fork;
            }
            var view = await _viewStore.LoadAsync(fingerprint, ct);
            if (view is not null && !view.Head.VerifySignature(peer.PublicKey))
            {
                throw new MedLedgerVerificationException("The remembered ledger head is not signed by the pinned peer key; the view store was altered.");
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
