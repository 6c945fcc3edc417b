using System.Net;
using MedLedger.Ledger;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Ledger;

public sealed class LedgerApiTests : IAsyncLifetime
{
    private TestHost _host = null!;
    private TestUsers _users = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        _users = new TestUsers(_host);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Registration_commits_the_client_signed_keys_and_the_receipt_verifies_offline()
    {
        var userId = Guid.NewGuid();
        var (authKey, kdf, upload, keys) = TestUsers.ClientSideKeys("pw for ledger");
        using var anon = _host.CreateClient();
        var res = await TestUsers.RegisterAndConfirmAsync(anon, new RegisterRequest(userId, "ledger@example.org", Role.Patient, authKey, kdf, upload, TestUsers.KeyRegistration(userId, Role.Patient, keys)));
        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        var body = await res.Read<RegisterResponse>();
        var patient = await _users.LoginWithEmailCodeAsync(new TestUser { Id = userId, Email = "ledger@example.org", Password = "pw for ledger", Role = Role.Patient, AuthKey = authKey, Keys = keys });
        var peer = await patient.Api.GetFromJsonAsyncSafe<PeerInfo>("/api/ledger/peer");
        Assert.Null(body.KeyRegistrationReceipt.Verify(peer.PublicKey));
        Assert.True(body.KeyRegistrationReceipt.Valid);
        Assert.NotNull(body.KeyRegistrationReceipt.Verify(MedLedger.Crypto.KeyBundle.Generate().Signing.PublicKey));

        var tx = await patient.Api.GetFromJsonAsyncSafe<TransactionResponse>($"/api/ledger/transactions/{body.KeyRegistrationReceipt.TransactionId}");
        Assert.Equal(Convert.ToBase64String(keys.Signing.PublicKey), tx.Payload["signingKey"]);
        Assert.True(Rfc6962.VerifyInclusion(tx.LogIndex, tx.TreeSize, tx.LeafHash, tx.InclusionProof, tx.RootHash));
        // Key transparency: what the server serves equals what the ledger holds.
        var served = await patient.Api.GetFromJsonAsyncSafe<PublicKeysResponse>($"/api/users/{userId}/keys");
        Assert.True(await _host.Service<LedgerGateway>().Peer.Queries.GetRegisteredKeysAsync(userId.ToString()) is { } reg
            && reg.IsCurrentSigningKey(served.SigningPublicKey) && reg.IsCurrentEncryptionKey(served.EncryptionPublicKey));
    }

