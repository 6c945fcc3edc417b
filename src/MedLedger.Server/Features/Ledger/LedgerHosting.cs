using System.Reflection;
using System.Security.Cryptography;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Etcd;
using MedLedger.Ledger.Ordering;
using MedLedger.Ledger.Store;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Ledger;

public sealed class LedgerHostOptions : System.ComponentModel.DataAnnotations.IValidatableObject
{
    public const string Section = "Ledger";
    public const string EmbeddedOrdering = "embedded";
    public const string EtcdOrdering = "etcd";

    /// <summary>"embedded" (default: this process orders) or "etcd" (the consortium's etcd cluster orders; docs/ledger.md).</summary>
    public string Ordering { get; set; } = EmbeddedOrdering;

    /// <summary>Ledger:Etcd — endpoints and this peer's mutual-TLS files; used when Ordering is "etcd".</summary>
    public EtcdOrderingOptions Etcd { get; set; } = new();

    /// <summary>Ledger:PeerKeys:&lt;peer id&gt; = base64 65-byte public ledger key of each other consortium peer.</summary>
    public Dictionary<string, string> PeerKeys { get; set; } = new(StringComparer.Ordinal);

    public IEnumerable<System.ComponentModel.DataAnnotations.ValidationResult> Validate(System.ComponentModel.DataAnnotations.ValidationContext validationContext)
    {
        if (Ordering is not (EmbeddedOrdering or EtcdOrdering))
        {
            yield return new($"Ledger:Ordering must be '{EmbeddedOrdering}' or '{EtcdOrdering}'.", [nameof(Ordering)]);
        }
        if (Ordering == EtcdOrdering && (Etcd.Endpoints.Count == 0 || string.IsNullOrEmpty(Etcd.CaFile) || string.IsNullOrEmpty(Etcd.CertFile) || string.IsNullOrEmpty(Etcd.KeyFile)))
        {
            yield return new("Ledger:Ordering=etcd needs Ledger:Etcd:Endpoints and Ledger:Etcd:CaFile, CertFile and KeyFile (scripts/etcd-cluster.sh makes them).", [nameof(Etcd)]);
        }
        if (AdmittedAfterGenesis && (Join is null || Ordering != EtcdOrdering))
        {
            yield return new("Ledger:AdmittedAfterGenesis needs Ledger:Ordering=etcd and Ledger:Join (a peer admitted after genesis joins by pulling a member's certified blocks).", [nameof(AdmittedAfterGenesis)]);
        }
        foreach (var (id, key) in PeerKeys)
        {
            if (!IsPublicKey(key))
            {
                yield return new($"Ledger:PeerKeys:{id} must be a base64 65-byte uncompressed P-256 public key.", [nameof(PeerKeys)]);
            }
        }
    }

    private static bool IsPublicKey(string value)
    {
        var bytes = new byte[LedgerCrypto.PublicKeySize + 3];
        return Convert.TryFromBase64String(value, bytes, out var n) && n == LedgerCrypto.PublicKeySize && bytes[0] == 4;
    }

    public string PeerId { get; set; } = "peer-1";

    /// <summary>Ledger:Join — a member's base URL: pull and replay its certified blocks before following etcd (docs/ledger.md "Joining").</summary>
    public Uri? Join { get; set; }

    /// <summary>
    /// Ledger:AdmittedAfterGenesis — this peer is not in the consortium file (the genesis view): a consortium.add-peer
    /// approved by k members admitted it. Needs Ledger:Join; the peer learns its membership from the blocks it replays.
    /// </summary>
    public bool AdmittedAfterGenesis { get; set; }

    [System.ComponentModel.DataAnnotations.Range(1, 100_000)]
    public int MaxBlockTransactions { get; set; } = 1000;

    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan MaxBlockDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Ledger:Threshold — member signatures a block needs (k); empty = a majority of PeerKeys plus this peer.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1000)]
    public int? Threshold { get; set; }

    /// <summary>Ledger:CertificateTimeout — how long a submission waits for its block's certificate (etcd ordering).</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan CertificateTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Every contract the platform runs. Discovered by reflection so features add a contract by adding a class.</summary>
