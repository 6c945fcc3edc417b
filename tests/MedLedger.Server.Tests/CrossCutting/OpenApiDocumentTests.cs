using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MedLedger.Server.Tests.CrossCutting;

/// <summary>
/// The API description at /openapi/v1.json is complete and honest, and the reference page at /scalar/v1 loads nothing
/// from another origin. Operations are matched to the running app's routing table, so a new route is checked the moment
/// it is mapped; the problems an operation must document are the pipeline's (authorization, binding, body size, rate
/// limit) plus every status its handler's code can answer (<see cref="ProblemStatusScan"/>).
/// </summary>
public sealed partial class OpenApiDocumentTests : IAsyncLifetime
{
    private TestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync(); // with --demo, so the dev outbox is described too
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    private sealed record Operation(string Method, string Path, JsonElement Json)
    {
        public override string ToString() => $"{Method} {Path}";
    }

    private async Task<JsonElement> DocumentAsync()
    {
        using var doc = JsonDocument.Parse(await _client.GetStringAsync("/openapi/v1.json"));
        return doc.RootElement.Clone();
    }

    private static List<Operation> Operations(JsonElement doc) =>
        [.. doc.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject()
            .Where(o => o.Name is "get" or "put" or "post" or "delete" or "patch")
            .Select(o => new Operation(o.Name.ToUpperInvariant(), p.Name, o.Value)))];

    /// <summary>The API endpoints of the routing table (named handlers in the server), keyed like the document's operations.</summary>
    private Dictionary<string, RouteEndpoint> ApiEndpoints()
    {
        var map = new Dictionary<string, RouteEndpoint>(StringComparer.Ordinal);
        foreach (var ep in _host.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (ep.Metadata.GetMetadata<MethodInfo>() is not { } handler || handler.Module.Assembly != typeof(MedLedgerServer).Assembly)
            {
                continue; // the OpenAPI document, the reference page and hubs are not API operations
            }
            var path = "/" + RouteConstraint().Replace(ep.RoutePattern.RawText!, "}").Trim('/');
            foreach (var method in ep.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
            {
                map.Add($"{method} {path}", ep);
            }
        }
        return map;
    }

    [GeneratedRegex(@"(:[^}]+)?\??\}")]
    private static partial Regex RouteConstraint();

    private static bool RequiresAuthorization(Endpoint ep) =>
        ep.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0 && ep.Metadata.GetMetadata<IAllowAnonymous>() is null;

    /// <summary>What the pipeline answers before or around the handler (docs/architecture.md, "API description").</summary>
    private static SortedSet<int> PipelineProblems(Operation op, Endpoint ep)
    {
        var statuses = new SortedSet<int>();
        if (RequiresAuthorization(ep))
        {
            statuses.Add(401);
            if (ep.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy is not null))
            {
                statuses.Add(403);
            }
        }
        if (op.Json.TryGetProperty("requestBody", out _))
        {
            statuses.Add(400);
            statuses.Add(413);
        }
        var handler = ep.Metadata.GetMetadata<MethodInfo>()!;
        var parameters = op.Json.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray().ToList() : [];
        foreach (var p in parameters)
        {
            if (p.GetProperty("in").GetString() != "query")
            {
                continue;
            }
            var name = p.GetProperty("name").GetString();
            var type = handler.GetParameters().Single(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase)).ParameterType;
            // A query value that must be present or parsed can fail binding: 400 (ThrowOnBadRequest).
            if (type != typeof(string) || (p.TryGetProperty("required", out var r) && r.GetBoolean()))
            {
                statuses.Add(400);
            }
        }
        if (op.Path.StartsWith("/api/auth/", StringComparison.Ordinal))
        {
            statuses.Add(429);
        }
        return statuses;
    }

    [Fact]
    public async Task Every_operation_has_a_summary_an_id_a_success_response_its_problems_and_its_security()
    {
        var doc = await DocumentAsync();
        var operations = Operations(doc);
        var endpoints = ApiEndpoints();
        using var scan = new ProblemStatusScan(typeof(MedLedgerServer).Assembly);
        var failures = new List<string>();
        foreach (var missing in endpoints.Keys.Except(operations.Select(o => o.ToString())))
        {
            failures.Add($"{missing}: mapped but not in the document");
        }
        foreach (var op in operations)
        {
            void Fail(string why) => failures.Add($"{op}: {why}");
            if (!endpoints.TryGetValue(op.ToString(), out var ep))
            {
                Fail("in the document but not in the routing table");
                continue;
            }
            if (!op.Json.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString()))
            {
                Fail("no summary");
            }
            if (!op.Json.TryGetProperty("operationId", out var id) || string.IsNullOrWhiteSpace(id.GetString()))
            {
                Fail("no operationId");
            }
            var responses = op.Json.TryGetProperty("responses", out var rs) ? rs.EnumerateObject().ToList() : [];
            var successes = responses.Where(r => r.Name.StartsWith('2')).ToList();
            if (successes.Count == 0)
            {
                Fail("no 2xx response");
            }
            foreach (var s in successes.Where(s => s.Name is "200" or "201"))
            {
                // JSON everywhere, except exports that say what they are (text/csv) and still give a schema.
                var ok = s.Value.TryGetProperty("content", out var c)
                         && ((c.TryGetProperty("application/json", out var json) && json.TryGetProperty("schema", out _))
                             || (op.ToString().EndsWith(".csv", StringComparison.Ordinal) && c.TryGetProperty("text/csv", out var csv) && csv.TryGetProperty("schema", out _)));
                if (!ok)
                {
                    Fail($"{s.Name} has no application/json schema");
                }
            }
            var documented = new SortedSet<int>();
            foreach (var r in responses.Where(r => r.Name[0] is '4' or '5'))
            {
                if (r.Value.TryGetProperty("content", out var c) && c.TryGetProperty("application/problem+json", out var p) && p.TryGetProperty("schema", out _))
                {
                    documented.Add(int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    Fail($"{r.Name} is not described as application/problem+json");
                }
            }
            var expected = PipelineProblems(op, ep);
            expected.UnionWith(scan.StatusesReachableFrom(ep.Metadata.GetMetadata<MethodInfo>()!));
            if (expected.Except(documented).ToList() is { Count: > 0 } undocumented)
            {
                Fail($"can answer {string.Join(", ", undocumented)} but does not document it");
            }
            if (documented.Except(expected).ToList() is { Count: > 0 } invented)
            {
                Fail($"documents {string.Join(", ", invented)} but nothing in its pipeline or code answers it");
            }
            var bearer = op.Json.TryGetProperty("security", out var sec)
                && sec.EnumerateArray().Any(req => req.TryGetProperty("bearer", out _));
            if (RequiresAuthorization(ep) != bearer)
            {
                Fail(bearer ? "anonymous but requires the bearer scheme" : "requires authorization but not the bearer scheme");
            }
        }
        Assert.True(operations.Count >= 70, $"expected the whole API in the document, found {operations.Count} operations");
        Assert.True(failures.Count == 0, $"{failures.Count} gaps in the API description:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task Operation_ids_are_present_and_unique()
    {
        var ops = Operations(await DocumentAsync());
        var ids = ops.Select(o => o.Json.TryGetProperty("operationId", out var id) ? id.GetString() : null).ToList();
        var without = ops.Where((_, i) => string.IsNullOrEmpty(ids[i])).Select(o => o.ToString()).ToList();
        Assert.True(without.Count == 0, "operations without an operationId:\n" + string.Join("\n", without));
        var duplicates = ids.GroupBy(i => i, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "operationIds used more than once: " + string.Join(", ", duplicates));
    }

    [Fact]
    public async Task Bearer_scheme_is_declared_as_http_bearer()
    {
        var doc = await DocumentAsync();
        Assert.True(doc.TryGetProperty("components", out var c) && c.TryGetProperty("securitySchemes", out var schemes) && schemes.TryGetProperty("bearer", out _),
            "components.securitySchemes.bearer is missing");
        var bearer = doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
    }

    [GeneratedRegex(@"<(script|link|img)\b[^>]*?\b(src|href)\s*=\s*""([^""]*)""", RegexOptions.IgnoreCase)]
    private static partial Regex AssetReference();

    [GeneratedRegex(@"/\*.*?\*/|(?<![:""'`])//[^\n]*", RegexOptions.Singleline)]
    private static partial Regex JsComment();

    [Fact]
    public async Task Reference_page_and_every_asset_it_references_come_from_the_server_itself()
    {
        var page = await _client.GetAsync("/scalar/v1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("://", html, StringComparison.Ordinal);
        var assets = AssetReference().Matches(html).Select(m => new Uri(page.RequestMessage!.RequestUri!, m.Groups[3].Value)).ToList();
        Assert.Contains(assets, a => a.AbsolutePath.EndsWith(".js", StringComparison.Ordinal));
        foreach (var asset in assets)
        {
            Assert.Equal(_client.BaseAddress!.GetLeftPart(UriPartial.Authority), asset.GetLeftPart(UriPartial.Authority));
            var res = await _client.GetAsync(asset);
            Assert.True(res.StatusCode == HttpStatusCode.OK, $"{asset} answered {res.StatusCode}");
            var body = await res.Content.ReadAsStringAsync();
            Assert.True(body.Length > 0, $"{asset} is empty");
            if (asset.AbsolutePath.EndsWith(".js", StringComparison.Ordinal))
            {
                Assert.Equal("text/javascript", res.Content.Headers.ContentType?.MediaType);
            }
            // The loader scripts name no other origin; the bundle itself (MBs of UI code) mentions vendor sites in
            // help texts and examples, so for it the configuration and the CSP below are what keep requests local.
            if (body.Length < 100_000)
            {
                Assert.DoesNotMatch(@"https?://", JsComment().Replace(body, ""));
            }
        }
        // What the bundle would fetch from vendor services unless told not to: fonts, telemetry, the hosted client.
        Assert.Contains("\"withDefaultFonts\":false", html, StringComparison.Ordinal);
        Assert.Contains("\"telemetry\":false", html, StringComparison.Ordinal);
        Assert.Contains("\"hideClientButton\":true", html, StringComparison.Ordinal);
        Assert.DoesNotContain("proxyUrl", html, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"<script\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTag();

    [Fact]
    public async Task Reference_page_is_confined_to_its_own_origin_by_its_content_security_policy()
    {
        var page = await _client.GetAsync("/scalar/v1");
        Assert.True(page.Headers.TryGetValues("Content-Security-Policy", out var values), "the reference page has no Content-Security-Policy");
        var directives = values.Single().Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => d.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(d => d[0], d => d[1..], StringComparer.Ordinal);
        foreach (var required in new[] { "default-src", "script-src", "connect-src", "font-src", "img-src", "style-src" })
        {
            Assert.True(directives.ContainsKey(required), $"the CSP has no {required}");
        }
        foreach (var (name, sources) in directives)
        {
            foreach (var s in sources)
            {
                var allowed = s is "'self'" or "'none'" or "data:" or "blob:"
                    || s.StartsWith("'nonce-", StringComparison.Ordinal)
                    || (s == "'unsafe-inline'" && name == "style-src");
                Assert.True(allowed, $"{name} allows {s}: the page may only load from its own origin");
            }
        }
        var nonce = directives["script-src"].SingleOrDefault(s => s.StartsWith("'nonce-", StringComparison.Ordinal));
        Assert.NotNull(nonce);
        var html = await page.Content.ReadAsStringAsync();
        var scripts = ScriptTag().Matches(html).Select(m => m.Value).ToList();
        Assert.NotEmpty(scripts);
        Assert.All(scripts, s => Assert.Contains($"nonce=\"{nonce[7..^1]}\"", s, StringComparison.Ordinal));
        // A fresh nonce per response: a cached or replayed one would let injected markup run.
        var again = await _client.GetAsync("/scalar/v1");
        Assert.NotEqual(values.Single(), again.Headers.GetValues("Content-Security-Policy").Single());
    }
}
