using System.Text.Json.Nodes;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Issue 12, lying-server cases (b) and (f) in the browser, by Playwright route interception: the lookup answered with
/// another professional, with someone else's keys, or with a card the admin did not verify. The page shows the real
/// card or "NOT verified", and no grant is ever sent (asserted on every request the page makes).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class IdentityLyingBrowserTests(BrowserWorld world)
{
    [Fact]
    public async Task B_a_lookup_answered_with_another_doctor_shows_that_doctors_real_card()
    {
        using var other = await world.SdkAsync("doctor12");
        var (page, writes) = await SharingPage.OpenAsync(world);
        using var http = new HttpClient { BaseAddress = new Uri(world.Url) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", other.Tokens!.AccessToken);
        var otherCard = await http.GetStringAsync($"/api/users/{other.UserId}/card");
        await page.RouteAsync("**/api/users/lookup", route => route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = otherCard }));
        await SharingPage.AskToShareAsync(page, world.Account("doctor11").Email);
        // The patient typed doctor11's address and sees doctor12's real, verified card: the lie is visible, not hidden.
        await Assertions.Expect(SharingPage.Card(page)).ToContainTextAsync("Dr. Karim Haddad · Emergency medicine · Northside General Hospital · verified");
        Assert.DoesNotContain(writes, w => w.StartsWith("POST /api/consents", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task B_a_lookup_answered_with_another_users_keys_is_refused()
    {
        using var other = await world.SdkAsync("doctor12");
        var (page, writes) = await SharingPage.OpenAsync(world);
        await page.RouteAsync("**/api/users/lookup", async route =>
        {
            var honest = await route.FetchAsync();
            var card = JsonNode.Parse(await honest.TextAsync())!;
            var keys = await other.GetPublicKeysAsync(other.UserId);
            card["signingPublicKey"] = Convert.ToBase64String(keys.SigningPublicKey);
            card["encryptionPublicKey"] = Convert.ToBase64String(keys.EncryptionPublicKey);
            await route.FulfillAsync(new() { Response = honest, Body = card.ToJsonString() });
        });
        await SharingPage.AskToShareAsync(page, world.Account("doctor11").Email);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not the keys registered on the ledger");
        await Assertions.Expect(SharingPage.Card(page)).ToHaveCountAsync(0);
        Assert.DoesNotContain(writes, w => w.StartsWith("POST /api/consents", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task F_a_card_the_admin_did_not_verify_as_served_is_not_verified_and_nothing_is_shared()
    {
        var (page, writes) = await SharingPage.OpenAsync(world);
        await page.RouteAsync("**/api/users/lookup", async route =>
        {
            var honest = await route.FetchAsync();
            var card = JsonNode.Parse(await honest.TextAsync())!;
            card["specialty"] = "Neurosurgery";
            await route.FulfillAsync(new() { Response = honest, Body = card.ToJsonString() });
        });
        await SharingPage.AskToShareAsync(page, world.Account("doctor11").Email);
        await Assertions.Expect(SharingPage.Card(page)).ToContainTextAsync("Dr. Anna Weber · Neurosurgery · Northside General Hospital · NOT verified");
        await Assertions.Expect(SharingPage.Card(page)).ToContainTextAsync("the admin verified a different card");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Confirm and share" })).ToBeDisabledAsync();
        Assert.DoesNotContain(writes, w => w.StartsWith("POST /api/consents", StringComparison.Ordinal));

        // The honest answer for the same doctor is verified (the control: the check is not simply failing).
        await page.UnrouteAllAsync();
        await SharingPage.AskToShareAsync(page, world.Account("doctor11").Email.ToUpperInvariant());
        await Assertions.Expect(SharingPage.Card(page)).ToContainTextAsync("Dr. Anna Weber · Cardiology · Northside General Hospital · verified");
        await page.Context.CloseAsync();
    }
}