public static class LedgerContractCatalog
{
    public static ContractRegistry Create()
    {
        var registry = ContractRegistry.WithIdentity();
        var contracts = typeof(LedgerContract).Assembly.GetTypes()
            .Where(t => typeof(ILedgerContract).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }
                && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (ILedgerContract)Activator.CreateInstance(t)!)
            .OrderBy(c => c.Type, StringComparer.Ordinal);
        foreach (var c in contracts)
        {
            if (registry.Find(c.Type) is null)
            {
                registry.Add(c);
            }
        }
        return registry;
    }

    /// <summary>The peer's signing key (32-byte P-256 scalar) lives beside the data, created once.</summary>
    public static byte[] LoadOrCreatePeerKey(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, "peer.key");
        if (File.Exists(path))
        {
            return File.ReadAllBytes(path);
        }
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var d = ec.ExportParameters(true).D!;
        File.WriteAllBytes(path, d);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return d;
    }

    public static LedgerPeer CreatePeer(StorageOptions storage, LedgerHostOptions options)
    {
        var key = LoadOrCreatePeerKey(storage.DataDirectory);
        var ledgerOptions = new LedgerOptions
        {
            PeerId = options.PeerId,
            MaxBlockTransactions = options.MaxBlockTransactions,
            MaxBlockDelay = options.MaxBlockDelay,
            Threshold = options.Threshold,
            CertificateTimeout = options.CertificateTimeout,
            AdmittedAfterGenesis = options.AdmittedAfterGenesis,
        };
        foreach (var (id, publicKey) in options.PeerKeys)
        {
            ledgerOptions.PeerKeys[id] = Convert.FromBase64String(publicKey);
        }
        if (options.Ordering == LedgerHostOptions.EtcdOrdering)
        {
            var store = storage.Provider == StorageProvider.Postgres
                ? LedgerStore.Postgres(storage.ConnectionString!)
                : LedgerStore.Sqlite(storage.SqliteConnectionString);
            var consortium = new Dictionary<string, byte[]>(ledgerOptions.PeerKeys, StringComparer.Ordinal);
            var ordering = new EtcdOrderingService(options.Etcd, store, options.PeerId, key, consortium, options.MaxBlockTransactions);
            if (options.Join is { } member)
            {
                // The genesis view is the consortium file's, as the peer builds it: every member plus this peer, or the members
                // alone for a peer admitted after genesis — whose membership then comes only from the replayed approvals.
                var self = new MedLedger.Ledger.ConsortiumMember(options.PeerId, LedgerCrypto.PublicKeyFromPrivate(key));
                var genesisMembers = options.AdmittedAfterGenesis ? consortium : consortium.Append(new(self.PeerId, self.PublicKey));
                var genesis = new ConsortiumView(genesisMembers.DistinctBy(m => m.Key, StringComparer.Ordinal)
                    .Select(m => new MedLedger.Ledger.ConsortiumMember(m.Key, m.Value)), options.Threshold);
                var pulled = new PulledBlocksOrdering(new LedgerReplayClient(new HttpClient(), member, options.PeerId, key), ordering, store, genesis, self);
                return new LedgerPeer(store, key, ledgerOptions, Create(), pulled);
            }
            return new LedgerPeer(store, key, ledgerOptions, Create(), ordering);
        }
        return storage.Provider == StorageProvider.Postgres
            ? LedgerPeer.Postgres(storage.ConnectionString!, key, ledgerOptions, Create())
            : LedgerPeer.Sqlite(storage.SqliteConnectionString, key, ledgerOptions, Create());
    }
}

/// <summary>Starts the in-process peer with the host and drains it on shutdown.</summary>
internal sealed class LedgerPeerService(LedgerPeer peer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => peer.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => peer.StopAsync();
}

/// <summary>
/// A joining peer whose pulled block does not replay (another header hash, no valid certificate) has halted its
/// committer; serving on would answer from a ledger that stopped. Log why, and stop the process (exit code 3).
/// </summary>
internal sealed class LedgerHaltWatch(LedgerPeer peer, IHostApplicationLifetime lifetime, ILogger<LedgerHaltWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (peer.Halted is { } e)
            {
                logger.LogCritical("The ledger peer halted: {Reason}", (e.InnerException ?? e).Message);
                Environment.ExitCode = 3;
                lifetime.StopApplication();
                return;
            }
        }
    }
}
