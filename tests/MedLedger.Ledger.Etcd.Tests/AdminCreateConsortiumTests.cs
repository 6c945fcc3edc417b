using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// `medledger admin create --consortium …` gives a consortium member its first platform admin without a demo world: the
/// admin's bootstrap goes through the member's etcd ordering and is certified by the others like any transaction (an
/// embedded orderer on a member's folder would fork the shared ledger, so the plain form stays refused there).
/// </summary>
public sealed class AdminCreateConsortiumTests
{
    private const string Password = "a long consortium admin passphrase";

    [Fact]
    public async Task A_members_first_admin_is_created_on_the_shared_ledger_and_signs_in_on_its_server()
    {
        await using var servers = await ConsortiumServers.StartAsync(launch: [0, 1]);
        var pki = Path.Combine(servers.Cluster.Dir, "pki");
        string[] member =
        [
            "--data", servers.DataDir(2), "--consortium", servers.ConsortiumFile, "--peer", "insurer",
            "--peer-key", Path.Combine(servers.Dir, "insurer", "peer.key"),
            "--etcd-cert", Path.Combine(pki, "client-insurer.pem"), "--etcd-key", Path.Combine(pki, "client-insurer-key.pem"),
        ];

        // A missing option is named before anything is asked or touched.
        var missing = await ConsortiumServers.RunCliAsync(["admin", "create", "--email", "root@insurer.test", "--password", Password, "--data", servers.DataDir(2), "--consortium", servers.ConsortiumFile]);
        Assert.Equal(2, missing.Exit);
        Assert.Contains("--consortium needs --peer, --peer-key, --etcd-cert, --etcd-key", missing.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(servers.DataDir(2)) && File.Exists(Path.Combine(servers.DataDir(2), "medledger.db")));

        var created = await ConsortiumServers.RunCliAsync(["admin", "create", "--email", "root@insurer.test", "--password", Password, .. member]);
        Assert.True(created.Exit == 0, created.Output);
        var id = System.Text.RegularExpressions.Regex.Match(created.Output, "Platform admin created: ([0-9a-f-]{36})").Groups[1].Value;
        Assert.True(Guid.TryParse(id, out _), created.Output);

        // The bootstrap is a valid transaction on the other organisations' ledgers too: ordered by etcd, not embedded.
        var onA = await servers.Store(0).GetTransactionsBySubjectAsync(id, long.MaxValue, 10);
        Assert.Contains(onA, t => t.Valid);

        // The plain form still refuses the member's folder (it would order the bootstrap alone).
        var embedded = await ConsortiumServers.RunCliAsync(["admin", "create", "--email", "other@insurer.test", "--password", Password, "--data", servers.DataDir(2)]);
        Assert.Equal(2, embedded.Exit);
        Assert.True(Flat(embedded.Output).Contains("an embedded orderer would fork the shared ledger", StringComparison.Ordinal), embedded.Output);

        await servers.RestartAsync(2);
        using var client = new MedLedgerClient(new HttpClient { BaseAddress = new Uri(servers.Urls[2]), Timeout = TimeSpan.FromSeconds(30) }, ownsHttp: true);
        var me = await client.LoginWithDevOutboxAsync("root@insurer.test", Password);
        Assert.Equal(Role.PlatformAdmin, me.Role);
        Assert.Equal(Guid.Parse(id), me.Id);

        // The same address again is refused; the member's ledger (every certificate included) verifies.
        await servers.StopAsync(2);
        var again = await ConsortiumServers.RunCliAsync(["admin", "create", "--email", "ROOT@insurer.test", "--password", Password, .. member]);
        Assert.Equal(1, again.Exit);
        Assert.Contains("already exists", again.Output, StringComparison.Ordinal);
        var verify = await ConsortiumServers.RunCliAsync(["ledger", "verify", "--data", servers.DataDir(2)]);
        Assert.True(verify.Exit == 0, verify.Output);
    }

    // The console wraps long messages at its width.
    private static string Flat(string text) => string.Join(' ', text.Split([' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
}
