using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// Issue 14 item 6: `scripts/consortium.sh start` as the README gives it (binaries already built by the test command),
/// on SQLite and on PostgreSQL: three etcd members, three organisations' servers answering on their URLs with their
/// demo worlds, one shared ledger (the same head in the three databases), and `stop` ends everything it started.
/// </summary>
public sealed class ConsortiumScriptTests(ITestOutputHelper output)
{
    private static readonly string[] Peers = ["hospital-a", "hospital-b", "insurer"];

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_consortium_script_runs_three_organisations_on_one_ledger_and_stops_them(string database)
    {
        var dir = Path.Combine(Path.GetTempPath(), "medledger-consortium-" + Guid.NewGuid().ToString("N")[..10]);
        var etcdBase = EtcdCluster.FreePorts(6, 100);
        var apiBase = EtcdCluster.FreePorts(3);
        try
        {
            var started = Stopwatch.StartNew();
            var (code, text) = await ScriptAsync(database, "start", dir, etcdBase.ToString(CultureInfo.InvariantCulture), apiBase.ToString(CultureInfo.InvariantCulture));
            output.WriteLine($"start ({database}) exited {code} after {started.Elapsed.TotalSeconds:F0} s:\n{text}");
            Assert.True(code == 0, text);
            Assert.Contains($"databases: {database}", text, StringComparison.Ordinal);

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            for (var i = 0; i < 3; i++)
            {
                var url = $"http://127.0.0.1:{apiBase + i}";
                Assert.Contains(url, text, StringComparison.Ordinal);
                Assert.True((await http.GetAsync(new Uri(url + "/health"))).IsSuccessStatusCode, url);
                var consortium = await http.GetFromJsonAsync<JsonElement>(new Uri(url + "/api/ledger/consortium"));
                Assert.Equal(2, consortium.GetProperty("threshold").GetInt32());
                Assert.Equal(Peers, consortium.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("peerId").GetString()));
                var users = JsonSerializer.Deserialize<JsonElement>(await File.ReadAllTextAsync(Path.Combine(dir, "orgs", Peers[i], "data", "demo-users.json")));
                Assert.True(users.GetArrayLength() >= 2, $"{Peers[i]} seeded {users.GetArrayLength()} demo users");
            }
            var (_, status) = await ScriptAsync(database, "status", dir);
            Assert.Equal(3, status.Split('\n').Count(l => l.Contains("  running  ", StringComparison.Ordinal) && l.EndsWith("health 200", StringComparison.Ordinal)));
            Assert.Equal(database == "postgres", status.Contains("postgresql running", StringComparison.Ordinal));

            var stop = await ScriptAsync(database, "stop", dir);
            Assert.True(stop.Code == 0, stop.Output);
            var (_, after) = await ScriptAsync(database, "status", dir);
            Assert.DoesNotContain("running", after, StringComparison.Ordinal);

            // One shared ledger: every organisation's database ends at the same height with the same header hash.
            var heads = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                heads.Add(database == "postgres" ? await PostgresHeadAsync(dir, etcdBase + 100, Peers[i]) : SqliteHead(dir, Peers[i]));
            }
            output.WriteLine(string.Join('\n', heads));
            Assert.Single(heads.Distinct());
            Assert.True(long.Parse(heads[0].Split(' ')[0], CultureInfo.InvariantCulture) > 3, heads[0]);
        }
        finally
        {
            await ScriptAsync(database, "stop", dir);
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A process still closing a file; the temp folder is cleaned by the OS.
            }
        }
    }

    private static string SqliteHead(string dir, string peer)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(dir, "orgs", peer, "data", "medledger.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT height || ' ' || hex(header_hash) FROM ledger_blocks ORDER BY height DESC LIMIT 1";
        return (string)cmd.ExecuteScalar()!;
    }

    /// <summary>The stopped script's cluster is started again just to read the head, then stopped.</summary>
    private static async Task<string> PostgresHeadAsync(string dir, int port, string peer)
    {
        var pgCtl = new[] { "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", Path.Combine(dir, "pg", "data") };
        await RunAsync("runuser", [.. pgCtl, "-l", Path.Combine(dir, "pg", "log.txt"), "-w", "-o", $"-p {port} -k {Path.Combine(dir, "pg")} -c listen_addresses=127.0.0.1", "start"]);
        try
        {
            await using var c = new Npgsql.NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=postgres;Database=medledger_{peer.Replace('-', '_')};Pooling=false");
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT height || ' ' || upper(encode(header_hash, 'hex')) FROM ledger_blocks ORDER BY height DESC LIMIT 1";
            return (string)(await cmd.ExecuteScalarAsync())!;
        }
        finally
        {
            await RunAsync("runuser", [.. pgCtl, "-m", "fast", "-w", "stop"]);
        }
    }

    private static Task<(int Code, string Output)> ScriptAsync(string database, params string[] args) =>
        RunAsync("bash", [Path.Combine(Repo.Root, "scripts", "consortium.sh"), .. args], new Dictionary<string, string>
        {
            ["MEDLEDGER_SKIP_BUILD"] = "1",
            ["MEDLEDGER_CONSORTIUM_DB"] = database,
        });

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args, Dictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? [])
        {
            psi.Environment[k] = v;
        }
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout + await stderr);
    }
}
