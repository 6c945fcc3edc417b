using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// What the lying-server browser tests assert on: every API request a page sends that changes something (anything but
/// GET), as method and path, so a refused step can be shown to have sent nothing.
/// </summary>
internal static class PageWrites
{
    public static ConcurrentQueue<string> Capture(IPage page)
    {
        var writes = new ConcurrentQueue<string>();
        page.Request += (_, r) =>
        {
            if (r.Method != "GET" && r.Url.Contains("/api/", StringComparison.Ordinal))
            {
                writes.Enqueue(r.Method + " " + new Uri(r.Url).AbsolutePath);
            }
        };
        return writes;
    }
}

/// <summary>The patient's sharing page as the identity tests drive it: sign in, ask to share, read the card shown.</summary>
internal static class SharingPage
{
    public static async Task<(IPage Page, ConcurrentQueue<string> Writes)> OpenAsync(BrowserWorld world, string patient = "patient1")
    {
        var page = await world.NewPageAsync();
        var writes = PageWrites.Capture(page);
        await BrowserLogin.SignInAsync(page, world.Account(patient));
        await BrowserWorld.Nav(page, "Sharing").ClickAsync();
        return (page, writes);
    }

    public static async Task AskToShareAsync(IPage page, string email)
    {
        await page.GetByLabel("Email of the doctor, pharmacist or insurer").FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
    }

    public static ILocator Card(IPage page) => page.GetByRole(AriaRole.Region, new() { Name = "Who you are sharing with" });
}
