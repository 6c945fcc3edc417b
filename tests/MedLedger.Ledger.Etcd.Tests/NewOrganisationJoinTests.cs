using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MedLedger.Client;
using Xunit.Abstractions;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// Issue 14: a NEW organisation joins a running consortium end to end, with real processes on loopback. The consortium
/// file names three members (k = 2); the fourth (clinic-d) is in no file: the test makes its peer key and its etcd user
/// (`etcd-cluster.sh add-user`), two members' platform admins (made with `admin create --consortium`) approve it, and it
/// starts with `--join` on an empty folder. Without the approvals the same server must refuse to run. Loops bounded in
/// count and time; processes ended by their own pids.
/// </summary>
/// <remarks>
/// The approvals go through `POST /api/admin/consortium/approvals` with an SDK session, not `medledger consortium approve`:
/// the CLI signs in non-interactively only with a TOTP code, and admins made by `admin create` have the e-mailed code,
/// which the test reads from the dev outbox through the SDK.
/// </remarks>
public sealed class NewOrganisationJoinTests(ITestOutputHelper output)
{
    private const string Password = "a long consortium admin passphrase";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task An_organisation_absent_from_the_file_is_refused_until_two_members_approve_then_joins_is_certified_3_of_4_and_every_folder_verifies()
    {
        var phase = Stopwatch.StartNew();
        // Only the insurer runs while hospital-a and hospital-b get their first admins (each `admin create` runs its own
        // member's server for the bootstrap, so k = 2 members take part).
        await using var servers = await ConsortiumServers.StartAsync(launch: [2]);
        for (var i = 0; i < 2; i++)
        {
            var created = await ConsortiumServers.RunCliAsync(["admin", "create", "--email", Admin(i), "--password", Password, .. servers.MemberOptions(i)]);
            Assert.True(created.Exit == 0, created.Output);
        }
        await Task.WhenAll(servers.RestartAsync(0), servers.RestartAsync(1));
        output.WriteLine($"three members with two admins up in {phase.ElapsedMilliseconds} ms");

        var publicKey = await servers.NewOrganisationAsync();

        // Not approved yet: the new organisation's server pulls from a member, is refused, and stops (exit code 3) saying why.
        var refused = await servers.JoinRefusedAsync(member: 0, Bound);
        output.WriteLine($"unapproved join ended with {refused.Exit}:\n{refused.Log}");
        Assert.Equal(3, refused.Exit);
        Assert.Contains("not a member", refused.Log, StringComparison.Ordinal);
        Assert.Equal(3, (await ConsortiumAsync(servers.Urls[0])).Members);
        Directory.Delete(servers.DataDir(3), recursive: true);

        // hospital-a's approval alone does not admit it (k = 2); hospital-b's completes the change.
        var first = await ApproveAsync(servers.Urls[0], Admin(0), publicKey);
        Assert.True(first.Valid, first.Reason);
        Assert.Equal(3, (await ConsortiumAsync(servers.Urls[0])).Members);
        var second = await ApproveAsync(servers.Urls[1], Admin(1), publicKey);
        Assert.True(second.Valid, second.Reason);
        await UntilAsync(async () => (await ConsortiumAsync(servers.Urls[0])) == (4, 3), "the 4-member view (k = 3) in effect on hospital-a");
        var heightAtJoin = servers.Head(0).Height;

        await servers.JoinAsync(member: 0);
        output.WriteLine($"{ConsortiumServers.Joiner} up with --join at member height {heightAtJoin} by {phase.ElapsedMilliseconds} ms");
        Assert.Equal((4, 3), await ConsortiumAsync(servers.Urls[3]));

        // A registration through the new organisation's server: ordered, applied everywhere, certified by 3 of the 4.
        using var client = new MedLedgerClient(new HttpClient { BaseAddress = new Uri(servers.Urls[3]), Timeout = TimeSpan.FromSeconds(60) }, ownsHttp: true);
        var registration = await client.RegisterWithDevOutboxAsync($"patient-{Guid.NewGuid():N}@clinic-d.join.test", "a long patient passphrase", Role.Patient);
        var receipt = registration.KeyRegistrationReceipt;
        Assert.True(receipt.Valid, receipt.Reason);
        Assert.True(receipt.BlockHeight > heightAtJoin);
        for (var i = 0; i < 4; i++)
        {
            var store = servers.Store(i);
            await UntilAsync(async () => (await store.GetCertificateAsync(receipt.BlockHeight)).Select(s => s.PeerId).Distinct().Count() >= 3,
                $"server {i} holds k = 3 signatures for block {receipt.BlockHeight}");
        }
        var signers = (await servers.Store(0).GetCertificateAsync(receipt.BlockHeight)).Select(s => s.PeerId).ToHashSet();
        output.WriteLine($"block {receipt.BlockHeight} certified on hospital-a by {string.Join(", ", signers)}");
        await UntilJoinerSignsAsync(servers, receipt.BlockHeight);

        var head = await servers.SameHeadAsync(Bound, servers: 4);
        output.WriteLine($"same head on all four: height {head.Height} {head.Hash[..16]}…");
        Assert.Equal(1, servers.ValidTransactions(0).GetValueOrDefault(receipt.TransactionId));
        Assert.Equal(1, servers.ValidTransactions(3).GetValueOrDefault(receipt.TransactionId));

        // Offline verification of every folder, the original members' included: their consortium.json names three peers,
        // so the new peer's blocks and signatures verify only if membership is taken from the ledger.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(servers.StopAsync));
        var verified = await Task.WhenAll(Enumerable.Range(0, 4).Select(servers.VerifyAsync));
        for (var i = 0; i < 4; i++)
        {
            output.WriteLine($"server {i} ledger verify: {verified[i].Output.Trim()}");
            Assert.True(verified[i].Exit == 0, verified[i].Output);
        }
    }

