using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Hospitals;
using MedLedger.Server.Tests.Features.Hospitals;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>The live hub takes a short-lived, single-use ticket in the query string, never the bearer token.</summary>
public sealed class HubTicketTests : HostTestBase
{
    private const string Negotiate = "/hubs/beds/negotiate?negotiateVersion=1";

    [Fact]
    public async Task The_hub_refuses_the_bearer_token_in_the_query_string()
    {
        var patient = await new HospitalWorld(Host).PatientAsync();
        using var anon = Host.CreateClient();
        var res = await anon.PostAsync($"{Negotiate}&access_token={Uri.EscapeDataString(patient.Tokens!.AccessToken)}", null);
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        // The same token in the header is fine (non-browser clients, long polling).
        Assert.Equal(HttpStatusCode.OK, (await patient.Api.PostAsync(Negotiate, null)).StatusCode);
    }

    [Fact]
    public async Task A_hub_ticket_opens_one_connection_and_is_then_spent()
    {
        var world = new HospitalWorld(Host);
        var staff = await world.HospitalAsync();
        var hospital = HospitalWorld.Id(staff);
        await HospitalWorld.SetWardAsync(staff, "ICU", "icu", total: 4, occupied: 1);
        var patient = await world.PatientAsync();
        var server = Host.App.GetTestServer();
        string? used = null;

        // What the browser does: WebSockets only, no negotiation, a fresh ticket in ?access_token= per connection.
        await using var conn = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "hubs/beds"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.WebSocketFactory = async (ctx, ct) =>
                {
                    used = await TicketAsync(patient.Api);
                    var url = new UriBuilder(ctx.Uri) { Query = "access_token=" + Uri.EscapeDataString(used) }.Uri;
                    return await server.CreateWebSocketClient().ConnectAsync(url, ct);
                };
            })
            .Build();
        await conn.StartAsync();
        var snapshot = await conn.InvokeAsync<BedSnapshot>("Watch", hospital);
        Assert.Equal(4, Assert.Single(snapshot.ByType).Total);

        using var anon = Host.CreateClient();
        var again = await anon.PostAsync($"{Negotiate}&access_token={Uri.EscapeDataString(used!)}", null);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    public async Task A_hub_ticket_works_once_for_seconds_only_on_the_hub_and_is_issued_only_to_a_session()
    {
        var patient = await new HospitalWorld(Host).PatientAsync();
        using var anon = Host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.PostAsync("/api/auth/hub-ticket", null)).StatusCode);

        // Not a bearer token, and not accepted in the query of the API.
        var ticket = await TicketAsync(patient.Api);
        using var asBearer = Host.CreateClient();
        asBearer.DefaultRequestHeaders.Authorization = new("Bearer", ticket);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asBearer.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync($"/api/me?access_token={Uri.EscapeDataString(ticket)}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync($"/api/me?access_token={Uri.EscapeDataString(patient.Tokens!.AccessToken)}")).StatusCode);

        // Still unspent by those refusals: good once on the hub, then never again.
        Assert.Equal(HttpStatusCode.OK, (await anon.PostAsync($"{Negotiate}&access_token={Uri.EscapeDataString(ticket)}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.PostAsync($"{Negotiate}&access_token={Uri.EscapeDataString(ticket)}", null)).StatusCode);

        // Expired after 30 seconds.
        var late = await TicketAsync(patient.Api);
        Host.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.PostAsync($"{Negotiate}&access_token={Uri.EscapeDataString(late)}", null)).StatusCode);

        // A ticket outlives nothing: signing out ends what it would open.
        var orphan = await TicketAsync(patient.Api);
        (await patient.Api.PostAsync("/api/auth/logout", null)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.PostAsync($"{Negotiate}&access_token={Uri.EscapeDataString(orphan)}", null)).StatusCode);
    }

    [Fact]
    public async Task Concurrent_use_of_one_hub_ticket_lets_exactly_one_through()
    {
        var patient = await new HospitalWorld(Host).PatientAsync();
        var ticket = await TicketAsync(patient.Api);
        var statuses = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var c = Host.CreateClient();
            return (await c.PostAsync($"{Negotiate}&access_token={Uri.EscapeDataString(ticket)}", null)).StatusCode;
        }));
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.All(statuses.Where(s => s != HttpStatusCode.OK), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
    }

    private static async Task<string> TicketAsync(HttpClient authorized)
    {
        var res = await authorized.PostAsync("/api/auth/hub-ticket", null);
        res.EnsureSuccessStatusCode();
        return (await res.Read<HubTicketResponse>()).Ticket;
    }
}
