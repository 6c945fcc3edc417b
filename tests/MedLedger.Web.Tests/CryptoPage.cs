using System.Text.Json;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>The test-only page /crypto-check.html, which exposes <c>window.medledger = { crypto, ledger }</c>.</summary>
internal static class CryptoPage
{
    public static async Task<IPage> OpenAsync(BrowserWorld world)
    {
        var page = await world.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync("/crypto-check.html");
        await page.WaitForFunctionAsync("() => document.getElementById('status')?.textContent === 'ready'");
        Assert.True(errors.Count == 0, "crypto-check.html: " + string.Join("; ", errors));
        return page;
    }

    /// <summary>
    /// Runs <paramref name="asyncFunction"/> (JavaScript, <c>async (arg) => value</c>) in the page and returns its
    /// result as JSON; values cross the boundary as JSON so byte arrays travel as hex or base64 strings.
    /// </summary>
    public static async Task<JsonElement> RunAsync(IPage page, string asyncFunction, object? arg = null)
    {
        // Composed here rather than eval'd in the page: the page's CSP (script-src 'self') forbids eval, while
        // Playwright's own evaluation goes through DevTools and is not subject to it.
        var json = await page.EvaluateAsync<string>(
            "async (arg) => JSON.stringify(await (" + asyncFunction + ")(arg), (k, v) => typeof v === 'bigint' ? v.toString() : v)", arg);
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
