using System.Net;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Web.Tests;

[Collection(BrowserCollection.Name)]
public sealed class WebAppServingTests(BrowserWorld world)
{
    [Fact]
    public async Task The_server_serves_the_app_at_the_root_and_for_client_routes_with_a_strict_content_security_policy()
    {
        using var http = new HttpClient { BaseAddress = new Uri(world.Url) };
        foreach (var path in new[] { "/", "/patient/records", "/admin" })
        {
            using var res = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
            Assert.Equal("text/html", res.Content.Headers.ContentType?.MediaType);
            Assert.Contains("<div id=\"app\">", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var csp = string.Join(";", res.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.Contains("connect-src 'self'", csp, StringComparison.Ordinal);
        }
        // The app's bundles are compressed for browsers that accept it; API answers never are (BREACH).
        using var compressed = new HttpRequestMessage(HttpMethod.Get, "/login");
        compressed.Headers.AcceptEncoding.ParseAdd("br, gzip");
        using (var html = await http.SendAsync(compressed))
        {
            Assert.NotEmpty(html.Content.Headers.ContentEncoding);
        }
        using var apiCompressed = new HttpRequestMessage(HttpMethod.Get, "/api/organizations");
        apiCompressed.Headers.AcceptEncoding.ParseAdd("br, gzip");
        using (var json = await http.SendAsync(apiCompressed))
        {
            Assert.Equal(HttpStatusCode.OK, json.StatusCode);
            Assert.Empty(json.Content.Headers.ContentEncoding);
        }

        // Unknown API paths stay API 404 problems, never the HTML shell.
        using var api = await http.GetAsync("/api/no-such-thing");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_page_loads_in_chromium_with_no_request_leaving_the_server()
    {
        var page = await world.NewPageAsync();
        var foreign = new List<string>();
        page.Request += (_, r) =>
        {
            if (!r.Url.StartsWith(world.Url, StringComparison.Ordinal) && !r.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                foreign.Add(r.Url);
            }
        };
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("h1");
        Assert.Empty(foreign);
        await page.Context.CloseAsync();
    }
}
