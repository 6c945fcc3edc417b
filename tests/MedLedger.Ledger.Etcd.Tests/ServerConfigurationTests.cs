using System.ComponentModel.DataAnnotations;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.Extensions.Configuration;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>The server's Ledger:Ordering switch: "etcd" builds the peer on the etcd orderer, embedded stays the default.</summary>
public sealed class ServerConfigurationTests
{
    [Fact]
    public async Task Ledger_Ordering_etcd_builds_a_peer_ordered_by_the_etcd_cluster()
    {
        await using var cluster = await EtcdCluster.StartAsync("peer-a", "peer-b");
        // peer-b is the other member (k = 2 of 2), run here directly on the etcd orderer so peer-a's blocks get certified.
        await using var consortium = new Consortium(cluster, "peer-b");
        var otherPeer = consortium.PublicKeys["peer-b"];
        var etcd = cluster.OptionsFor("peer-a");
        var settings = new Dictionary<string, string?>
        {
            ["Ledger:Ordering"] = "etcd",
            ["Ledger:PeerId"] = "peer-a",
            ["Ledger:Etcd:CaFile"] = etcd.CaFile,
            ["Ledger:Etcd:CertFile"] = etcd.CertFile,
            ["Ledger:Etcd:KeyFile"] = etcd.KeyFile,
            ["Ledger:PeerKeys:peer-b"] = Convert.ToBase64String(otherPeer),
        };
        for (var i = 0; i < cluster.Endpoints.Count; i++)
        {
            settings[$"Ledger:Etcd:Endpoints:{i}"] = cluster.Endpoints[i];
        }
        var options = Bind(settings);
        Assert.Empty(ValidationErrors(options));
        Assert.Equal(3, options.Etcd.Endpoints.Count);

        var storage = new StorageOptions { DataDirectory = Path.Combine(cluster.Dir, "server-data") };
        await using var peer = LedgerContractCatalog.CreatePeer(storage, options);
        consortium.PublicKeys["peer-a"] = peer.PublicKey;
        await consortium.StartPeerAsync("peer-b");
        await peer.StartAsync();
        Assert.Equal(2, peer.Consortium.Threshold);
        var receipt = await peer.SubmitAsync(Consortium.Registration());
        Assert.Null(receipt.Verify(peer.PublicKey));
        Assert.Null(receipt.Verify(peer.Consortium));
        Assert.Equal(otherPeer, peer.PeerKeys["peer-b"]);
        // Only the etcd orderer stores an orderer revision with the block.
        Assert.True(await peer.Store.GetOrderingRevisionAsync() > 0);
    }

    [Fact]
    public void Embedded_stays_the_default_and_etcd_without_endpoints_or_certificates_is_refused()
    {
        var defaults = Bind([]);
        Assert.Equal(LedgerHostOptions.EmbeddedOrdering, defaults.Ordering);
        Assert.Empty(ValidationErrors(defaults));

        var incomplete = Bind(new() { ["Ledger:Ordering"] = "etcd" });
        Assert.Contains(ValidationErrors(incomplete), e => e.Contains("Ledger:Etcd:Endpoints", StringComparison.Ordinal));
        var unknown = Bind(new() { ["Ledger:Ordering"] = "nats" });
        Assert.Contains(ValidationErrors(unknown), e => e.Contains("must be 'embedded' or 'etcd'", StringComparison.Ordinal));
        var tuned = Bind(new() { ["Ledger:Threshold"] = "3", ["Ledger:CertificateTimeout"] = "00:00:30" });
        Assert.Equal(3, tuned.Threshold);
        Assert.Equal(TimeSpan.FromSeconds(30), tuned.CertificateTimeout);
        Assert.Empty(ValidationErrors(tuned));
        Assert.Null(defaults.Threshold);
        Assert.Contains(ValidationErrors(Bind(new() { ["Ledger:Threshold"] = "0" })), e => e.Contains("Threshold", StringComparison.Ordinal));
        var badKey = Bind(new() { ["Ledger:PeerKeys:peer-b"] = "bm90IGEga2V5" });
        Assert.Contains(ValidationErrors(badKey), e => e.Contains("Ledger:PeerKeys:peer-b", StringComparison.Ordinal));
    }

    private static LedgerHostOptions Bind(Dictionary<string, string?> settings)
    {
        var options = new LedgerHostOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(LedgerHostOptions.Section).Bind(options);
        return options;
    }

    private static List<string> ValidationErrors(LedgerHostOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage ?? "")];
    }
}