    [Fact]
    public async Task A_replayed_key_registration_is_refused()
    {
        var userId = Guid.NewGuid();
        var (authKey, kdf, upload, keys) = TestUsers.ClientSideKeys("pw");
        var reg = TestUsers.KeyRegistration(userId, Role.Patient, keys);
        using var anon = _host.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await TestUsers.RegisterAndConfirmAsync(anon, new RegisterRequest(userId, "one@example.org", Role.Patient, authKey, kdf, upload, reg))).StatusCode);
        var again = await anon.PostJson("/api/auth/register", new RegisterRequest(Guid.NewGuid(), "two@example.org", Role.Patient, authKey, kdf, upload, reg));
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode); // the actor is someone else
        // The user id is taken, so the start answers like any other and keeps a decoy that never confirms: no code is sent.
        var forged = await anon.PostJson("/api/auth/register", new RegisterRequest(userId, "three@example.org", Role.Patient, authKey, kdf, upload, reg with { Signature = new byte[64] }));
        Assert.Equal(HttpStatusCode.Accepted, forged.StatusCode);
        Assert.Empty(await new MedLedger.Client.MedLedgerClient(anon).ReadDevOutboxAsync("three@example.org"));
        // A forged signature for a fresh id is refused by the ledger at confirm, and nothing is registered.
        var freshId = Guid.NewGuid();
        var forgedFresh = await TestUsers.RegisterAndConfirmAsync(anon, new RegisterRequest(freshId, "five@example.org", Role.Patient, authKey, kdf, upload,
            TestUsers.KeyRegistration(freshId, Role.Patient, keys) with { Signature = new byte[64] }));
        Assert.True(forgedFresh.StatusCode is HttpStatusCode.Conflict or (HttpStatusCode)422, forgedFresh.StatusCode.ToString());
        Assert.Null(await _host.Service<LedgerGateway>().Peer.Queries.GetRegisteredKeysAsync(freshId.ToString()));
        var garbage = await anon.PostJson("/api/auth/register", new RegisterRequest(Guid.NewGuid(), "four@example.org", Role.Patient, authKey, kdf, upload, new SignedTransactionDto([1, 2, 3], [4])));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        await garbage.Problem();
    }

    [Fact]
    public async Task Verification_decisions_are_on_the_ledger_and_patients_see_only_their_own_transactions()
    {
        var admin = await _users.CreateAdminAsync();
        var staff = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital()));
        await _users.AdminDecideAsync(admin, staff.Id, organization: false, approve: true);
        var staffLog = await staff.Api.GetFromJsonAsyncSafe<List<TransactionSummary>>("/api/ledger/mine");
        Assert.Contains(staffLog, t => t.Type == "identity.verify" && t.Payload["decision"] == "approved");
        Assert.Contains(staffLog, t => t.Type == "identity.register-keys");
        Assert.All(staffLog, t => Assert.DoesNotContain(staff.Email, string.Join(",", t.Payload.Values)));

        var patient = await _users.LoginWithEmailCodeAsync(await _users.RegisterAsync(Role.Patient));
        var foreign = staffLog.First(t => t.Type == "identity.verify");
        Assert.Equal(HttpStatusCode.NotFound, (await patient.Api.GetAsync($"/api/ledger/transactions/{foreign.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.Api.GetAsync($"/api/ledger/transactions/{foreign.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await patient.Api.GetAsync($"/api/ledger/about/{staff.Id}")).StatusCode);

        var head = await patient.Api.GetFromJsonAsyncSafe<BlockHeader>("/api/ledger/head");
        var block = await patient.Api.GetFromJsonAsyncSafe<BlockResponse>($"/api/ledger/blocks/{head.Height}");
        Assert.Null(block.TransactionIds);
        var adminBlock = await admin.Api.GetFromJsonAsyncSafe<BlockResponse>($"/api/ledger/blocks/{head.Height}");
        Assert.NotNull(adminBlock.TransactionIds);

        var c = await patient.Api.GetFromJsonAsyncSafe<ConsistencyProofResult>($"/api/ledger/consistency?from=1&to={head.TreeSize}");
        Assert.True(Rfc6962.VerifyConsistency(1, head.TreeSize, c.OldRoot, c.NewRoot, c.Proof));
        Assert.Equal(head.RootHash, c.NewRoot);
        Assert.Equal((HttpStatusCode)422, (await patient.Api.GetAsync($"/api/ledger/consistency?from=5&to=2")).StatusCode);
        Assert.Equal((HttpStatusCode)422, (await patient.Api.GetAsync($"/api/ledger/transactions/not-hex")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await patient.Api.GetAsync($"/api/ledger/blocks/999999")).StatusCode);
    }

    [Fact]
    public async Task Mangled_signed_transactions_are_refused_with_problems_never_500_and_register_nobody()
    {
        var (authKey, kdf, upload, keys) = TestUsers.ClientSideKeys("pw");
        var userId = Guid.NewGuid();
        var good = TestUsers.KeyRegistration(userId, Role.Patient, keys);
        var variants = new List<SignedTransactionDto>();
        for (var cut = 0; cut < good.Transaction.Length; cut += 7)
        {
            variants.Add(good with { Transaction = good.Transaction[..cut] });
        }
        for (var pos = 0; pos < good.Transaction.Length; pos += 5)
        {
            var flipped = good.Transaction.ToArray();
            flipped[pos] ^= 0xFF;
            variants.Add(good with { Transaction = flipped });
        }
        variants.Add(good with { Signature = good.Signature[..10] });
        variants.Add(good with { Transaction = [.. good.Transaction, 0, 0, 0, 1] });
        using var anon = _host.CreateClient();
        var i = 0;
        foreach (var v in variants)
        {
            var res = await TestUsers.RegisterAndConfirmAsync(anon, new RegisterRequest(userId, $"fuzz{i++}@example.org", Role.Patient, authKey, kdf, upload, v));
            Assert.True((int)res.StatusCode is >= 400 and < 500, $"variant {i} answered {res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
            await res.Problem();
        }
        Assert.Null(await _host.Service<LedgerGateway>().Peer.Queries.GetRegisteredKeysAsync(userId.ToString()));
    }
}
