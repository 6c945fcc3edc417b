using System.Net;
using System.Security.Cryptography;
using MedLedger.Ledger;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace MedLedger.Server.Tests.Features.Admin;

/// <summary>
/// Issue 14 item 4: the admin sees the consortium — members, threshold, fingerprint, who certified the newest block — and
/// the Byzantine evidence the peer keeps, served whole and re-checked so anyone can verify it offline. Admins only.
/// </summary>
public sealed class ConsortiumStatusTests : HttpUserTestBase
{
    [Fact]
    public async Task The_embedded_peer_is_a_consortium_of_one_that_certifies_its_head_and_holds_no_evidence()
    {
        var admin = await Users.CreateAdminAsync();
        var peer = Host.Service<LedgerGateway>().Peer;
        var s = await admin.Api.GetFromJsonAsyncSafe<ConsortiumStatusResponse>("/api/admin/consortium");
        Assert.Equal(1, s.Threshold);
        Assert.Equal(ConsortiumView.Single(peer.PeerId, peer.PublicKey).Fingerprint, s.Fingerprint);
        var member = Assert.Single(s.Members);
        Assert.Equal((peer.PeerId, true, false), (member.PeerId, member.ThisPeer, member.Excluded));
        Assert.Equal(peer.PublicKey, member.PublicKey);
        var head = await peer.Queries.GetHeadAsync();
        Assert.NotNull(s.Head);
        Assert.True(s.Head.Height >= head!.Height);
        Assert.True(s.Head.Certified);
        Assert.Equal([peer.PeerId], s.Head.Signers);
        Assert.Empty(s.Evidence);
    }

    [Fact]
    public async Task Evidence_against_a_member_is_served_whole_and_rechecked_newest_first_and_only_to_admins()
    {
        var admin = await Users.CreateAdminAsync();
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        var peer = Host.Service<LedgerGateway>().Peer;
        var ours = (await peer.Queries.GetHeadAsync())!;
        // What a peer with altered contract code signs: the same block with another state root. Signed here with this
        // peer's real key (the embedded consortium's only member), so the re-check must find it valid; a row naming a
        // non-member, whose key nobody pinned, can never verify.
        var theirs = ours with { StateRoot = SHA256.HashData("altered"u8) };
        using var memberKey = new LedgerSigningKey(LedgerContractCatalog.LoadOrCreatePeerKey(Host.DataDirectory));
        Assert.Equal(peer.PublicKey, memberKey.PublicKey);
        var signed = memberKey.Sign(theirs.SigningBytes());
        await InsertEvidenceAsync(peer.PeerId, ours.Height, theirs.SigningBytes(), signed, ours.Hash(), 1_000);
        await InsertEvidenceAsync("insurer-c", ours.Height - 1, theirs.SigningBytes(), signed, ours.Hash(), 2_000);

        var s = await admin.Api.GetFromJsonAsyncSafe<ConsortiumStatusResponse>("/api/admin/consortium");
        Assert.Equal(["insurer-c", peer.PeerId], s.Evidence.Select(e => e.PeerId));
        var e = s.Evidence[1];
        Assert.Equal(ours.Height, e.Height);
        Assert.Equal(theirs.SigningBytes(), e.TheirHeaderBytes);
        Assert.Equal(signed, e.TheirSignature);
        Assert.Equal(Convert.ToHexStringLower(theirs.Hash()), e.TheirHeaderHash);
        Assert.NotEqual(e.TheirHeaderHash, e.OurHeaderHash);
        Assert.Equal(Convert.ToHexStringLower(ours.Hash()), e.OurHeaderHash);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_000), e.FoundAt);
        Assert.True(e.SignatureVerifies);
        Assert.False(s.Evidence[0].SignatureVerifies);
        Assert.True(Assert.Single(s.Members).Excluded);

        Assert.Equal(HttpStatusCode.Forbidden, (await patient.Api.GetAsync("/api/admin/consortium")).StatusCode);
        using var anonymous = Host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/consortium")).StatusCode);
    }

    private async Task InsertEvidenceAsync(string peerId, long height, byte[] theirBytes, byte[] theirSignature, byte[] ourHash, long foundAtMs)
    {
        // A consortium peer's certifier writes these rows when a member signs another header; the embedded test server has
        // no other member, so the row is written the way the certifier stores it.
        await using var db = new SqliteConnection($"Data Source={Path.Combine(Host.DataDirectory, "medledger.db")};Pooling=False");
        await db.OpenAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "INSERT INTO ledger_evidence (peer_id, height, their_header_bytes, their_signature, our_header_hash, found_at_ms) VALUES ($p, $h, $b, $s, $o, $f)";
        cmd.Parameters.AddWithValue("$p", peerId);
        cmd.Parameters.AddWithValue("$h", height);
        cmd.Parameters.AddWithValue("$b", theirBytes);
        cmd.Parameters.AddWithValue("$s", theirSignature);
        cmd.Parameters.AddWithValue("$o", ourHash);
        cmd.Parameters.AddWithValue("$f", foundAtMs);
        await cmd.ExecuteNonQueryAsync();
    }
}
