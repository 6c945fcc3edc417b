using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Messaging;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;

namespace MedLedger.Server.Tests.Features.Dev;

/// <summary>The demo-only outbox: loopback callers only, the address in a POST body, and one-time codes gone once used, replaced or expired.</summary>
public sealed class DevOutboxTests : HttpUserTestBase
{
    [Fact]
    public async Task Dev_outbox_answers_only_loopback_callers()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        using var c = Host.CreateClient();
        await Users.StartLoginAsync(patient, c);

        var fromLoopback = await OutboxAsync(patient.Email, IPAddress.Loopback);
        Assert.True(fromLoopback.StatusCode == HttpStatusCode.OK, $"{fromLoopback.StatusCode}: {fromLoopback.Body}");
        Assert.Contains("sign-in code", fromLoopback.Body, StringComparison.Ordinal);

        var fromNetwork = await OutboxAsync(patient.Email, IPAddress.Parse("203.0.113.7"));
        Assert.Equal(HttpStatusCode.NotFound, fromNetwork.StatusCode);
        Assert.DoesNotContain("sign-in code", fromNetwork.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await OutboxAsync(patient.Email, IPAddress.Parse("::ffff:10.0.0.2"))).StatusCode);
    }

    [Fact]
    public async Task Dev_outbox_takes_the_address_in_a_post_body_not_the_query()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        using var c = Host.CreateClient();
        await Users.StartLoginAsync(patient, c);
        var get = await c.GetAsync($"/api/dev/outbox?to={Uri.EscapeDataString(patient.Email)}");
        Assert.NotEqual(HttpStatusCode.OK, get.StatusCode);
        Assert.DoesNotContain("sign-in code", await get.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(await new MedLedger.Client.MedLedgerClient(c).ReadDevOutboxAsync(patient.Email));
    }

    [Fact]
    public async Task Emailed_code_is_deleted_from_the_outbox_when_used_or_replaced()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        using var c = Host.CreateClient();
        var outbox = new MedLedger.Client.MedLedgerClient(c);
        var challenge = await Users.StartLoginAsync(patient, c);
        var first = await Users.LatestEmailCodeAsync(patient.Email, c);

        (await c.PostJson("/api/auth/login/email-code", new EmailCodeRequest(challenge.Ticket))).EnsureSuccessStatusCode();
        var second = await Users.LatestEmailCodeAsync(patient.Email, c);
        var afterResend = await outbox.ReadDevOutboxAsync(patient.Email);
        Assert.Single(afterResend);
        Assert.DoesNotContain(first, afterResend[0].Body, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await c.PostJson("/api/auth/login/verify", new VerifyOtpRequest(challenge.Ticket, OtpMethod.Email, second))).StatusCode);
        Assert.Empty(await outbox.ReadDevOutboxAsync(patient.Email));
        Assert.Empty(await OutboxFilesAsync());
    }

    [Fact]
    public async Task Recovery_code_is_deleted_from_the_outbox_when_used()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        using var c = Host.CreateClient();
        var start = await (await c.PostJson("/api/auth/recovery/start", new RecoveryStartRequest(patient.Email))).Read<RecoveryStartResponse>();
        var code = await Users.LatestEmailCodeAsync(patient.Email, c);
        Assert.Equal(HttpStatusCode.OK, (await c.PostJson("/api/auth/recovery/verify", new RecoveryVerifyRequest(start.Ticket, code))).StatusCode);
        Assert.Empty(await new MedLedger.Client.MedLedgerClient(c).ReadDevOutboxAsync(patient.Email));
    }

    [Fact]
    public async Task Expired_emailed_code_is_deleted_from_the_outbox_folder()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        var other = await Users.RegisterAsync(Role.Patient);
        using var c = Host.CreateClient();
        await Users.StartLoginAsync(patient, c);
        Assert.Single(await OutboxFilesAsync());
        Host.Clock.Advance(TimeSpan.FromMinutes(11));
        // The next message written (anyone's) sweeps the expired code out of the folder.
        await Users.StartLoginAsync(other, c);
        var left = Assert.Single(await OutboxFilesAsync());
        Assert.Contains(other.Email, File.ReadAllText(left), StringComparison.Ordinal);
        Assert.Empty(await new MedLedger.Client.MedLedgerClient(c).ReadDevOutboxAsync(patient.Email));
    }

    private async Task<string[]> OutboxFilesAsync()
    {
        // Codes are written off the request path; wait for those already queued before looking at the folder.
        await Host.Service<OneTimeCodeQueue>().DeliveredAsync();
        var folder = ((OutboxMessageSender)Host.Service<IMessageSender>()).Folder;
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "*.json") : [];
    }

    private async Task<(HttpStatusCode StatusCode, string Body)> OutboxAsync(string email, IPAddress peer)
    {
        // The TestServer handler lets the request carry a peer address, as Kestrel would from the socket.
        using var http = new HttpClient(Host.App.GetTestServer().CreateHandler(ctx => ctx.Connection.RemoteIpAddress = peer)) { BaseAddress = new Uri("http://localhost") };
        var res = await http.PostJson("/api/dev/outbox", new { to = email });
        return (res.StatusCode, await res.Content.ReadAsStringAsync());
    }
}