    private static string Admin(int i) => $"root@{ConsortiumServers.Peers[i]}.join.test";

    private static async Task<LedgerReceipt> ApproveAsync(string url, string email, byte[] publicKey)
    {
        using var client = new MedLedgerClient(new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) }, ownsHttp: true);
        var me = await client.LoginWithDevOutboxAsync(email, Password);
        Assert.Equal(Role.PlatformAdmin, me.Role);
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await client.GetAccessTokenAsync());
        using var res = await http.PostAsJsonAsync(new Uri("/api/admin/consortium/approvals", UriKind.Relative),
            new { peerId = ConsortiumServers.Joiner, publicKey = Convert.ToBase64String(publicKey), threshold = 3 });
        var body = await res.Content.ReadAsStringAsync();
        Assert.True(res.IsSuccessStatusCode, $"{(int)res.StatusCode} {body}");
        return JsonSerializer.Deserialize<LedgerReceipt>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    /// <summary>Members and k of the view server <paramref name="url"/> has in effect (anonymous endpoint).</summary>
    private static async Task<(int Members, int Threshold)> ConsortiumAsync(string url)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/ledger/consortium", UriKind.Relative)));
        return (doc.RootElement.GetProperty("members").GetArrayLength(), doc.RootElement.GetProperty("threshold").GetInt32());
    }

    // The new peer signs every block it applies, but its signature may reach hospital-a after k others already certified
    // the registration's block; any block from there on carrying it shows it takes part.
    private static Task UntilJoinerSignsAsync(ConsortiumServers servers, long from)
    {
        var store = servers.Store(0);
        return UntilAsync(async () =>
        {
            for (var h = from; h <= servers.Head(0).Height; h++)
            {
                if ((await store.GetCertificateAsync(h)).Any(s => s.PeerId == ConsortiumServers.Joiner))
                {
                    return true;
                }
            }
            return false;
        }, "the new peer's signature in hospital-a's certificates");
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"not within {Bound}: {what}");
            }
            await Task.Delay(200);
        }
    }
}
