using System.Security.Cryptography;
using System.Text.Json;
using MedLedger.Client;
using MedLedger.Ledger;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Issue 14 item 5 in the browser, from the attacker's side: the operator holds the only peer key (here read from the
/// demo server's data folder) and signs a second history for one browser. The browser remembers the newest head it
/// verified (IndexedDB) and the consortium it pinned; a head that contradicts the view, a head or receipt not certified
/// by the pinned consortium, or a changed consortium refuses the
/// sign-in with both sides shown, and a fork stays refused after a reload even once the server answers honestly.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ForkBrowserTests(BrowserWorld world)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private LedgerSigningKey PeerSigningKey() => new(File.ReadAllBytes(Path.Combine(world.Server.DataDirectory, "peer.key")));

    /// <summary>The head this browser remembers, read from its IndexedDB as the app stored it.</summary>
    private static async Task<BlockHeader> RememberedHeadAsync(IPage page)
    {
        var json = await page.EvaluateAsync<JsonElement>(
            """
            () => new Promise((resolve, reject) => {
              const open = indexedDB.open('medledger-ledger');
              open.onerror = () => reject(open.error);
              open.onsuccess = () => {
                const req = open.result.transaction('views').objectStore('views').getAll();
                req.onsuccess = () => resolve(req.result);
                req.onerror = () => reject(req.error);
              };
            })
            """);
        var view = Assert.Single(json.EnumerateArray());
        return view.GetProperty("head").Deserialize<BlockHeader>(Web)!;
    }

    private static BlockHeader Sign(LedgerSigningKey key, BlockHeader unsigned)
    {
        // The operator's own peer key signs the forgery, and it is the whole certificate, as on an honest head.
        var blank = unsigned with { Signature = [], Certificate = null };
        var signature = key.Sign(blank.SigningBytes());
        return blank with { Signature = signature, Certificate = [new PeerSignature(blank.PeerId, signature)] };
    }

    private static Task ServeHeadAsync(IPage page, BlockHeader head) =>
        page.RouteAsync("**/api/ledger/head", route => route.FulfillAsync(new()
        {
            Status = 200, ContentType = "application/json", Body = JsonSerializer.Serialize(head, Web),
        }));

    private sealed record Patient(string Email, string Password);

    private async Task<Patient> NewPatientAsync()
    {
        var patient = new Patient($"fork-{Guid.NewGuid():N}@fork.example.org", "pass phrase " + Guid.NewGuid().ToString("N")[..8]);
        using var c = new MedLedgerClient(new Uri(world.Url));
        await c.RegisterWithDevOutboxAsync(patient.Email, patient.Password, Role.Patient);
        return patient;
    }

    /// <summary>Password and emailed code, without BrowserLogin's expectation that the sign-in succeeds.</summary>
    private async Task TrySignInAsync(IPage page, Patient patient)
    {
        using var outbox = new MedLedgerClient(new Uri(world.Url));
        var before = (await outbox.ReadDevOutboxAsync(patient.Email)).FirstOrDefault();
        await BrowserLogin.SubmitPasswordAsync(page, patient.Email, patient.Password);
        var field = page.GetByLabel("Emailed code", new() { Exact = true });
        await Assertions.Expect(field).ToBeVisibleAsync();
        await field.FillAsync(MedLedgerClient.CodeIn(await BrowserLogin.NewMessageAsync(outbox, patient.Email, before)));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
    }

    /// <summary>A fresh patient signed in once in a fresh browser (which pins the peer key and remembers the head), then signed out.</summary>
    private async Task<(IPage Page, Patient Patient)> SignedInOnceAsync()
    {
        var patient = await NewPatientAsync();
        var page = await world.NewPageAsync();
        using (var outbox = new MedLedgerClient(new Uri(world.Url)))
        {
            await BrowserLogin.SignInWithEmailCodeAsync(page, patient.Email, patient.Password, outbox);
        }
        await BrowserLogin.SignOutButton(page).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        return (page, patient);
    }

    private static ILocator Alert(IPage page) => page.Locator("main .alert.error");

    [Fact]
    public async Task A_head_with_the_same_size_and_another_root_is_refused_showing_both_and_stays_refused_after_a_reload()
    {
        var (page, account) = await SignedInOnceAsync();
        var remembered = await RememberedHeadAsync(page);
        using var key = PeerSigningKey();
        var forged = Sign(key, remembered with { RootHash = RandomNumberGenerator.GetBytes(32) });
        await ServeHeadAsync(page, forged);

        await TrySignInAsync(page, account);
        await Assertions.Expect(Alert(page)).ToContainTextAsync("LEDGER FORK");
        await Assertions.Expect(Alert(page)).ToContainTextAsync($"Remembered head: size {remembered.TreeSize}, root {Convert.ToHexStringLower(remembered.RootHash)}, block {remembered.Height}");
        await Assertions.Expect(Alert(page)).ToContainTextAsync($"Presented head: size {forged.TreeSize}, root {Convert.ToHexStringLower(forged.RootHash)}, block {forged.Height}");
        await Assertions.Expect(BrowserLogin.SignOutButton(page)).Not.ToBeVisibleAsync();

        // The server turns honest again and the page is reloaded: the fork is remembered, so the server stays refused.
        await page.UnrouteAsync("**/api/ledger/head");
        await page.ReloadAsync();
        await TrySignInAsync(page, account);
        await Assertions.Expect(Alert(page)).ToContainTextAsync("LEDGER FORK");
        await Assertions.Expect(Alert(page)).ToContainTextAsync(Convert.ToHexStringLower(forged.RootHash));
        await Assertions.Expect(BrowserLogin.SignOutButton(page)).Not.ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_larger_head_whose_history_does_not_extend_the_remembered_one_is_refused()
    {
        var (page, account) = await SignedInOnceAsync();
        var remembered = await RememberedHeadAsync(page);
        using var key = PeerSigningKey();
        // A later block over a log whose first part is not the remembered one: no consistency proof can join the roots.
        var forged = Sign(key, remembered with
        {
            Height = remembered.Height + 1,
            PreviousHash = remembered.Hash(),
            TransactionCount = 1,
            TreeSize = remembered.TreeSize + 1,
            RootHash = RandomNumberGenerator.GetBytes(32),
        });
        await ServeHeadAsync(page, forged);

        await TrySignInAsync(page, account);
        await Assertions.Expect(Alert(page)).ToContainTextAsync("LEDGER FORK");
        await Assertions.Expect(Alert(page)).ToContainTextAsync($"size {remembered.TreeSize}");
        await Assertions.Expect(Alert(page)).ToContainTextAsync($"Presented head: size {forged.TreeSize}, root {Convert.ToHexStringLower(forged.RootHash)}");
        await Assertions.Expect(BrowserLogin.SignOutButton(page)).Not.ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_honest_server_keeps_verifying_after_a_reload_and_the_remembered_head_only_moves_forward()
    {
        var (page, account) = await SignedInOnceAsync();
        var first = await RememberedHeadAsync(page);
        // Another client writes meanwhile (a registration is a ledger transaction): the next sign-in sees a larger head
        // and must prove it extends the remembered one.
        await NewPatientAsync();
        await page.ReloadAsync();
        using (var outbox = new MedLedgerClient(new Uri(world.Url)))
        {
            await BrowserLogin.SignInWithEmailCodeAsync(page, account.Email, account.Password, outbox);
        }
        var second = await RememberedHeadAsync(page);
        Assert.True(second.TreeSize > first.TreeSize, $"the view did not move forward from size {first.TreeSize} (now {second.TreeSize})");
        Assert.True(second.Height > first.Height);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_server_presenting_another_consortium_than_the_pinned_one_is_refused_naming_both_fingerprints()
    {
        var (page, account) = await SignedInOnceAsync();
        using var honest = new MedLedgerClient(new Uri(world.Url));
        var real = await honest.PeerAsync();
        var pinned = ConsortiumView.Single(real.PeerId, real.PublicKey);
        using var other = new LedgerSigningKey(LedgerCrypto.GenerateKeyPair().PrivateKey);
        // The operator adds a member it controls and lowers nothing else: still another consortium.
        var presented = new ConsortiumView([new(real.PeerId, real.PublicKey), new("operator-2", other.PublicKey)], 2);
        await page.RouteAsync("**/api/ledger/consortium", route => route.FulfillAsync(new()
        {
            Status = 200, ContentType = "application/json", Body = JsonSerializer.Serialize(ConsortiumInfo.Of(presented), Web),
        }));
        await page.ReloadAsync();

        await TrySignInAsync(page, account);
        await Assertions.Expect(Alert(page)).ToContainTextAsync($"CONSORTIUM CHANGED: pinned {pinned.Fingerprint}, server presents {presented.Fingerprint}");
        await Assertions.Expect(BrowserLogin.SignOutButton(page)).Not.ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_membership_change_without_k_approvals_is_refused_naming_both_fingerprints_and_the_reason()
    {
        var (page, account) = await SignedInOnceAsync();
        using var honest = new MedLedgerClient(new Uri(world.Url));
        var real = await honest.PeerAsync();
        var pinned = ConsortiumView.Single(real.PeerId, real.PublicKey);
        using var other = new LedgerSigningKey(LedgerCrypto.GenerateKeyPair().PrivateKey);
        // The operator presents its own second peer as a membership change, with no approval receipts behind it.
        var presented = pinned.WithMember(new ConsortiumMember("operator-2", other.PublicKey), 2);
        var answer = ConsortiumInfo.Of(presented) with
        {
            Genesis = new ConsortiumViewInfo(pinned.Threshold, pinned.Fingerprint, [new PeerInfo(real.PeerId, real.PublicKey)]),
            Changes = [new ConsortiumChangeInfo(5, presented.Fingerprint, [])],
        };
        await page.RouteAsync("**/api/ledger/consortium", route => route.FulfillAsync(new()
        {
            Status = 200, ContentType = "application/json", Body = JsonSerializer.Serialize(answer, Web),
        }));
        await page.ReloadAsync();

        await TrySignInAsync(page, account);
        await Assertions.Expect(Alert(page)).ToContainTextAsync($"CONSORTIUM CHANGED: pinned {pinned.Fingerprint}, server presents {presented.Fingerprint}: "
            + $"its membership change to {presented.Fingerprint} from block 5 does not verify: the change carries approvals of 0 distinct members; 1 of 1 are needed");
        await Assertions.Expect(BrowserLogin.SignOutButton(page)).Not.ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_head_certified_only_by_a_key_outside_the_pinned_consortium_is_refused()
    {
        var (page, account) = await SignedInOnceAsync();
        var remembered = await RememberedHeadAsync(page);
        using var outsider = new LedgerSigningKey(LedgerCrypto.GenerateKeyPair().PrivateKey);
        var unsigned = remembered with { Version = 2, OrderingRevision = 5, Signature = [], Certificate = null };
        var signature = outsider.Sign(unsigned.SigningBytes());
        await ServeHeadAsync(page, unsigned with { Signature = signature, Certificate = [new PeerSignature(remembered.PeerId, signature)] });

        await TrySignInAsync(page, account);
        await Assertions.Expect(Alert(page)).ToContainTextAsync("The ledger head is not certified by the pinned consortium: head signature does not verify with the peer key");
        await Assertions.Expect(BrowserLogin.SignOutButton(page)).Not.ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_key_registration_receipt_whose_head_carries_a_non_member_signature_refuses_the_sign_in()
    {
        var (page, account) = await SignedInOnceAsync();
        using var outsider = new LedgerSigningKey(LedgerCrypto.GenerateKeyPair().PrivateKey);
        await page.RouteAsync("**/api/ledger/keys/*", async route =>
        {
            var response = await route.FetchAsync();
            var body = System.Text.Json.Nodes.JsonNode.Parse(await response.TextAsync())!;
            var head = body["receipt"]!["head"].Deserialize<BlockHeader>(Web)! with { Version = 2, Certificate = null };
            var signature = outsider.Sign(head.SigningBytes());
            body["receipt"]!["head"] = JsonSerializer.SerializeToNode(head with { Signature = signature, Certificate = [new PeerSignature("outsider", signature)] }, Web);
            body["receipt"]!.AsObject().Remove("headerHash");
            await route.FulfillAsync(new() { Response = response, Body = body.ToJsonString() });
        });
        await page.ReloadAsync();

        await TrySignInAsync(page, account);
        await Assertions.Expect(Alert(page)).ToContainTextAsync("Do not use this server");
        await Assertions.Expect(BrowserLogin.SignOutButton(page)).Not.ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }
}
