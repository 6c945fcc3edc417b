using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MedLedger.Server.Tests.Infrastructure;
using MedLedger.Ledger.Store;
using Microsoft.Data.Sqlite;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// Three organisations' `medledger serve --consortium` processes (hospital-a, hospital-b, insurer) on one etcd cluster,
/// each on its own data folder, as scripts/consortium.sh runs them (without its demo seeding: the dev outbox is on, so a
/// test registers accounts through the SDK). Each process is ended by its own pid.
/// </summary>
internal sealed class ConsortiumServers : IAsyncDisposable
{
    public static readonly string[] Peers = ["hospital-a", "hospital-b", "insurer"];

    /// <summary>A fourth organisation in the file (server index 3) that starts later with --join (JoinTests).</summary>
    public const string Joiner = "clinic-d";

    private readonly Process?[] _servers = new Process?[4];
    private readonly ConcurrentQueue<string>[] _logs = [new(), new(), new(), new()];

    private static string NameOf(int i) => i < Peers.Length ? Peers[i] : Joiner;

    private ConsortiumServers(EtcdCluster cluster, string dir)
    {
        Cluster = cluster;
        Dir = dir;
        Urls = [.. Peers.Append(Joiner).Select(_ => $"http://127.0.0.1:{FreePort()}")];
    }

    public EtcdCluster Cluster { get; }
    public string Dir { get; }
    public IReadOnlyList<string> Urls { get; }
    public string ConsortiumFile => Path.Combine(Dir, "consortium.json");

    public string DataDir(int i) => Path.Combine(Dir, NameOf(i), "data");

    /// <summary>Organisation <paramref name="i"/>'s raw 32-byte peer key, as the set-up wrote it beside its data.</summary>
    public byte[] PeerKey(int i) => File.ReadAllBytes(Path.Combine(Dir, Peers[i], "peer.key"));

    /// <summary>Server <paramref name="i"/>'s ledger, opened beside the running server (SQLite WAL: reads do not block it).</summary>
    public LedgerStore Store(int i) => LedgerStore.Sqlite($"Data Source={Path.Combine(DataDir(i), "medledger.db")}");

