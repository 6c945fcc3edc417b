using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Issue 12 item 4 in the browser: a suspended doctor served with the admin's old approval is "NOT verified" (the page
/// reads the doctor's latest identity state from the ledger), and a pinned fingerprint that does not match refuses the
/// grant with nothing sent.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class IdentityFreshnessBrowserTests(BrowserWorld world)
{
    [Fact]
    public async Task A_suspended_doctor_served_with_the_old_approval_is_not_verified_and_nothing_is_shared()
    {
        using var admin = await world.SdkAsync("admin");
        var doctor = world.Account("doctor12");
        using var doctorSdk = await world.SdkAsync("doctor12");
        var doctorId = doctorSdk.UserId;
        // The card as the admin approved it, kept by the lying server to serve after the suspension.
        using var http = new HttpClient { BaseAddress = new Uri(world.Url) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", admin.Tokens!.AccessToken);
        var approvedCard = await http.GetStringAsync($"/api/users/{doctorId}/card");
        await admin.SuspendAsync(doctorId);
        try
        {
            var (page, writes) = await SharingPage.OpenAsync(world);
            await page.RouteAsync("**/api/users/lookup", route => route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = approvedCard }));
            await SharingPage.AskToShareAsync(page, doctor.Email);
            await Assertions.Expect(SharingPage.Card(page)).ToContainTextAsync("NOT verified");
            await Assertions.Expect(SharingPage.Card(page)).ToContainTextAsync("an admin suspended this professional");
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Confirm and share" })).ToBeDisabledAsync();
            Assert.DoesNotContain(writes, w => w.StartsWith("POST /api/consents", StringComparison.Ordinal));
            await page.Context.CloseAsync();
        }
        finally
        {
            await admin.ReinstateAsync(doctorId);
        }
    }

    [Fact]
    public async Task A_pinned_fingerprint_that_does_not_match_refuses_the_grant_and_nothing_is_sent()
    {
        using var other = await world.SdkAsync("doctor12");
        var wrong = (await other.IdentityCardAsync(other.UserId)).Fingerprint;
        var (page, writes) = await SharingPage.OpenAsync(world);
        await SharingPage.AskToShareAsync(page, world.Account("doctor11").Email);
        await Assertions.Expect(SharingPage.Card(page)).ToContainTextAsync("verified");
        await Assertions.Expect(SharingPage.Card(page)).Not.ToContainTextAsync(wrong);
        await page.GetByLabel("Expected key fingerprint (optional)").FillAsync(wrong);
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm and share" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync($"not the expected {wrong}");
        Assert.DoesNotContain(writes, w => w.StartsWith("POST /api/consents", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }
}
