using System.Text.RegularExpressions;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// The app's screens from the wrong side: every screen of another role shows a refusal (and asks the API
/// for nothing), anonymous visitors are sent to sign in, and repeated wrong passwords lock the account
/// with the server's message shown. The API's own refusals are covered role × endpoint by
/// MedLedger.Server.Tests' refusal matrix.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class RoleScreensBrowserTests(BrowserWorld world)
{
    private static readonly Dictionary<string, string[]> ScreensByRole = new()
    {
        ["Patient"] = ["/patient/records", "/patient/sharing", "/patient/access-log", "/patient/emergency", "/patient/import", "/hospitals", "/bookings", "/medicines", "/appointments/find", "/appointments", "/messages", "/patient/prescriptions", "/wallet", "/orders/new", "/orders", "/insurance/plans", "/insurance/mine", "/insurance/claims", "/insurance/claims/file"],
        ["Doctor"] = ["/doctor/patients", "/doctor/emergency", "/appointments", "/appointments/schedule", "/messages", "/doctor/prescriptions", "/insurance/eligibility", "/insurance/claims/file", "/insurance/claims/filed"],
        ["HospitalStaff"] = ["/staff/beds", "/staff/bookings", "/staff/doctors", "/staff/profile", "/appointments", "/appointments/schedule", "/insurance/eligibility", "/insurance/claims/file", "/insurance/claims/filed"],
        ["PlatformAdmin"] = ["/admin/dashboard", "/admin/verifications", "/admin/occupancy", "/admin/break-glass", "/admin/audit", "/admin/people", "/admin/organizations", "/admin/security-events"],
        ["Pharmacist"] = ["/shared/records", "/pharmacy/stock", "/pharmacy/dispense", "/pharmacy/records", "/pharmacy/orders", "/insurance/eligibility", "/insurance/claims/file", "/insurance/claims/filed", "/organization/card"],
        ["InsurerStaff"] = ["/shared/records", "/insurer/plans", "/insurer/applications", "/insurer/policies", "/insurer/claims", "/insurer/figures", "/organization/card"],
    };

    [Theory]
    [InlineData("patient1", "Patient")]
    [InlineData("doctor11", "Doctor")]
    [InlineData("staff1", "HospitalStaff")]
    [InlineData("admin", "PlatformAdmin")]
    [InlineData("pharmacist", "Pharmacist")]
    public async Task Every_screen_of_another_role_is_refused_and_loads_nothing(string prefix, string role)
    {
        var page = await world.NewPageAsync();
        var inFlight = 0;
        page.Request += (_, _) => Interlocked.Increment(ref inFlight);
        page.RequestFinished += (_, _) => Interlocked.Decrement(ref inFlight);
        page.RequestFailed += (_, _) => Interlocked.Decrement(ref inFlight);
        await BrowserLogin.SignInAsync(page, world.Account(prefix));
        // The home screen loads (and decrypts) in the background: let it finish, so every API call counted
        // below can only come from the refused screen.
        await WaitForQuietNetworkAsync(() => Volatile.Read(ref inFlight));
        var forbidden = ScreensByRole.Where(kv => kv.Key != role).SelectMany(kv => kv.Value).Except(ScreensByRole[role]).Distinct().ToList();
        Assert.NotEmpty(forbidden);
        foreach (var path in forbidden)
        {
            var apiCalls = new List<string>();
            void Track(object? sender, IRequest r)
            {
                if (new Uri(r.Url).AbsolutePath.StartsWith("/api/", StringComparison.Ordinal))
                {
                    apiCalls.Add(r.Url);
                }
            }
            page.Request += Track;
            await HospitalTestKit.NavigateInAppAsync(page, path);
            await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Not available for your role.");
            await Assertions.Expect(page.Locator("main h1")).ToHaveCountAsync(0);
            page.Request -= Track;
            Assert.True(apiCalls.Count == 0, $"{role} on {path} asked the API: {string.Join(", ", apiCalls)}");
        }
        // Still signed in and their own home still works: a refusal is not a sign-out.
        await Assertions.Expect(BrowserLogin.SignOutButton(page)).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    /// <summary>Returns once no request has been in flight for a whole second (at most 60 s).</summary>
    private static async Task WaitForQuietNetworkAsync(Func<int> inFlight)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var quietSince = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            if (inFlight() > 0)
            {
                quietSince = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - quietSince > TimeSpan.FromSeconds(1))
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail("The page never stopped making requests.");
    }

    [Fact]
    public async Task Anonymous_visitors_of_any_screen_are_sent_to_sign_in_and_come_back_after()
    {
        var page = await world.NewPageAsync();
        foreach (var path in ScreensByRole.Values.SelectMany(p => p).Distinct().Append("/account"))
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login\\?next=" + Regex.Escape(Uri.EscapeDataString(path)) + "$"));
            await Assertions.Expect(page.GetByLabel("Email", new() { Exact = true })).ToBeVisibleAsync();
        }
        // Signing in from such a redirect lands on the screen that was asked for.
        await page.GotoAsync("/hospitals");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login\\?next="));
        var account = world.Account("patient2");
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(account.Email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(account.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.GetByLabel("Authenticator code", new() { Exact = true }).FillAsync(await BrowserLogin.NextTotpCodeAsync(account.TotpSecret));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/hospitals$"), new() { Timeout = 30_000 });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_and_the_page_says_so()
    {
        var page = await world.NewPageAsync();
        var email = $"lockout-{Guid.NewGuid():N}@browser.example";
        var password = "lockout passphrase " + Guid.NewGuid().ToString("N")[..8];
        var account = await BrowserLogin.SignUpPatientAsync(page, email, password);
        await BrowserLogin.ConfirmRecoveryCodeAsync(page, account.RecoveryCode);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login$"));

        var alert = page.Locator("main [role=alert]");
        for (var i = 0; i < 5; i++)
        {
            await BrowserLogin.SubmitPasswordAsync(page, email, password + " wrong");
            await Assertions.Expect(alert).ToBeVisibleAsync(new() { Timeout = 30_000 });
        }
        // Now even the right password is refused, with the server's lockout message and no code step.
        await BrowserLogin.SubmitPasswordAsync(page, email, password);
        await Assertions.Expect(alert).ToContainTextAsync("locked", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByLabel("Emailed code", new() { Exact = true })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByLabel("Authenticator code", new() { Exact = true })).ToHaveCountAsync(0);
        await BrowserWorld.ScreenshotAsync(page, "auth-login-locked");

        // The API agrees: the account is locked for the SDK as well.
        using var sdk = new MedLedgerClient(new Uri(world.Url));
        var locked = await Assert.ThrowsAsync<MedLedgerApiException>(() => sdk.StartLoginAsync(email, password));
        Assert.Equal(429, (int)locked.Status);
        await page.Context.CloseAsync();
    }
}
