using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;

namespace MedLedger.Server.Tests.Infrastructure;

/// <summary>
/// A signed-in user's connection to one of the server's hubs through the real pipeline (long polling over the TestServer),
/// recording every event of one name: the live-update tests arm it, act, and wait for the next event, or check none came.
/// </summary>
public sealed class HubListener : IAsyncDisposable
{
    private readonly List<JsonElement> _events = [];
    private TaskCompletionSource<JsonElement> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HubListener(HubConnection connection, string eventName)
    {
        Connection = connection;
        connection.On<JsonElement>(eventName, e =>
        {
            lock (_events)
            {
                _events.Add(e);
                _next.TrySetResult(e);
            }
        });
    }

    public HubConnection Connection { get; }

    /// <summary>A connection to the hub at <paramref name="path"/> with the bearer <paramref name="token"/>, not started.</summary>
    public static HubConnection Build(TestHost host, string path, string token)
    {
        var server = host.App.GetTestServer();
        return new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, path.TrimStart('/')), o =>
            {
                o.HttpMessageHandlerFactory = _ => server.CreateHandler();
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
    }

    /// <summary>Connects, listens to <paramref name="eventName"/> and calls the hub's Watch.</summary>
    public static async Task<HubListener> WatchAsync(TestHost host, string path, string eventName, string token)
    {
        var listener = new HubListener(Build(host, path, token), eventName);
        await listener.Connection.StartAsync();
        await listener.Connection.InvokeAsync("Watch");
        return listener;
    }

    public IReadOnlyList<JsonElement> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The next event after those seen so far (arm before acting).</summary>
    public Task<JsonElement> Arm()
    {
        lock (_events)
        {
            _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
            return _next.Task;
        }
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
