using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>Peers of one consortium on one etcd cluster, each with its own SQLite ledger file.</summary>
internal sealed class Consortium : IAsyncDisposable
{
    private readonly List<LedgerPeer> _started = [];

    public Consortium(EtcdCluster cluster, params string[] members)
    {
        Cluster = cluster;
        Dir = Path.Combine(cluster.Dir, "peers");
        Directory.CreateDirectory(Dir);
        foreach (var m in members)
        {
            var (priv, pub) = LedgerCrypto.GenerateKeyPair();
            PrivateKeys[m] = priv;
            PublicKeys[m] = pub;
        }
    }

    public EtcdCluster Cluster { get; }
    public string Dir { get; }
    public Dictionary<string, byte[]> PrivateKeys { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, byte[]> PublicKeys { get; } = new(StringComparer.Ordinal);

    public LedgerStore StoreOf(string peerId) => LedgerStore.Sqlite($"Data Source={Path.Combine(Dir, peerId + ".db")}");

    /// <summary>Starts (or restarts, on the same database) a member's peer ordered by etcd.</summary>
    public async Task<(LedgerPeer Peer, EtcdOrderingService Ordering)> StartPeerAsync(string peerId, Action<LedgerPeer>? beforeStart = null,
        ContractRegistry? contracts = null, TimeSpan? certificateTimeout = null, Action<EtcdOrderingOptions>? configure = null)
    {
        var store = StoreOf(peerId);
        var options = new LedgerOptions { PeerId = peerId, CertificateTimeout = certificateTimeout ?? TimeSpan.FromSeconds(10) };
        foreach (var (id, key) in PublicKeys)
        {
            options.PeerKeys[id] = key;
        }
        var etcdOptions = Cluster.OptionsFor(peerId);
        configure?.Invoke(etcdOptions);
        var ordering = new EtcdOrderingService(etcdOptions, store, peerId, PrivateKeys[peerId], PublicKeys);
        var peer = new LedgerPeer(store, PrivateKeys[peerId], options, contracts ?? ContractRegistry.WithIdentity(), ordering);
        beforeStart?.Invoke(peer);
        await peer.StartAsync();
        _started.Add(peer);
        return (peer, ordering);
    }

    /// <summary>A fresh user's key registration: a valid transaction that touches only its own state.</summary>
    public static LedgerTransaction Registration()
    {
        var (priv, pub) = LedgerCrypto.GenerateKeyPair();
        var enc = LedgerCrypto.GenerateKeyPair().PublicKey;
        var id = Guid.NewGuid();
        return LedgerTransaction.Create(RegisterKeysContract.TypeName, id.ToString(), LedgerTransaction.RandomNonce(), 1_700_000_000_000,
            RegisterKeysContract.Payload(id, IdentityRoles.Patient, pub, enc), priv);
    }

    /// <summary>Polls (bounded in count) until the peer's head holds <paramref name="treeSize"/> transactions.</summary>
    public static async Task WaitForTreeSizeAsync(LedgerPeer peer, long treeSize)
    {
        for (var i = 0; i < 600; i++)
        {
            if ((peer.Head?.TreeSize ?? 0) >= treeSize)
            {
                Assert.Equal(treeSize, peer.Head!.TreeSize);
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"{peer.PeerId} reached tree size {peer.Head?.TreeSize ?? 0}, expected {treeSize}");
    }

    /// <summary>Header hashes by height, straight from the store.</summary>
    public static async Task<List<string>> ChainAsync(LedgerStore store)
    {
        var head = await store.GetLatestHeaderAsync();
        var hashes = new List<string>();
        for (var h = 1L; h <= (head?.Height ?? 0); h++)
        {
            var header = await store.GetHeaderAsync(h);
            Assert.NotNull(header);
            hashes.Add(Convert.ToHexStringLower(header.Hash()));
        }
        return hashes;
    }

    /// <summary>The consortium view a client pins: every member's key, majority threshold.</summary>
    public ConsortiumView View => new(PublicKeys.Select(k => new ConsortiumMember(k.Key, k.Value)));

    /// <summary>Polls (bounded) until every block of the store holds a certificate the consortium view accepts.</summary>
    public async Task WaitUntilCertifiedAsync(LedgerStore store)
    {
        string? missing = null;
        for (var i = 0; i < 300; i++)
        {
            missing = null;
            var head = await store.GetLatestHeaderAsync();
            for (var h = 1L; h <= (head?.Height ?? 0) && missing is null; h++)
            {
                var header = await store.GetHeaderAsync(h);
                if (View.VerifyCertificate(header!) is { } reason)
                {
                    missing = $"block {h}: {reason}";
                }
            }
            if (missing is null)
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail(missing);
    }

    public async Task AssertVerifiesAsync(LedgerStore store)
    {
        var result = await new LedgerVerifier(store, PublicKeys, ContractRegistry.WithIdentity()).VerifyAsync();
        Assert.True(result.Ok, result.ToString());
    }

    /// <summary>Disposes a peer started outside <see cref="StartPeerAsync"/> with the others.</summary>
    public void Track(LedgerPeer peer) => _started.Add(peer);

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _started)
        {
            await p.DisposeAsync();
        }
    }
}
