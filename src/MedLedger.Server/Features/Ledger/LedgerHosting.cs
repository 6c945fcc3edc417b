using System.Reflection;
using System.Security.Cryptography;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Ledger;

public sealed class LedgerHostOptions
{
    public const string Section = "Ledger";

    public string PeerId { get; set; } = "peer-1";

    [System.ComponentModel.DataAnnotations.Range(1, 100_000)]
    public int MaxBlockTransactions { get; set; } = 1000;

    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan MaxBlockDelay { get; set; } = TimeSpan.FromMilliseconds(20);
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
        };
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
