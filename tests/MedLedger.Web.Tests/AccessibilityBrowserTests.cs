using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Accessibility from the user's side: every main screen of every role passes axe-core's WCAG 2.1 A/AA
/// rules with no serious or critical violation, and a person can sign in and move around with the
/// keyboard alone.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityBrowserTests(BrowserWorld world)
{
    private static readonly AxeRunOptions Wcag = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    };

    /// <summary>Waits until a screen has finished loading (no spinner left), then runs axe on it.</summary>
    private static async Task<IEnumerable<string>> SeriousViolationsAsync(IPage page, string screen)
    {
        await Assertions.Expect(page.Locator(".spinner")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        var result = await page.RunAxe(Wcag);
        return result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{screen}: {v.Id} ({v.Impact}, {v.Nodes.Length} element(s)): {v.Help} — e.g. {v.Nodes.FirstOrDefault()?.Html}");
    }

    [Fact]
    public async Task Every_main_screen_of_every_role_has_no_serious_or_critical_wcag_violation()
    {
        var problems = new List<string>();
        var anonymous = await world.NewPageAsync();
        // Control: the scan does report a real violation (an unlabelled input), so an empty list below means something.
        await anonymous.SetContentAsync("<!doctype html><html lang=en><title>t</title><main><input type=text></main></html>");
        Assert.Contains(await SeriousViolationsAsync(anonymous, "control"), v => v.Contains("label", StringComparison.Ordinal));
        foreach (var path in new[] { "/login", "/signup", "/recover" })
        {
            await anonymous.GotoAsync(path);
            await Assertions.Expect(anonymous.Locator("h1")).ToBeVisibleAsync();
            problems.AddRange(await SeriousViolationsAsync(anonymous, path));
        }
        await anonymous.Context.CloseAsync();

        foreach (var prefix in new[] { "patient1", "doctor11", "staff1", "admin", "pharmacist", "insurer" })
        {
            var page = await world.NewPageAsync();
            await BrowserLogin.SignInAsync(page, world.Account(prefix));
            var links = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link);
            var names = (await links.AllInnerTextsAsync()).Select(n => n.Trim()).ToList();
            Assert.NotEmpty(names);
            foreach (var name in names)
            {
                await BrowserWorld.Nav(page, name).ClickAsync();
                await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync();
                problems.AddRange(await SeriousViolationsAsync(page, $"{prefix} → {name}"));
            }
            await page.Context.CloseAsync();
        }
        Assert.True(problems.Count == 0, "Accessibility violations:\n" + string.Join("\n", problems));
    }

    [Fact]
    public async Task A_patient_signs_in_and_opens_their_records_with_the_keyboard_alone()
    {
        var account = world.Account("patient1");
        var page = await world.NewPageAsync();
        await page.GotoAsync("/login");
        await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync();

        // Tab from the top of the page to the email field; every stop on the way must be a visible control.
        async Task TabToAsync(ILocator target)
        {
            for (var i = 0; i < 40; i++)
            {
                await page.Keyboard.PressAsync("Tab");
                if (await target.EvaluateAsync<bool>("el => el === document.activeElement"))
                {
                    return;
                }
            }
            Assert.Fail("Could not reach the control with the Tab key.");
        }

        await TabToAsync(page.GetByLabel("Email", new() { Exact = true }));
        await page.Keyboard.TypeAsync(account.Email);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(account.Password);
        await page.Keyboard.PressAsync("Enter");
        var code = page.GetByLabel("Authenticator code", new() { Exact = true });
        await Assertions.Expect(code).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await TabToAsync(code);
        await page.Keyboard.TypeAsync(await BrowserLogin.NextTotpCodeAsync(account.TotpSecret));
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(BrowserLogin.SignOutButton(page)).ToBeVisibleAsync(new() { Timeout = 30_000 });

        // The patient's home is their records; move to the sharing screen by keyboard.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My records", Level = 1 })).ToBeVisibleAsync();
        await TabToAsync(BrowserWorld.Nav(page, "Sharing"));
        await page.Keyboard.PressAsync("Enter");
        var heading = page.GetByRole(AriaRole.Heading, new() { Level = 1 });
        await Assertions.Expect(heading).Not.ToHaveTextAsync("My records");
        // After a route change focus moves to the new heading, so screen readers announce the screen. The screen moves it
        // in an effect, after the new heading is painted: wait for it (an immediate check raced the effect in CI).
        await Assertions.Expect(heading).ToBeFocusedAsync();
        await page.Context.CloseAsync();
    }
}
