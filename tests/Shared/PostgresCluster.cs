using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MedLedger.Testing;

/// <summary>
/// A real, throwaway PostgreSQL 15 cluster: initdb into a temp folder owned by the
/// postgres user, pg_ctl start on a free loopback port, removed on dispose.
/// Missing binaries are a failure with a clear message, never a silent skip.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    public const string BinDir = "/usr/lib/postgresql/15/bin";
    private readonly string _dataDir;
    private readonly bool _asPostgresUser;

    public int Port { get; }
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=200";

    private PostgresCluster(string dataDir, int port, bool asPostgresUser)
    {
        _dataDir = dataDir;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public static async Task<PostgresCluster> StartAsync()
    {
        if (!File.Exists(Path.Combine(BinDir, "initdb")) || !File.Exists(Path.Combine(BinDir, "pg_ctl")))
        {
            throw new InvalidOperationException(
                $"PostgreSQL 15 server binaries were not found under {BinDir}. Install postgresql-15 (the test command does) — this test does not skip.");
        }
        var asPostgres = Environment.UserName == "root";
        var root = Path.Combine(Path.GetTempPath(), "medledger-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        if (asPostgres)
        {
            await RunAsync("chown", ["postgres:postgres", root], false);
        }
        var dataDir = Path.Combine(root, "data");
        var port = FreePort();
        var cluster = new PostgresCluster(dataDir, port, asPostgres);
        await cluster.Pg("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync"]);
        await cluster.Pg("pg_ctl", ["-D", dataDir, "-l", Path.Combine(root, "log.txt"), "-w", "-t", "60",
            "-o", $"-p {port} -k {root} -c max_connections=1000 -c fsync=off -c listen_addresses=127.0.0.1", "start"]);
        return cluster;
    }

    private Task Pg(string tool, string[] args) =>
        _asPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(BinDir, tool), .. args], true)
            : RunAsync(Path.Combine(BinDir, tool), args, true);

    private static async Task RunAsync(string file, string[] args, bool check)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {await stderr}{await stdout}");
        }
    }

    private static int FreePort() => LoopbackPorts.Reserve();

    /// <summary>A connection string for a fresh, empty database in this cluster.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var conn = new Npgsql.NpgsqlConnection(AdminConnectionString);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = $"CREATE DATABASE \"{name}\"";
        await cmd.ExecuteNonQueryAsync();
        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name};Pooling=true;Maximum Pool Size=100";
    }

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        try
        {
            await Pg("pg_ctl", ["-D", _dataDir, "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            try { Directory.Delete(Path.GetDirectoryName(_dataDir)!, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
