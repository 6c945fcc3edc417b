using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.TestHost;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// The server as an active attacker sees the SDK: a <see cref="DelegatingHandler"/> under <see cref="MedLedgerClient"/>
/// that records every request body the client sends and can rewrite any answer (identity cases; self-contained).
/// </summary>
public sealed class IdentityLyingServer : DelegatingHandler
{
    private readonly List<(string Method, string Path, string Body)> _sent = [];

    public IdentityLyingServer(TestHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        InnerHandler = host.App.GetTestServer().CreateHandler();
    }

    /// <summary>Rewrites an answer: (request path and query, honest JSON answer, a way to ask the honest server) → JSON to serve instead, or null to pass it on.</summary>
    public Func<string, JsonNode, Func<string, Task<JsonNode>>, Task<JsonNode?>>? Rewrite { get; set; }

    public IReadOnlyList<(string Method, string Path, string Body)> Sent
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }

    /// <summary>Requests that would change something (anything but GET and the lookup, a read sent by POST), after <paramref name="since"/> requests.</summary>
    public IReadOnlyList<(string Method, string Path, string Body)> WritesSince(int since) =>
        Sent.Skip(since).Where(s => s.Method != "GET" && s.Path != "/api/users/lookup").ToList();

    public MedLedgerClient NewClient() => new(new HttpClient(this, disposeHandler: false) { BaseAddress = new Uri("http://localhost") }, ownsHttp: true);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = "";
        if (request.Content is not null)
        {
            // Forwarded byte for byte with every content header (a binary record upload carries Record-Metadata-Length and
            // raw ciphertext); the text is kept only for the test's own inspection.
            var bytes = await request.Content.ReadAsByteArrayAsync(cancellationToken);
            body = Encoding.UTF8.GetString(bytes);
            var copy = new ByteArrayContent(bytes);
            foreach (var (name, values) in request.Content.Headers)
            {
                if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    copy.Headers.TryAddWithoutValidation(name, values);
                }
            }
            request.Content = copy;
        }
        var path = request.RequestUri!.PathAndQuery;
        lock (_sent)
        {
            _sent.Add((request.Method.Method, path, body));
        }
        var response = await base.SendAsync(request, cancellationToken);
        // Refusals (problem+json) can be lied about too: the server may serve what the directory would not.
        var media = response.Content.Headers.ContentType?.MediaType;
        if (Rewrite is not { } rewrite || media is not ("application/json" or "application/problem+json"))
        {
            return response;
        }
        var honest = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
        var auth = request.Headers.Authorization;
        async Task<JsonNode> Ask(string p)
        {
            using var inner = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri("http://localhost"), p));
            inner.Headers.Authorization = auth is null ? null : new AuthenticationHeaderValue(auth.Scheme, auth.Parameter);
            using var r = await base.SendAsync(inner, cancellationToken);
            r.EnsureSuccessStatusCode();
            return JsonNode.Parse(await r.Content.ReadAsStringAsync(cancellationToken))!;
        }
        var lie = await rewrite(path, honest, Ask);
        if (lie is null)
        {
            response.Content = new StringContent(honest.ToJsonString(), Encoding.UTF8, media);
            return response;
        }
        response.StatusCode = System.Net.HttpStatusCode.OK;
        response.Content = new StringContent(lie.ToJsonString(), Encoding.UTF8, "application/json");
        return response;
    }
}
