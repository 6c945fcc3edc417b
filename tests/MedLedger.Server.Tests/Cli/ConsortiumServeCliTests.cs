using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// `medledger serve --consortium` refuses at start, with one readable error and no stack trace: a bad consortium file, a
/// peer key that is not the listed one, missing options; and a consortium member's data folder is never started (nor given
/// an admin) with the embedded orderer, which would fork the shared ledger. The running consortium is tested with etcd in
/// tests/MedLedger.Ledger.Etcd.Tests (ConsortiumFailureTests).
/// </summary>
public sealed class ConsortiumServeCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("medledger-consortium-cli-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string Data => Path.Combine(_dir, "data");

    private string WriteConsortium(byte[] publicKey)
    {
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), "ca");
        var path = Path.Combine(_dir, "consortium.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            name = "cli-test",
            members = new[] { new { peerId = "hospital-a", publicKey = Convert.ToBase64String(publicKey), organization = "A", apiUrl = "http://127.0.0.1:5181" } },
            etcd = new { endpoints = new[] { "https://127.0.0.1:2379" }, caFile = "ca.pem" },
        }));
        return path;
    }

    private static void AssertNoStackTrace(CliResult r) => Assert.DoesNotContain("   at ", r.All, StringComparison.Ordinal);

    [Fact]
    public async Task A_bad_consortium_file_stops_serve_with_every_mistake_named_and_no_stack_trace()
    {
        var file = Path.Combine(_dir, "bad.json");
        await File.WriteAllTextAsync(file, """{ "name": "x", "members": [ { "peerId": "a", "publicKey": "AAAA", "organization": "A", "apiUrl": "http://a" } ], "etcd": { "endpoints": ["http://a:1"] } }""");
        var key = Path.Combine(_dir, "peer.key");
        await File.WriteAllBytesAsync(key, LedgerCrypto.GenerateKeyPair().PrivateKey);

        var r = await CliBinary.RunAsync(["serve", "--data", Data, "--consortium", file, "--peer", "a", "--peer-key", key, "--etcd-cert", key, "--etcd-key", key]);

        Assert.Equal(2, r.Exit);
        Assert.Contains("the consortium file is not valid", r.All, StringComparison.Ordinal);
        Assert.Contains("members[0].publicKey", r.All, StringComparison.Ordinal);
        Assert.Contains("etcd.caFile", r.All, StringComparison.Ordinal);
        AssertNoStackTrace(r);
        Assert.False(File.Exists(Path.Combine(Data, "medledger.db")));
    }

    [Fact]
    public async Task Serve_refuses_a_peer_key_that_is_not_the_listed_one_and_names_missing_options()
    {
        var file = WriteConsortium(LedgerCrypto.GenerateKeyPair().PublicKey);
        var key = Path.Combine(_dir, "other.key");
        await File.WriteAllBytesAsync(key, LedgerCrypto.GenerateKeyPair().PrivateKey);

        var wrongKey = await CliBinary.RunAsync(["serve", "--data", Data, "--consortium", file, "--peer", "hospital-a", "--peer-key", key, "--etcd-cert", key, "--etcd-key", key]);
        Assert.Equal(2, wrongKey.Exit);
        Assert.Contains("not the one the consortium file lists for 'hospital-a'", wrongKey.All, StringComparison.Ordinal);
        AssertNoStackTrace(wrongKey);

        var missing = await CliBinary.RunAsync(["serve", "--data", Data, "--consortium", file, "--peer", "hospital-a"]);
        Assert.Equal(2, missing.Exit);
        Assert.Contains("--consortium needs --peer-key, --etcd-cert, --etcd-key", missing.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Data, "peer.key")));
    }

    [Fact]
    public async Task Serve_join_refuses_to_run_without_a_consortium_or_with_a_url_that_is_not_http_and_touches_no_folder()
    {
        var file = WriteConsortium(LedgerCrypto.GenerateKeyPair().PublicKey);
        var key = Path.Combine(_dir, "peer.key");
        await File.WriteAllBytesAsync(key, LedgerCrypto.GenerateKeyPair().PrivateKey);

        var alone = await CliBinary.RunAsync(["serve", "--data", Data, "--join", "http://127.0.0.1:5181"]);
        Assert.Equal(2, alone.Exit);
        Assert.Contains("--join needs --consortium", alone.All, StringComparison.Ordinal);
        AssertNoStackTrace(alone);

        var notUrl = await CliBinary.RunAsync(["serve", "--data", Data, "--consortium", file, "--peer", "hospital-a", "--peer-key", key,
            "--etcd-cert", key, "--etcd-key", key, "--join", "ftp://member"]);
        Assert.Equal(2, notUrl.Exit);
        Assert.Contains("--join must be a member's http(s) URL", notUrl.All, StringComparison.Ordinal);
        AssertNoStackTrace(notUrl);
        Assert.False(File.Exists(Path.Combine(Data, "peer.key")));
    }

    [Fact]
    public async Task A_consortium_members_data_folder_is_never_served_or_given_an_admin_with_the_embedded_orderer()
    {
        Directory.CreateDirectory(Data);
        await File.WriteAllTextAsync(Path.Combine(Data, "consortium-peer"), "hospital-a");

        var serve = await CliBinary.RunAsync(["serve", "--data", Data, "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(2, serve.Exit);
        Assert.Contains("consortium peer 'hospital-a'", serve.All, StringComparison.Ordinal);
        AssertNoStackTrace(serve);

        var admin = await CliBinary.RunAsync(["admin", "create", "--data", Data, "--email", "root@example.org", "--password", "a long enough password"]);
        Assert.Equal(2, admin.Exit);
        Assert.Contains("an embedded orderer would fork the shared", admin.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Data, "medledger.db")));
    }
}
