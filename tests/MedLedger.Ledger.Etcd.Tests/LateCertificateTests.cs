namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// Issue 14 item 3 (certificate retry): a block that missed Ledger:CertificateTimeout is not given up. The submitter
/// gets <see cref="LedgerNotCertifiedException"/>, the certifier keeps collecting, and once k members have signed the
/// late certificate is stored and served with the receipt looked up by id.
/// </summary>
public sealed class LateCertificateTests
{
    private static readonly string[] Members = ["peer-a", "peer-b", "peer-c"];

    [Fact]
    public async Task A_block_that_missed_the_certificate_timeout_is_certified_later_and_its_receipt_by_id_carries_the_certificate()
    {
        await using var cluster = await EtcdCluster.StartAsync(Members);
        await using var consortium = new Consortium(cluster, Members);
        var view = consortium.View;
        // peer-a alone: its block commits locally but only holds its own signature (k = 2 of 3).
        var (a, _) = await consortium.StartPeerAsync("peer-a", certificateTimeout: TimeSpan.FromSeconds(1));
        var tx = Consortium.Registration();
        var e = await Assert.ThrowsAsync<LedgerNotCertifiedException>(() => a.SubmitAsync(tx));
        Assert.Equal(tx.Id, e.TransactionId);
        var early = (await a.Queries.GetReceiptAsync(tx.Id))!;
        Assert.Contains("1 distinct consortium members; 2 of 3", early.Verify(view), StringComparison.Ordinal);

        // peer-b starts, applies the envelope, publishes its signature; peer-a's collector matches it after the timeout.
        var (b, _) = await consortium.StartPeerAsync("peer-b");
        await Consortium.WaitForTreeSizeAsync(b, 1);
        LedgerReceipt? late = null;
        for (var i = 0; i < 400; i++)
        {
            late = await a.Queries.GetReceiptAsync(tx.Id);
            if (late?.Verify(view) is null)
            {
                break;
            }
            await Task.Delay(50);
        }
        Assert.Null(late!.Verify(view));
        Assert.Equal(["peer-a", "peer-b"], late.Head.Certificate!.Select(s => s.PeerId));
        // The head served by the peer carries it too, and later blocks are certified as usual.
        Assert.Null(view.VerifyCertificate(a.Head!));
        var next = await a.SubmitAsync(Consortium.Registration());
        Assert.Null(next.Verify(view));
        await consortium.WaitUntilCertifiedAsync(a.Store);
    }
}
