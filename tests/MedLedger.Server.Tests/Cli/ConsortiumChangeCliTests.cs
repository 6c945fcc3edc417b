using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// Issue 14 items 3 and 5 in the CLI: the session keeps the pinned genesis per URL and the membership changes it accepted
/// (with their approval receipts) in its folder; `medledger ledger consortium` shows each view, its first block and its
/// fingerprint; a change that does not verify exits 3 with both fingerprints. The server here is a loopback stub whose
/// <c>/api/ledger/consortium</c> answer the test sets; the approvals come from a real <see cref="LedgerPeer"/> in the test,
/// certified with the members' keys the test holds.
/// </summary>
public sealed class ConsortiumChangeCliTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-change-cli-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly (byte[] PrivateKey, byte[] PublicKey) _a = LedgerCrypto.GenerateKeyPair();
    private readonly (byte[] PrivateKey, byte[] PublicKey) _b = LedgerCrypto.GenerateKeyPair();
    private readonly (byte[] PrivateKey, byte[] PublicKey) _c = LedgerCrypto.GenerateKeyPair();
    private readonly (byte[] PrivateKey, byte[] PublicKey) _d = LedgerCrypto.GenerateKeyPair();
    private readonly HttpListener _listener = new();
    private LedgerPeer _peer = null!;
    private string _url = null!;
    private volatile string _answer = "{}";
    private long _nonce = 1;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _peer = new LedgerPeer(LedgerStore.Sqlite($"Data Source={Path.Combine(_dir, "ledger.db")}"), _a.PrivateKey, new LedgerOptions { PeerId = "peer-a" },
            ContractRegistry.WithIdentity().Add(new ConsortiumGenesisContract()).Add(new ConsortiumAddPeerContract()));
        await _peer.StartAsync();
        await _peer.SubmitAsync(As("peer-a", _a.PrivateKey, ConsortiumGenesisContract.TypeName, ConsortiumGenesisContract.Payload(Abc)));
        var port = FreePort();
        _url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(_url + "/");
        _listener.Start();
        _ = ServeAsync();
    }

    public async Task DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _peer.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static int FreePort() => MedLedger.Testing.LoopbackPorts.Reserve();

    /// <summary>Answers every request with the consortium JSON the test set (the CLI asks for nothing else here).</summary>
    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            var ok = context.Request.Url!.AbsolutePath == "/api/ledger/consortium";
            var body = Encoding.UTF8.GetBytes(ok ? _answer : "{}");
            context.Response.StatusCode = ok ? 200 : 404;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    private ConsortiumView Abc => new([new("peer-a", _a.PublicKey), new("peer-b", _b.PublicKey), new("peer-c", _c.PublicKey)], 3);

    private ConsortiumView Abcd => Abc.WithMember(new ConsortiumMember("peer-d", _d.PublicKey), 3);

    private LedgerTransaction As(string peerId, byte[] key, string type, IReadOnlyDictionary<string, string> payload) =>
        LedgerTransaction.Create(type, LedgerTransaction.SystemActorPrefix + peerId, _nonce++, LedgerTransaction.NowMs(), payload, key);

    private LedgerReceipt Certified(LedgerReceipt receipt)
    {
        var bytes = receipt.Head.SigningBytes();
        return receipt with { Head = receipt.Head with { Certificate = [new("peer-a", LedgerCrypto.Sign(_a.PrivateKey, bytes)), new("peer-b", LedgerCrypto.Sign(_b.PrivateKey, bytes)), new("peer-c", LedgerCrypto.Sign(_c.PrivateKey, bytes))] } };
    }

    private void Serve(ConsortiumView current, params ConsortiumChangeInfo[] changes) =>
        _answer = JsonSerializer.Serialize(ConsortiumInfo.Of(current) with
        {
            Genesis = new ConsortiumViewInfo(Abc.Threshold, Abc.Fingerprint, Abc.Members.Select(m => new PeerInfo(m.PeerId, m.PublicKey)).ToList()),
            Changes = changes,
        }, Web);

    private string NewHome() => Directory.CreateDirectory(Path.Combine(_dir, Guid.NewGuid().ToString("N")[..8])).FullName;

    private Task<CliResult> RunAsync(string home, params string[] args) =>
        CliBinary.RunAsync(args, new Dictionary<string, string> { ["MEDLEDGER_URL"] = _url, ["MEDLEDGER_HOME"] = home });

    [Fact]
    public async Task The_session_follows_a_verified_change_shows_each_view_and_a_change_that_does_not_verify_exits_3_with_both_fingerprints()
    {
        var d = new ConsortiumMember("peer-d", _d.PublicKey);
        var approvals = new List<LedgerReceipt>();
        foreach (var (id, key) in new[] { ("peer-a", _a.PrivateKey), ("peer-b", _b.PrivateKey), ("peer-c", _c.PrivateKey) })
        {
            approvals.Add(Certified(await _peer.SubmitAsync(As(id, key, ConsortiumAddPeerContract.TypeName, ConsortiumAddPeerContract.Payload(Abc, d, 3)))));
        }
        var from = approvals.Max(a => a.BlockHeight) + 1;
        var home = NewHome();

        Serve(Abc);
        var first = await RunAsync(home, "ledger", "consortium");
        Assert.True(first.Exit == 0, first.All);
        Assert.Contains($"fingerprint {Abc.Fingerprint}", first.Out, StringComparison.Ordinal);
        Assert.Contains($"view 0 from block 1: 3 of 3 (peer-a, peer-b, peer-c), fingerprint {Abc.Fingerprint}", first.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("view 1", first.Out, StringComparison.Ordinal);

        // The change is followed and remembered in the session folder beside the pin.
        Serve(Abcd, new ConsortiumChangeInfo(from, Abcd.Fingerprint, approvals));
        var changed = await RunAsync(home, "ledger", "consortium");
        Assert.True(changed.Exit == 0, changed.All);
        Assert.Contains($"view 1 from block {from}: 3 of 4 (peer-a, peer-b, peer-c, peer-d), fingerprint {Abcd.Fingerprint}", changed.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(home, $"ledger-consortium-{Abc.Fingerprint}.json")));

        // A server that now drops the change it presented before is refused, naming the view reached and the one presented.
        Serve(Abc);
        var dropped = await RunAsync(home, "ledger", "consortium");
        Assert.Equal(3, dropped.Exit);
        Assert.Contains($"CONSORTIUM CHANGED: pinned {Abcd.Fingerprint}, server presents {Abc.Fingerprint}", dropped.Err, StringComparison.Ordinal);

        // A fresh session shown the change with one approval short: exit 3, both fingerprints and the reason.
        Serve(Abcd, new ConsortiumChangeInfo(from, Abcd.Fingerprint, approvals.Take(2).ToList()));
        var shortOne = await RunAsync(NewHome(), "ledger", "consortium");
        Assert.Equal(3, shortOne.Exit);
        Assert.Contains($"CONSORTIUM CHANGED: pinned {Abc.Fingerprint}, server presents {Abcd.Fingerprint}", shortOne.Err, StringComparison.Ordinal);
        Assert.Contains("approvals of 2 distinct members; 3 of 3 are needed", shortOne.Err, StringComparison.Ordinal);

        // An altered session file (an approval removed) no longer verifies when loaded.
        var path = Path.Combine(home, $"ledger-consortium-{Abc.Fingerprint}.json");
        var saved = JsonSerializer.Deserialize<List<ConsortiumChangeInfo>>(await File.ReadAllTextAsync(path), Web)!;
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new[] { saved[0] with { Approvals = saved[0].Approvals.Take(2).ToList() } }, Web));
        Serve(Abcd, new ConsortiumChangeInfo(from, Abcd.Fingerprint, approvals));
        var altered = await RunAsync(home, "ledger", "consortium");
        Assert.Equal(3, altered.Exit);
        // Printed through the console's line wrapping: only the start of the message is compared.
        Assert.Contains("verification failed: A remembered consortium", altered.All, StringComparison.Ordinal);
    }
}
