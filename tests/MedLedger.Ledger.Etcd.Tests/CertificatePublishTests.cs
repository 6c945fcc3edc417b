using Grpc.Core;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// A group commit's signatures go to etcd in one Txn (issue 14 item 8) without weakening what docs/ledger.md
/// "Commit certificates on etcd" promises: every height's key is still create-once on its own, and a peer still
/// writes only under its own certificate prefix.
/// </summary>
public sealed class CertificatePublishTests
{
    private static readonly string[] Members = ["peer-a", "peer-b", "peer-c"];

    [Fact]
    public async Task A_group_is_one_Txn_and_each_height_in_it_stays_create_once()
    {
        await using var cluster = await EtcdCluster.StartAsync(Members);
        await using var consortium = new Consortium(cluster, Members);
        await using var ordering = new EtcdOrderingService(cluster.OptionsFor("peer-b"), consortium.StoreOf("peer-b"), "peer-b",
            consortium.PrivateKeys["peer-b"], consortium.PublicKeys);
        byte[] Value(string s) => System.Text.Encoding.UTF8.GetBytes(s);

        await ordering.PublishAsync(2, Value("first at 2"), CancellationToken.None);
        var before = ordering.Traffic.CertificateWrites.Count;
        // Heights 1–4 in one call: 2 is already there and must keep its first value; 1, 3 and 4 are written.
        await ordering.PublishAsync([(1, Value("one")), (2, Value("rewrite of 2")), (3, Value("three")), (4, Value("four"))], CancellationToken.None);
        Assert.Equal(before + 1, ordering.Traffic.CertificateWrites.Count);
        // A retry of the whole group (a lost reply) changes nothing either.
        await ordering.PublishAsync([(3, Value("retry of 3")), (4, Value("retry of 4"))], CancellationToken.None);

        var read = await ReadAsync(ordering, 4);
        Assert.All(read, s => Assert.Equal("peer-b", s.PeerId));
        Assert.Equal(["first at 2", "one", "three", "four"], read.Select(s => System.Text.Encoding.UTF8.GetString(s.Value)));
        Assert.Equal(4, await ordering.LastPublishedHeightAsync(CancellationToken.None));

        // More than one Txn's worth: split, every height written once.
        var many = Enumerable.Range(10, EtcdOrderingService.MaxSignaturesPerTxn + 6).Select(h => ((long)h, Value("h" + h))).ToList();
        var writes = ordering.Traffic.CertificateWrites.Count;
        await ordering.PublishAsync(many, CancellationToken.None);
        Assert.Equal(writes + 2, ordering.Traffic.CertificateWrites.Count);
        var all = await ReadAsync(ordering, 4 + many.Count);
        Assert.Equal(many.Select(m => "h" + m.Item1), all.Skip(4).Select(s => System.Text.Encoding.UTF8.GetString(s.Value)));
        Assert.Equal(10 + many.Count - 1, await ordering.LastPublishedHeightAsync(CancellationToken.None));
    }

    // Found by this test (session 34): etcd before 3.4.42 / 3.5.28 / 3.6.9 applies RBAC to a Txn's top-level operations
    // only (CVE-2026-33343, GHSA-rfx7-8w68-q57q), so a put inside a nested Txn under another peer's prefix succeeds.
    // Debian's etcd-server 3.4.23 is affected; docs/threat-model.md says what a member can do with it. The test pins
    // both sides: on an affected etcd the squat goes through (so the documented gap is the real one), on a fixed etcd
    // the group is refused whole and nothing is written.
    [Fact]
    public async Task A_group_under_another_peers_certificate_prefix_is_refused_whole_on_an_etcd_fixed_for_CVE_2026_33343()
    {
        await using var cluster = await EtcdCluster.StartAsync(Members);
        await using var consortium = new Consortium(cluster, Members);
        // peer-b's client certificate (etcd user peer-b) with peer-a's name: the nested Txns target peer-a's prefix.
        await using var impostor = new EtcdOrderingService(cluster.OptionsFor("peer-b"), consortium.StoreOf("peer-b"), "peer-a",
            consortium.PrivateKeys["peer-b"], consortium.PublicKeys);
        await using var honest = new EtcdOrderingService(cluster.OptionsFor("peer-a"), consortium.StoreOf("peer-a"), "peer-a",
            consortium.PrivateKeys["peer-a"], consortium.PublicKeys);
        if (NestedTxnRbacFixed(await EtcdVersionAsync()))
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => impostor.PublishAsync([(1, [1]), (2, [2])], CancellationToken.None));
            Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
            Assert.Equal(0, await honest.LastPublishedHeightAsync(CancellationToken.None));
        }
        else
        {
            await impostor.PublishAsync([(1, [1]), (2, [2])], CancellationToken.None);
            Assert.Equal(2, await honest.LastPublishedHeightAsync(CancellationToken.None));
        }
    }

    private static bool NestedTxnRbacFixed(Version v) =>
        v >= new Version(3, 6, 9) || (v.Major == 3 && v.Minor == 5 && v.Build >= 28) || (v.Major == 3 && v.Minor == 4 && v.Build >= 42);

    private static async Task<Version> EtcdVersionAsync()
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("etcd", "--version") { RedirectStandardOutput = true })!;
        var text = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        var m = System.Text.RegularExpressions.Regex.Match(text, @"etcd Version: (\d+\.\d+\.\d+)");
        return m.Success ? Version.Parse(m.Groups[1].Value) : throw new InvalidOperationException("etcd --version said: " + text);
    }

    private static async Task<List<Ordering.PublishedSignature>> ReadAsync(EtcdOrderingService ordering, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var read = new List<Ordering.PublishedSignature>();
        await foreach (var s in ordering.ReadSignaturesAsync(0, timeout.Token))
        {
            read.Add(s);
            if (read.Count == count)
            {
                break;
            }
        }
        return read;
    }
}
