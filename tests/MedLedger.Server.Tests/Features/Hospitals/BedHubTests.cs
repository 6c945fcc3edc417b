using System.Threading.Channels;
using MedLedger.Server.Features.Hospitals;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;

namespace MedLedger.Server.Tests.Features.Hospitals;

/// <summary>Live bed counts over a real SignalR client connected to the test server.</summary>
public sealed class BedHubTests : IAsyncLifetime
{
    // Only a guard against a hung test; the assertions are about content, not speed.
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private TestHost _host = null!;
    private HospitalWorld _world = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        _world = new HospitalWorld(_host);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private HubConnection Connect(TestUser? user)
    {
        var server = _host.App.GetTestServer();
        return new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "hubs/beds"), o =>
            {
                o.HttpMessageHandlerFactory = _ => server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                o.AccessTokenProvider = () => Task.FromResult(user?.Tokens?.AccessToken);
            })
            .Build();
    }

    /// <summary>Collects pushed messages of one kind so a test can wait for the one it expects.</summary>
    private static Channel<T> Listen<T>(HubConnection c, string method)
    {
        var channel = Channel.CreateUnbounded<T>();
        c.On<T>(method, m => channel.Writer.TryWrite(m));
        return channel;
    }

    private static async Task<T> NextMatching<T>(Channel<T> channel, Func<T, bool> predicate)
    {
        using var cts = new CancellationTokenSource(Guard);
        while (true)
        {
            var m = await channel.Reader.ReadAsync(cts.Token);
            if (predicate(m))
            {
                return m;
            }
        }
    }

    [Fact]
    public async Task Watcher_receives_every_change_and_a_reconnecting_client_gets_the_current_state()
    {
        var staff = await _world.HospitalAsync();
        var h = HospitalWorld.Id(staff);
        await HospitalWorld.SetWardAsync(staff, "ICU", "icu", total: 4, occupied: 1);
        var patient = await _world.PatientAsync();

        await using var conn = Connect(patient);
        var updates = Listen<BedSnapshot>(conn, BedsHub.BedsEvent);
        await conn.StartAsync();
        var initial = await conn.InvokeAsync<BedSnapshot>("Watch", h);
        Assert.Equal(new BedTypeCounts("icu", 4, 1, 0, 3), Assert.Single(initial.ByType));

        // Staff change → pushed.
        await HospitalWorld.SetWardAsync(staff, "ICU", "icu", total: 6, occupied: 2);
        var pushed = await NextMatching(updates, s => s.HospitalId == h && s.ByType.Single().Total == 6);
        Assert.Equal(new BedTypeCounts("icu", 6, 2, 0, 4), pushed.ByType.Single());

        // A booking (from someone else) → pushed with the held bed.
        var other = await _world.PatientAsync();
        var booking = await HospitalWorld.BookAsync(other, h, "icu");
        Assert.Equal(1, (await NextMatching(updates, s => s.ByType.Single().Held == 1)).ByType.Single().Held);
        // Admission → pushed: held back to 0, occupied up.
        await staff.Api.PostAsync($"/api/bookings/{booking.Id}/admit", null);
        Assert.Equal(new BedTypeCounts("icu", 6, 3, 0, 3), (await NextMatching(updates, s => s.ByType.Single().Occupied == 3)).ByType.Single());

        // Disconnected while counts change; on reconnect Watch returns the current state.
        await conn.StopAsync();
        await HospitalWorld.SetWardAsync(staff, "ICU", "icu", total: 9, occupied: 5);
        await HospitalWorld.SetWardAsync(staff, "Emergency", "emergency", total: 2, occupied: 0);
        await using var again = Connect(patient);
        await again.StartAsync();
        var current = await again.InvokeAsync<BedSnapshot>("Watch", h);
        Assert.Equal([new BedTypeCounts("emergency", 2, 0, 0, 2), new BedTypeCounts("icu", 9, 5, 0, 4)], current.ByType);
    }

    [Fact]
    public async Task Admin_overview_watchers_receive_occupancy_and_others_are_refused()
    {
        var staff = await _world.HospitalAsync("Overview Hospital");
        var h = HospitalWorld.Id(staff);
        await HospitalWorld.SetWardAsync(staff, "Paeds", "paediatric", total: 3, occupied: 0);
        var admin = await _world.AdminAsync();
        var patient = await _world.PatientAsync();

        await using var adminConn = Connect(admin);
        var rows = Listen<HospitalOccupancy>(adminConn, BedsHub.OccupancyEvent);
        await adminConn.StartAsync();
        var overview = await adminConn.InvokeAsync<AdminBedOverview>("WatchOverview");
        Assert.Contains(overview.Hospitals, x => x.HospitalId == h);

        await HospitalWorld.BookAsync(patient, h, "paediatric");
        var row = await NextMatching(rows, r => r.HospitalId == h && r.ByType.Single().Held == 1);
        Assert.Equal("Overview Hospital", row.Name);
        Assert.Equal(new BedTypeCounts("paediatric", 3, 0, 1, 2), row.ByType.Single());

        // A patient may watch a hospital but not the admin overview, nor an unknown hospital.
        await using var patientConn = Connect(patient);
        await patientConn.StartAsync();
        await Assert.ThrowsAsync<HubException>(() => patientConn.InvokeAsync<AdminBedOverview>("WatchOverview"));
        var unknown = await Assert.ThrowsAsync<HubException>(() => patientConn.InvokeAsync<BedSnapshot>("Watch", Guid.NewGuid()));
        Assert.Contains("not found", unknown.Message);

        // Without a token the hub refuses the connection.
        await using var anon = Connect(null);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => anon.StartAsync());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
