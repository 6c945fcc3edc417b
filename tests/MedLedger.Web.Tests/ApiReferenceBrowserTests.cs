using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// The API reference at /scalar/v1 in a real browser: it renders from the server alone under its Content-Security-Policy
/// (no request leaves the origin, nothing is refused) and its "Test Request" sends a signed-in user's bearer token to
/// this server. The HTTP-level checks (assets, CSP shape, options) are in Server.Tests' OpenApiDocumentTests.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ApiReferenceBrowserTests(BrowserWorld world)
{
    [Fact]
    public async Task The_reference_renders_offline_under_its_csp_and_sends_authenticated_requests_to_this_server()
    {
        var page = await world.NewPageAsync(1400, 1000);
        var foreign = new List<string>();
        var errors = new List<string>();
        page.Request += (_, r) =>
        {
            if (!r.Url.StartsWith(world.Url, StringComparison.Ordinal) && !r.Url.StartsWith("data:", StringComparison.Ordinal) && !r.Url.StartsWith("blob:", StringComparison.Ordinal))
            {
                foreign.Add(r.Url);
            }
        };
        // CSP refusals and failed loads surface as console errors.
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                errors.Add(m.Text);
            }
        };

        await page.GotoAsync("/scalar/v1#tag/accounts/GET/api/me");
        await page.GetByRole(AriaRole.Button, new() { Name = "Test Request (get /api/me)" }).WaitForAsync();

        using var sdk = await world.SdkAsync("patient1");
        await page.GetByPlaceholder("Token").First.FillAsync(await sdk.GetAccessTokenAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Test Request (get /api/me)" }).ClickAsync();
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Send") }).First.ClickAsync(),
            r => r.Url == world.Url.TrimEnd('/') + "/api/me");

        Assert.Equal(200, response.Status);
        Assert.StartsWith("Bearer ", (await response.Request.AllHeadersAsync())["authorization"], StringComparison.Ordinal);
        Assert.Contains(world.Account("patient1").Email, await response.TextAsync(), StringComparison.Ordinal);
        Assert.Empty(foreign);
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }
}