    public static string CliPath
    {
        get
        {
            var sep = Path.DirectorySeparatorChar;
            var config = AppContext.BaseDirectory.Contains($"{sep}Release{sep}", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(Repo.Root, "src", "MedLedger.Cli", "bin", config, "net10.0", "medledger.dll");
        }
    }

    /// <summary>
    /// A fresh etcd cluster, the shared consortium file (raw 32-byte peer keys, one per organisation) and the servers that
    /// answer /health: all three, or only those in <paramref name="launch"/> (a test then runs the others' peers itself).
    /// </summary>
    /// <param name="withJoiner">The file names a fourth member (<see cref="Joiner"/>, k = 3 of 4) that is not started here.</param>
    public static async Task<ConsortiumServers> StartAsync(IReadOnlyList<int>? launch = null, bool withJoiner = false)
    {
        string[] names = withJoiner ? [.. Peers, Joiner] : Peers;
        var cluster = await EtcdCluster.StartAsync(names);
        var servers = new ConsortiumServers(cluster, Path.Combine(cluster.Dir, "consortium"));
        var members = new List<object>();
        for (var i = 0; i < names.Length; i++)
        {
            Directory.CreateDirectory(Path.Combine(servers.Dir, names[i]));
            var (priv, pub) = LedgerCrypto.GenerateKeyPair();
            await File.WriteAllBytesAsync(Path.Combine(servers.Dir, names[i], "peer.key"), priv);
            members.Add(new { peerId = names[i], publicKey = Convert.ToBase64String(pub), organization = $"Organisation {names[i]}", kind = i == 2 ? "insurer" : "hospital", apiUrl = servers.Urls[i] });
        }
        await File.WriteAllTextAsync(servers.ConsortiumFile, JsonSerializer.Serialize(new
        {
            name = "failure-test",
            members,
            etcd = new { endpoints = cluster.Endpoints, caFile = Path.Combine(cluster.Dir, "pki", "ca.pem") },
        }));
        launch ??= [0, 1, 2];
        foreach (var i in launch)
        {
            servers.Launch(i);
        }
        await Task.WhenAll(launch.Select(servers.WaitHealthyAsync));
        return servers;
    }

    /// <summary>Starts the fourth organisation's server on an empty folder with --join pointing at server <paramref name="member"/>.</summary>
    public async Task JoinAsync(int member)
    {
        Launch(3, Urls[member]);
        await WaitHealthyAsync(3);
    }

    /// <summary>
    /// A new organisation (<see cref="Joiner"/>, not in the consortium file): its peer key beside its (empty) data folder and
    /// its etcd client certificate and user (`etcd-cluster.sh add-user`); returns its 65-byte public key.
    /// </summary>
    public async Task<byte[]> NewOrganisationAsync()
    {
        Directory.CreateDirectory(Path.Combine(Dir, Joiner));
        var (priv, pub) = LedgerCrypto.GenerateKeyPair();
        await File.WriteAllBytesAsync(Path.Combine(Dir, Joiner, "peer.key"), priv);
        await Cluster.AddUserAsync(Joiner);
        return pub;
    }

    /// <summary>
    /// Starts the fourth organisation's server with --join at server <paramref name="member"/> and waits (bounded) for it to
    /// end on its own: a peer that must refuse. Returns its exit code and log.
    /// </summary>
    public async Task<(int Exit, string Log)> JoinRefusedAsync(int member, TimeSpan within)
    {
        Launch(3, Urls[member]);
        var p = _servers[3]!;
        using var wait = new CancellationTokenSource(within);
        try
        {
            await p.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync(3);
            throw new Xunit.Sdk.XunitException($"{Joiner} did not stop within {within}:\n{Log(3)}");
        }
        p.WaitForExit(); // drains the redirected output
        var result = (p.ExitCode, string.Join('\n', _logs[3]));
        p.Dispose();
        _servers[3] = null;
        _logs[3].Clear();
        return result;
    }

    /// <summary>The options `serve` and `admin create --consortium` take for server <paramref name="i"/>'s organisation.</summary>
    public string[] MemberOptions(int i)
    {
        var pki = Path.Combine(Cluster.Dir, "pki");
        return
        [
            "--data", DataDir(i), "--consortium", ConsortiumFile, "--peer", NameOf(i), "--peer-key", Path.Combine(Dir, NameOf(i), "peer.key"),
            "--etcd-cert", Path.Combine(pki, $"client-{NameOf(i)}.pem"), "--etcd-key", Path.Combine(pki, $"client-{NameOf(i)}-key.pem"),
        ];
    }

    /// <summary>The real CLI (`medledger …`), bounded to 3 minutes; exit code and both streams.</summary>
    public static async Task<(int Exit, string Output)> RunCliAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(CliPath);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["COLUMNS"] = "250";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            throw new TimeoutException("medledger did not end in 3 minutes:\n" + await stdout + await stderr);
        }
        return (p.ExitCode, await stdout + await stderr);
    }

    private void Launch(int i, string? join = null)
    {
        var pki = Path.Combine(Cluster.Dir, "pki");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            CliPath, "serve", "--data", DataDir(i), "--urls", Urls[i], "--consortium", ConsortiumFile, "--peer", NameOf(i),
            "--peer-key", Path.Combine(Dir, NameOf(i), "peer.key"), "--etcd-cert", Path.Combine(pki, $"client-{NameOf(i)}.pem"), "--etcd-key", Path.Combine(pki, $"client-{NameOf(i)}-key.pem"),
        })
        {
            psi.ArgumentList.Add(a);
        }
        if (join is not null)
        {
            psi.ArgumentList.Add("--join");
            psi.ArgumentList.Add(join);
        }
        psi.Environment["NO_COLOR"] = "1";
        // The dev outbox (registration codes) without seeding a demo world; quiet logs so the pipes stay small.
        psi.Environment["Demo__Enabled"] = "true";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) => Keep(i, e.Data);
        p.ErrorDataReceived += (_, e) => Keep(i, e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _servers[i] = p;
    }

    private void Keep(int i, string? line)
    {
        if (line is null)
        {
            return;
        }
        _logs[i].Enqueue(line);
        while (_logs[i].Count > 2000 && _logs[i].TryDequeue(out _))
        {
        }
    }

    public string Log(int i) => string.Join('\n', _logs[i].TakeLast(40));

    /// <summary>Waits (bounded) until server <paramref name="i"/> answers /health.</summary>
    public async Task WaitHealthyAsync(int i)
    {
        using var http = new HttpClient { BaseAddress = new Uri(Urls[i]), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            if (_servers[i]!.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{NameOf(i)} did not start:\n{Log(i)}");
            }
            try
            {
                if ((await http.GetAsync(new Uri("/health", UriKind.Relative))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
    }

    /// <summary>kill -9 of server <paramref name="i"/> by its own pid.</summary>
    public async Task KillAsync(int i)
    {
        var p = _servers[i]!;
        p.Kill();
        await p.WaitForExitAsync();
        p.Dispose();
        _servers[i] = null;
    }

    /// <summary>Server <paramref name="i"/> again on the same data folder, peer key and certificate.</summary>
    public async Task RestartAsync(int i)
    {
        if (_servers[i] is not null)
        {
            await KillAsync(i);
        }
        Launch(i);
        await WaitHealthyAsync(i);
    }

    /// <summary>SIGTERM to server <paramref name="i"/>'s pid (a clean stop), kill -9 if it has not ended in 30 s.</summary>
    public async Task StopAsync(int i)
    {
        var p = _servers[i];
        if (p is null)
        {
            return;
        }
        using (var term = Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await p.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            await p.WaitForExitAsync();
        }
        p.Dispose();
        _servers[i] = null;
    }

    /// <summary>Height and header hash of server <paramref name="i"/>'s newest block, read from its database.</summary>
    public (long Height, string Hash) Head(int i)
    {
        using var c = Open(i);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT height, hex(header_hash) FROM ledger_blocks ORDER BY height DESC LIMIT 1";
        using var r = cmd.ExecuteReader();
        return r.Read() ? (r.GetInt64(0), r.GetString(1)) : (0, "");
    }

    /// <summary>Every transaction id on server <paramref name="i"/>'s ledger with how many times it was applied as valid.</summary>
    public Dictionary<string, int> ValidTransactions(int i)
    {
        using var c = Open(i);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT tx_id, count(*) FROM ledger_transactions WHERE valid = 1 GROUP BY tx_id";
        using var r = cmd.ExecuteReader();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (r.Read())
        {
            counts[r.GetString(0)] = r.GetInt32(1);
        }
        return counts;
    }

    /// <summary>How many distinct peers proposed the blocks on server <paramref name="i"/>'s ledger.</summary>
    public int Proposers(int i)
    {
        using var c = Open(i);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT count(DISTINCT peer_id) FROM ledger_blocks";
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Total rows in server <paramref name="i"/>'s ledger_transactions (valid or not) per id: an id applied twice shows 2.</summary>
    public int DuplicateTransactionIds(int i)
    {
        using var c = Open(i);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM (SELECT tx_id FROM ledger_transactions GROUP BY tx_id HAVING count(*) > 1)";
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Waits (bounded) until all three servers hold the same head, and returns it.</summary>
    public async Task<(long Height, string Hash)> SameHeadAsync(TimeSpan within, int servers = 3)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var heads = Enumerable.Range(0, servers).Select(Head).ToList();
            if (heads.Distinct().Count() == 1 && heads[0].Height > 0)
            {
                return heads[0];
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"heads differ after {within}: {string.Join(", ", heads.Select((h, n) => $"{NameOf(n)} {h.Height}:{h.Hash[..Math.Min(16, h.Hash.Length)]}"))}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>`medledger ledger verify --data` on server <paramref name="i"/>'s folder (the server stopped).</summary>
    public async Task<(int Exit, string Output)> VerifyAsync(int i)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { CliPath, "ledger", "verify", "--data", DataDir(i) })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["COLUMNS"] = "250";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }

    /// <summary>The etcd member (1–3) that is the Raft leader now, asked with the cluster's root certificate.</summary>
    public async Task<int> LeaderMemberAsync()
    {
        var pki = Path.Combine(Cluster.Dir, "pki");
        var psi = new ProcessStartInfo("etcdctl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--endpoints", string.Join(',', Cluster.Endpoints), "--cacert", Path.Combine(pki, "ca.pem"), "--cert", Path.Combine(pki, "root.pem"),
            "--key", Path.Combine(pki, "root-key.pem"), "endpoint", "status", "-w", "json" })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["ETCDCTL_API"] = "3";
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        using var doc = JsonDocument.Parse(output);
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            var status = e.GetProperty("Status");
            if (status.GetProperty("header").GetProperty("member_id").GetUInt64() == status.GetProperty("leader").GetUInt64())
            {
                return Cluster.Endpoints.ToList().IndexOf(e.GetProperty("Endpoint").GetString()!) + 1;
            }
        }
        throw new InvalidOperationException("no etcd leader: " + output);
    }

    private SqliteConnection Open(int i)
    {
        var c = new SqliteConnection($"Data Source={Path.Combine(DataDir(i), "medledger.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var busy = c.CreateCommand();
        busy.CommandText = "PRAGMA busy_timeout = 5000";
        busy.ExecuteNonQuery();
        return c;
    }

    /// <summary>Signatures by <paramref name="peerId"/> in server <paramref name="i"/>'s stored certificates.</summary>
    public int CertificateSignaturesBy(int i, string peerId)
    {
        using var c = Open(i);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM ledger_certificates WHERE peer_id = $p";
        cmd.Parameters.AddWithValue("$p", peerId);
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < 4; i++)
        {
            if (_servers[i] is { } p)
            {
                try
                {
                    p.Kill();
                    await p.WaitForExitAsync();
                }
                catch (InvalidOperationException)
                {
                    // Already ended.
                }
                p.Dispose();
            }
        }
        await Cluster.DisposeAsync();
    }

    private static int FreePort() => MedLedger.Testing.LoopbackPorts.Reserve();
}
