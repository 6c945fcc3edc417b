using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Each role's home screen (its first navigation entry) after sign-in (the patient's: a new patient with a lab panel,
/// RecordTimelineBrowserTests' records): it opens as the current page, finishes loading
/// (no spinner left) and shows no error. With MEDLEDGER_SCREENSHOTS set (a folder, relative to the repository root,
/// e.g. docs/screenshots) the test also saves the screen as &lt;role&gt;.png at 1280×800: the images docs/web.md "Screens"
/// shows.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class HomeScreensBrowserTests(BrowserWorld world)
{
    [Theory]
    [InlineData("new patient with lab records", "patient")]
    [InlineData("doctor11", "doctor")]
    [InlineData("staff1", "hospital-staff")]
    [InlineData("pharmacist", "pharmacist")]
    [InlineData("insurer", "insurer")]
    [InlineData("admin", "admin")]
    public async Task Each_roles_home_screen_opens_finishes_loading_and_shows_no_error(string prefix, string role)
    {
        var page = await world.NewPageAsync(1280, 800);
        if (role == "patient")
        {
            // The demo patients' timelines depend on what other tests wrote: a new patient with a lab panel shows the timeline.
            var (email, password) = await RecordTimelineBrowserTests.NewPatientWithLabRecordsAsync(world, "");
            using var outboxReader = new MedLedgerClient(new Uri(world.Url));
            await BrowserLogin.SignInWithEmailCodeAsync(page, email, password, outboxReader);
        }
        else
        {
            await BrowserLogin.SignInAsync(page, world.Account(prefix));
        }
        var home = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link).First;
        await Assertions.Expect(home).ToHaveAttributeAsync("aria-current", "page");
        await Assertions.Expect(page.Locator("main h1")).ToBeVisibleAsync();
        // Decryption, ledger checks and lists finish in the browser: wait until nothing is loading any more.
        await Assertions.Expect(page.Locator("main .spinner")).ToHaveCountAsync(0, new() { Timeout = 90_000 });
        await Assertions.Expect(page.Locator("main [role=alert]")).ToHaveCountAsync(0);
        // Live screens (beds, orders) connect their hub first: the picture shows them live, not connecting.
        await Assertions.Expect(page.Locator("main")).Not.ToContainTextAsync("Connecting…", new() { Timeout = 30_000 });

        var folder = Environment.GetEnvironmentVariable("MEDLEDGER_SCREENSHOTS");
        if (!string.IsNullOrWhiteSpace(folder))
        {
            var directory = Path.IsPathRooted(folder) ? folder : Path.Combine(Repo.Root, folder);
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, role + ".png");
            await page.Mouse.MoveAsync(0, 0);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false, Animations = ScreenshotAnimations.Disabled });
            Assert.InRange(new FileInfo(path).Length, 1, 200 * 1024);
        }
        await page.Context.CloseAsync();
    }
}
