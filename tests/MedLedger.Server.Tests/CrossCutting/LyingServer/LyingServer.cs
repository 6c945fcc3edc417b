using System.Text;
using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>One request the SDK sent, as it left the client.</summary>
public sealed record SentRequest(HttpMethod Method, string PathAndQuery, string? Body);

/// <summary>
/// The server as an attacker who controls it: a handler under the C# SDK that passes requests to the real server and
/// may rewrite its JSON answers (<see cref="Lie"/>), recording every request the SDK sends so a test can check that a
/// refused operation sent nothing.
/// </summary>
public sealed class LyingServer : DelegatingHandler
{
    private readonly List<SentRequest> _sent = [];
    private readonly Dictionary<string, string> _answers = [];

    /// <summary>Given the request and the honest JSON answer, returns the answer to give instead, or null to pass it on.</summary>
    public Func<HttpRequestMessage, JsonNode, JsonNode?>? Lie { get; set; }

    public IReadOnlyList<SentRequest> Sent
    {
        get { lock (_sent) { return _sent.ToList(); } }
    }

    /// <summary>The last honest JSON answer to a GET of this path (what a liar could replay later).</summary>
    public string Answer(string path)
    {
        lock (_sent) { return _answers[path]; }
    }

    /// <summary>Requests sent from position <paramref name="from"/> on that change something (anything but GET).</summary>
    public IReadOnlyList<SentRequest> WritesSince(int from) => Sent.Skip(from).Where(r => r.Method != HttpMethod.Get).ToList();

    public static async Task<(MedLedgerClient Client, LyingServer Server)> SignInAsync(TestHost host, SdkUser user)
    {
        var (client, liar) = ClientFor(host);
        await client.LoginWithDevOutboxAsync(user.Email, user.Password);
        return (client, liar);
    }

    /// <summary>A client (trusting as <paramref name="trust"/> says, or on first use) whose every request goes through a new liar.</summary>
    public static (MedLedgerClient Client, LyingServer Liar) ClientFor(TestHost host, LedgerTrustOptions? trust = null)
    {
        var server = host.App.GetTestServer();
        var liar = new LyingServer { InnerHandler = server.CreateHandler() };
        var http = new HttpClient(liar, disposeHandler: true) { BaseAddress = server.BaseAddress };
        return (trust is null ? new MedLedgerClient(http, ownsHttp: true) : new MedLedgerClient(http, trust, ownsHttp: true), liar);
    }

    /// <summary>The operator's own ledger key (the server's peer.key): what an active operator signs forgeries with.</summary>
    public static MedLedger.Ledger.LedgerSigningKey OperatorPeerKey(TestHost host) =>
        new(MedLedger.Server.Features.Ledger.LedgerContractCatalog.LoadOrCreatePeerKey(host.DataDirectory));

    /// <summary>
    /// A header the operator signs with its peer key, the way an honest head is signed: the signature is also the whole
    /// certificate of the consortium of one. Any other field (root, height, version) is the caller's forgery.
    /// </summary>
    public static MedLedger.Ledger.BlockHeader SignAsOperator(MedLedger.Ledger.LedgerSigningKey peerKey, MedLedger.Ledger.BlockHeader unsigned)
    {
        ArgumentNullException.ThrowIfNull(peerKey);
        var blank = unsigned with { Signature = [], Certificate = null };
        var signature = peerKey.Sign(blank.SigningBytes());
        return blank with { Signature = signature, Certificate = [new MedLedger.Ledger.PeerSignature(blank.PeerId, signature)] };
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (_sent)
        {
            _sent.Add(new SentRequest(request.Method, request.RequestUri!.PathAndQuery, body));
        }
        var response = await base.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return response;
        }
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (request.Method == HttpMethod.Get)
        {
            lock (_sent)
            {
                _answers[request.RequestUri!.AbsolutePath] = text;
            }
        }
        var lie = Lie?.Invoke(request, JsonNode.Parse(text)!);
        response.Content = new StringContent(lie?.ToJsonString() ?? text, Encoding.UTF8, "application/json");
        return response;
    }
}
