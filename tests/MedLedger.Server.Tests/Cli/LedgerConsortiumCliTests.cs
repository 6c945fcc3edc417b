using System.Text.Json;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// Issue 14 item 3 in the CLI: the session folder pins the consortium per server URL at first contact
/// (consortia.json), `medledger ledger consortium` prints it, and a server presenting another consortium than the
/// pinned one — or than the one given with --pin-consortium — is refused with both fingerprints. A session folder from
/// before consortia (peers.json only) still works as a consortium of one. Separate processes against `serve --demo`.
/// </summary>
public sealed class LedgerConsortiumCliTests(SharedDemoServer shared) : IClassFixture<SharedDemoServer>, IDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly DemoServerProcess _demo = shared.Demo;
    private readonly string _homes = Path.Combine(Path.GetTempPath(), "medledger-consortium-cli-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        try { Directory.Delete(_homes, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string NewHome() => Directory.CreateDirectory(Path.Combine(_homes, Guid.NewGuid().ToString("N")[..8])).FullName;

    private async Task<(PeerInfo Peer, ConsortiumView View)> ServerConsortiumAsync()
    {
        using var client = new MedLedgerClient(new Uri(_demo.Url));
        return (await client.PeerAsync(), await client.CheckConsortiumAsync());
    }

    private static ConsortiumView Another(PeerInfo peer)
    {
        using var other = new LedgerSigningKey(LedgerCrypto.GenerateKeyPair().PrivateKey);
        return new ConsortiumView([new(peer.PeerId, peer.PublicKey), new("operator-2", other.PublicKey)], 2);
    }

    [Fact]
    public async Task The_consortium_is_pinned_at_first_contact_printed_and_a_changed_one_is_refused_with_both_fingerprints()
    {
        var (peer, real) = await ServerConsortiumAsync();
        var home = NewHome();

        var first = await _demo.RunAsync(home, "ledger", "consortium");
        Assert.True(first.Exit == 0, first.All);
        Assert.Contains($"fingerprint {real.Fingerprint}", first.Out, StringComparison.Ordinal);
        Assert.Contains("threshold 1 of 1", first.Out, StringComparison.Ordinal);
        Assert.Contains(peer.PeerId, first.Out, StringComparison.Ordinal);
        Assert.Contains("Pinned ledger consortium", first.Out, StringComparison.Ordinal);
        var again = await _demo.RunAsync(home, "ledger", "consortium");
        Assert.True(again.Exit == 0, again.All);
        Assert.DoesNotContain("Pinned ledger consortium", again.Out, StringComparison.Ordinal);

        // The pin now says another consortium (as if the server had changed since first contact): refused loudly.
        var pinned = Another(peer);
        await File.WriteAllTextAsync(Path.Combine(home, "consortia.json"),
            JsonSerializer.Serialize(new Dictionary<string, ConsortiumInfo> { [_demo.Url] = ConsortiumInfo.Of(pinned) }, Web));
        var refused = await _demo.RunAsync(home, "ledger", "consortium");
        Assert.Equal(3, refused.Exit);
        Assert.Contains($"CONSORTIUM CHANGED: pinned {pinned.Fingerprint}, server presents {real.Fingerprint}", refused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_consortium_given_with_pin_consortium_is_compared_and_an_older_peer_key_pin_counts_as_a_consortium_of_one()
    {
        var (peer, real) = await ServerConsortiumAsync();

        var file = Path.Combine(NewHome(), "consortium.json");
        var other = Another(peer);
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(ConsortiumInfo.Of(other), Web));
        var refused = await _demo.RunAsync(NewHome(), "ledger", "consortium", "--pin-consortium", file);
        Assert.Equal(3, refused.Exit);
        Assert.Contains(other.Fingerprint, refused.All, StringComparison.Ordinal);
        Assert.Contains(real.Fingerprint, refused.All, StringComparison.Ordinal);

        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(ConsortiumInfo.Of(real), Web));
        var given = await _demo.RunAsync(NewHome(), "ledger", "consortium", "--pin-consortium", file);
        Assert.True(given.Exit == 0, given.All);
        Assert.Contains($"fingerprint {real.Fingerprint}", given.Out, StringComparison.Ordinal);

        // A session folder written before consortia: only peers.json with the peer key pinned per URL.
        var legacy = NewHome();
        await File.WriteAllTextAsync(Path.Combine(legacy, "peers.json"), JsonSerializer.Serialize(new Dictionary<string, PeerInfo> { [_demo.Url] = peer }, Web));
        var old = await _demo.RunAsync(legacy, "ledger", "consortium");
        Assert.True(old.Exit == 0, old.All);
        Assert.Contains($"fingerprint {real.Fingerprint}", old.Out, StringComparison.Ordinal);

        // ... and with another peer key pinned there, the server's consortium is refused.
        var stale = NewHome();
        await File.WriteAllTextAsync(Path.Combine(stale, "peers.json"),
            JsonSerializer.Serialize(new Dictionary<string, PeerInfo> { [_demo.Url] = new(peer.PeerId, LedgerCrypto.GenerateKeyPair().PublicKey) }, Web));
        var staleRun = await _demo.RunAsync(stale, "ledger", "consortium");
        Assert.Equal(3, staleRun.Exit);
        Assert.Contains("CONSORTIUM CHANGED", staleRun.All, StringComparison.Ordinal);
    }
}
