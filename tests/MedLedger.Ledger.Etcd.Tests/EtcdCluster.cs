using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// A real 3-member etcd cluster started by scripts/etcd-cluster.sh (which installs etcd-server when
/// missing) in a throwaway folder on free loopback ports; stopped (by the pids it recorded) on dispose.
/// </summary>
internal sealed class EtcdCluster : IAsyncDisposable
{
    private static readonly string Script = Path.Combine(Repo.Root, "scripts", "etcd-cluster.sh");

    private EtcdCluster(string dir, int basePort)
    {
        Dir = dir;
        Endpoints = [.. Enumerable.Range(0, 3).Select(i => $"https://127.0.0.1:{basePort + 2 * i}")];
    }

    public string Dir { get; }
    public IReadOnlyList<string> Endpoints { get; }

    public static async Task<EtcdCluster> StartAsync(params string[] peers)
    {
        var dir = Path.Combine(Path.GetTempPath(), "medledger-etcd-" + Guid.NewGuid().ToString("N")[..12]);
        var basePort = FreeBasePort();
        var cluster = new EtcdCluster(dir, basePort);
        var (code, output) = await RunAsync(["start", dir, basePort.ToString(System.Globalization.CultureInfo.InvariantCulture), .. peers]);
        if (code != 0)
        {
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"scripts/etcd-cluster.sh start failed ({code}); etcd-server could not be installed or started:\n{output}");
        }
        return cluster;
    }

    /// <summary>Options for a peer that connects with its own client certificate (CN = peer id).</summary>
    public EtcdOrderingOptions OptionsFor(string peerId, params int[] members)
    {
        var o = new EtcdOrderingOptions
        {
            CaFile = Path.Combine(Dir, "pki", "ca.pem"),
            CertFile = Path.Combine(Dir, "pki", $"client-{peerId}.pem"),
            KeyFile = Path.Combine(Dir, "pki", $"client-{peerId}-key.pem"),
            PollInterval = TimeSpan.FromMilliseconds(100),
            CallTimeout = TimeSpan.FromSeconds(3),
        };
        foreach (var i in members.Length == 0 ? [1, 2, 3] : members)
        {
            o.Endpoints.Add(Endpoints[i - 1]);
        }
        return o;
    }

    /// <summary>`etcd-cluster.sh add-user`: a client certificate (CN = peer id) and etcd user/role for a peer not named at start.</summary>
    public async Task AddUserAsync(string peerId)
    {
        var (code, output) = await RunAsync(["add-user", Dir, peerId]);
        Assert.True(code == 0, output);
    }

    /// <summary>kill -9 of one member, by the pid the script recorded.</summary>
    public async Task KillMemberAsync(int member)
    {
        var (code, output) = await RunAsync(["kill-member", Dir, member.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(code == 0, output);
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync(["stop", Dir]);
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // A member still closing a file; the temp folder is cleaned by the OS.
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Script);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start bash");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Say what it was doing instead of a bare cancellation (CI once hung here with nothing to show).
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            return (-1, $"etcd-cluster.sh {string.Join(' ', args)} did not finish in 5 minutes:\n{await stdout}{await stderr}");
        }
        return (p.ExitCode, await stdout + await stderr);
    }

    /// <summary>Six consecutive free ports (client and peer port of each member).</summary>
    private static int FreeBasePort() => FreePorts(6);

    /// <summary>The first of <paramref name="count"/> consecutive free loopback ports (an even number), and <paramref name="alsoFree"/> ports past it free too.</summary>
    internal static int FreePorts(int count, params int[] alsoFree) => MedLedger.Testing.LoopbackPorts.Reserve(count, alsoFree);
}
