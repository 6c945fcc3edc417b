using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Admin;

/// <summary>
/// POST /api/admin/consortium/approvals on the embedded peer (issue 14 item 3): its consortium is its configuration and
/// has no genesis, so a well-formed approval is a clear 409 and nothing reaches the ledger; malformed ones are one 422
/// with every field error; only platform admins may ask. (Approvals that add a member: MembershipTests on etcd.)
/// </summary>
public sealed class ConsortiumApprovalTests : HttpUserTestBase
{
    private const string Url = "/api/admin/consortium/approvals";

    [Fact]
    public async Task On_a_ledger_without_consortium_genesis_an_approval_is_a_clear_conflict_and_changes_nothing()
    {
        var admin = await Users.CreateAdminAsync();
        var peer = Host.Service<LedgerGateway>().Peer;
        var before = (await peer.Queries.GetHeadAsync())!.TreeSize;
        var (_, key) = LedgerCrypto.GenerateKeyPair();

        var res = await admin.Api.PostAsJsonAsync(Url, new ConsortiumApprovalRequest("peer-d", Convert.ToBase64String(key), null));
        Assert.Equal(HttpStatusCode.Conflict, res.StatusCode);
        Assert.Contains("no consortium genesis", (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(peer.ConsortiumPinned);
        Assert.Equal(before, (await peer.Queries.GetHeadAsync())!.TreeSize);

        // What a client reads: the view from configuration, no genesis, no changes.
        var consortium = await admin.Api.GetFromJsonAsyncSafe<ConsortiumResponse>("/api/ledger/consortium");
        Assert.Null(consortium.Genesis);
        Assert.Empty(consortium.Changes!);
        Assert.Equal(peer.Consortium.Fingerprint, consortium.Fingerprint);
        var status = await admin.Api.GetFromJsonAsyncSafe<ConsortiumStatusResponse>("/api/admin/consortium");
        Assert.Empty(status.Pending!);
        Assert.Empty(status.History!);
    }

    [Fact]
    public async Task A_malformed_approval_is_one_422_naming_every_bad_field()
    {
        var admin = await Users.CreateAdminAsync();
        var peer = Host.Service<LedgerGateway>().Peer;
        var res = await admin.Api.PostAsJsonAsync(Url, new ConsortiumApprovalRequest("bad id!", Convert.ToBase64String(new byte[33]), 7));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, res.StatusCode);
        var errors = (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("peerId", out _));
        Assert.True(errors.TryGetProperty("publicKey", out _));
        Assert.True(errors.TryGetProperty("threshold", out _));

        // A current member's key is refused too, and null fields are named as required.
        var reused = await admin.Api.PostAsJsonAsync(Url, new ConsortiumApprovalRequest("peer-d", Convert.ToBase64String(peer.PublicKey), null));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        var empty = await admin.Api.PostAsJsonAsync(Url, new ConsortiumApprovalRequest(null, null, null));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, empty.StatusCode);
        var emptyErrors = (await empty.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(emptyErrors.TryGetProperty("peerId", out _) && emptyErrors.TryGetProperty("publicKey", out _));
        var broken = await admin.Api.PostAsync(Url, new StringContent("{\"peerId\":", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
    }

    [Fact]
    public async Task Only_platform_admins_may_approve_a_member_patients_get_403_and_anonymous_callers_401()
    {
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        var (_, key) = LedgerCrypto.GenerateKeyPair();
        var body = new ConsortiumApprovalRequest("peer-d", Convert.ToBase64String(key), null);
        Assert.Equal(HttpStatusCode.Forbidden, (await patient.Api.PostAsJsonAsync(Url, body)).StatusCode);
        using var anonymous = Host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync(Url, body)).StatusCode);
    }
}
