using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>
/// `consortium approve`: this organisation's approval of a new consortium member (platform admin session); the server's
/// peer signs the consortium.add-peer, and the peer joins once k members approved (docs/ledger.md "Consortium membership").
/// </summary>
public static class ConsortiumCommands
{
    internal static readonly JsonSerializerOptions Json = CreateJson();

    public static Command Build()
    {
        var peerId = new Option<string>("--peer-id") { Description = "The new member's peer id", Required = true };
        var publicKey = new Option<string>("--public-key") { Description = "The new member's ledger public key (base64, 65-byte uncompressed P-256)", Required = true };
        var threshold = new Option<int?>("--threshold") { Description = "Signatures a block needs once the peer joined (default: a majority of the new membership)" };
        var approve = new Command("approve", "Approve adding a peer to the consortium (platform admin): this organisation's peer signs a consortium.add-peer") { peerId, publicKey, threshold };
        approve.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            using var http = new HttpClient { BaseAddress = new Uri(CommonOptions.ResolveUrl(p)), Timeout = TimeSpan.FromMinutes(1) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await client.GetAccessTokenAsync(ct));
            using var res = await http.PostAsJsonAsync(new Uri("/api/admin/consortium/approvals", UriKind.Relative),
                new ConsortiumApprovalRequest(p.GetValue(peerId), p.GetValue(publicKey), p.GetValue(threshold)), Json, ct);
            if (!res.IsSuccessStatusCode)
            {
                throw await ProblemAsync(res, ct);
            }
            var receipt = (await res.Content.ReadFromJsonAsync<LedgerReceipt>(Json, ct))!;
            AnsiConsole.MarkupLine($"[green]approved[/]: transaction {receipt.TransactionId} in block {receipt.BlockHeight}");
            Console.WriteLine("the peer joins once k members of the current consortium approved the same proposal (medledger ledger consortium shows the history)");
            return 0;
        });
        return new Command("consortium", "Consortium membership (platform admin)") { approve };
    }

    private static async Task<MedLedgerApiException> ProblemAsync(HttpResponseMessage res, CancellationToken ct)
    {
        string? title = null, detail = null, type = null;
        try
        {
            using var doc = JsonDocument.Parse(await res.Content.ReadAsStringAsync(ct));
            title = doc.RootElement.TryGetProperty("title", out var t) ? t.GetString() : null;
            detail = doc.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
            type = doc.RootElement.TryGetProperty("type", out var ty) ? ty.GetString() : null;
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                detail = string.Join("; ", errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(v => $"{e.Name}: {v.GetString()}")));
            }
        }
        catch (JsonException)
        {
        }
        return new MedLedgerApiException(res.StatusCode, title, detail, type);
    }

    private static JsonSerializerOptions CreateJson()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        o.Converters.Add(new JsonStringEnumConverter());
        return o;
    }
}
