using System.Net;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace MedLedger.Server.Tests.Features.Ledger;

/// <summary>
/// GET /api/ledger/replay (docs/ledger.md "Joining"): certified blocks in full for a consortium member that joins, and
/// for nobody else. The host's consortium here is its own peer plus "peer-j" (k = 2); the embedded test server has no
/// certificate exchange, so peer-j's co-signatures are written the way a consortium peer's certifier stores them.
/// </summary>
public sealed class LedgerReplayTests : IAsyncLifetime
{
    private readonly (byte[] Private, byte[] Public) _member = LedgerCrypto.GenerateKeyPair();
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(c =>
    {
        c["Ledger:PeerKeys:peer-j"] = Convert.ToBase64String(_member.Public);
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private LedgerPeer Peer => _host.Service<LedgerPeer>();

    private async Task<long> CommitBlocksAsync(int blocks, bool certify = true)
    {
        for (var i = 0; i < blocks; i++)
        {
            await Peer.SubmitAsync(Registration());
        }
        var head = Peer.Head!.Height;
        if (certify)
        {
            await CertifyAsync(1, head);
        }
        return head;
    }

    private async Task CertifyAsync(long from, long to)
    {
        await using var db = new SqliteConnection($"Data Source={Path.Combine(_host.DataDirectory, "medledger.db")};Pooling=False");
        await db.OpenAsync();
        using var member = new LedgerSigningKey(_member.Private);
        for (var h = from; h <= to; h++)
        {
            var header = (await Peer.Store.GetHeaderAsync(h))!;
            foreach (var (peer, signature) in new[] { (Peer.PeerId, header.Signature), ("peer-j", member.Sign(header.SigningBytes())) })
            {
                await using var cmd = db.CreateCommand();
                cmd.CommandText = "INSERT INTO ledger_certificates (height, peer_id, signature) VALUES ($h, $p, $s) ON CONFLICT DO NOTHING";
                cmd.Parameters.AddWithValue("$h", h);
                cmd.Parameters.AddWithValue("$p", peer);
                cmd.Parameters.AddWithValue("$s", signature);
                await cmd.ExecuteNonQueryAsync();
            }
        }
    }

    private static LedgerTransaction Registration()
    {
        var (priv, pub) = LedgerCrypto.GenerateKeyPair();
        var id = Guid.NewGuid();
        return LedgerTransaction.Create(RegisterKeysContract.TypeName, id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
            RegisterKeysContract.Payload(id, IdentityRoles.Patient, pub, LedgerCrypto.GenerateKeyPair().PublicKey), priv);
    }

    private HttpRequestMessage Signed(string pathAndQuery, string peerId = "peer-j", byte[]? key = null, TimeSpan? age = null, string? signedPath = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        using var signing = new LedgerSigningKey(key ?? _member.Private);
        var time = (_host.Clock.GetUtcNow() - (age ?? TimeSpan.Zero)).ToUnixTimeMilliseconds();
        var (peer, t, signature) = PeerRequest.Sign(peerId, "GET", signedPath ?? pathAndQuery, time, signing);
        request.Headers.Add(PeerRequest.PeerHeader, peer);
        request.Headers.Add(PeerRequest.TimeHeader, t);
        request.Headers.Add(PeerRequest.SignatureHeader, signature);
        return request;
    }

    [Fact]
    public async Task A_member_pulls_certified_blocks_in_full_in_log_order_bounded_by_count_and_an_empty_page_at_the_head()
    {
        var head = await CommitBlocksAsync(3, certify: false);
        using var client = _host.CreateClient();
        // One signature of two: not certified yet, so not served (a joiner reads such a block's envelope from etcd).
        var uncertified = await (await client.SendAsync(Signed("/api/ledger/replay?from=1"))).Read<ReplayResponse>();
        Assert.Equal(head, uncertified.Head);
        Assert.Empty(uncertified.Blocks);
        await CertifyAsync(1, head);

        var all = await (await client.SendAsync(Signed("/api/ledger/replay?from=1&count=100"))).Read<ReplayResponse>();
        Assert.Equal(head, all.Head);
        Assert.Equal(Enumerable.Range(1, (int)head).Select(h => (long)h), all.Blocks.Select(b => b.Header.Height));
        var view = Peer.Consortium;
        foreach (var b in all.Blocks)
        {
            Assert.Null(view.VerifyCertificate(b.Header));
            Assert.Equal(b.Header.TransactionCount, b.Transactions.Count);
            var stored = await Peer.Store.GetTransactionsInRangeAsync(b.Header.FirstIndex, b.Header.TreeSize);
            Assert.Equal(stored.Select(t => t.Transaction.Signature), b.Transactions.Select(t => t.Signature));
            Assert.All(b.Transactions, t => Assert.True(LedgerTransaction.FromSigningBytes(t.SigningBytes, t.Signature).VerifySignature()));
        }

        var one = await (await client.SendAsync(Signed("/api/ledger/replay?from=2&count=1"))).Read<ReplayResponse>();
        Assert.Equal([2L], one.Blocks.Select(b => b.Header.Height));
        var atHead = await (await client.SendAsync(Signed($"/api/ledger/replay?from={head + 1}"))).Read<ReplayResponse>();
        Assert.Empty(atHead.Blocks);
    }

    [Fact]
    public async Task No_signature_a_non_member_a_members_id_with_another_key_a_stale_time_and_a_signature_over_another_path_are_refused()
    {
        await CommitBlocksAsync(1);
        using var client = _host.CreateClient();
        const string Path = "/api/ledger/replay?from=1&count=10";
        var stranger = LedgerCrypto.GenerateKeyPair().PrivateKey;

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(Path)).StatusCode);
        // A signed-in platform user is still not a peer.
        var users = new TestUsers(_host);
        var user = await users.LoginWithEmailCodeAsync(await users.RegisterAsync(MedLedger.Server.Features.Accounts.Role.Patient));
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Api.GetAsync(Path)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Signed(Path, peerId: "peer-z", key: stranger))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Signed(Path, key: stranger))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Signed(Path, age: TimeSpan.FromMinutes(6)))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Signed(Path, age: -TimeSpan.FromMinutes(6)))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Signed(Path, signedPath: "/api/ledger/replay?from=2&count=10"))).StatusCode);
        var problem = await (await client.SendAsync(Signed(Path, key: stranger))).Problem();
        Assert.Contains("does not verify", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("from=0")]
    [InlineData("from=-3")]
    [InlineData("from=99")]
    [InlineData("from=1&count=0")]
    [InlineData("from=1&count=101")]
    [InlineData("count=5")]
    public async Task A_bad_range_is_a_422_and_a_malformed_number_a_400_never_a_500(string query)
    {
        await CommitBlocksAsync(1);
        using var client = _host.CreateClient();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.SendAsync(Signed("/api/ledger/replay?" + query))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(Signed("/api/ledger/replay?from=abc"))).StatusCode);
    }
}
