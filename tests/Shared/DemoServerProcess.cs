using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using OtpNet;

namespace MedLedger.Server.Tests.Infrastructure;

public sealed record DemoAccount(string Email, string Password, string Role, string TotpSecret, string? Organization);

public sealed record CliResult(int Exit, string Out, string Err)
{
    public string All => Out + Err;

    /// <summary>The exit code with standard output and error together, as most CLI tests assert on them.</summary>
    public (int Exit, string Out) Combined => (Exit, All);
}

/// <summary>Reading what the `medledger` binary printed: ids go to standard output on a line of their own.</summary>
public static partial class CliOutput
{
    [GeneratedRegex(@"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    public static partial Regex GuidLine();

    public static string LastLine(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return output.Trim().Split('\n').Last().Trim();
    }
}

/// <summary>The built `medledger` binary, run as a separate process the way a person or script runs it.</summary>
public static class CliBinary
{
    public static string Path
    {
        get
        {
            var sep = System.IO.Path.DirectorySeparatorChar;
            var config = AppContext.BaseDirectory.Contains($"{sep}Release{sep}", StringComparison.Ordinal) ? "Release" : "Debug";
            return System.IO.Path.Combine(Repo.Root, "src", "MedLedger.Cli", "bin", config, "net10.0", "medledger.dll");
        }
    }

    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }
        psi.ArgumentList.Add(Path);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["COLUMNS"] = "250";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        return Process.Start(psi)!;
    }

    public static async Task<CliResult> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        using var p = Start(args, environment, workingDirectory);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return new CliResult(p.ExitCode, await stdout, await stderr);
    }
}

/// <summary>
/// `medledger serve --demo` on a free loopback port in its own process, with per-user CLI homes.
/// The server's output is drained continuously: a full pipe would block it.
/// </summary>
public sealed class DemoServerProcess : IAsyncDisposable
{
    private Process _server;
    private readonly IReadOnlyDictionary<string, string>? _environment;
    private readonly string _homes;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    public string Url { get; }

    /// <summary>The server's most recent console lines (stdout and stderr), for tests that check what it logs.</summary>
    public IReadOnlyList<string> RecentLog => [.. _log];
    public string DataDirectory { get; }
    public IReadOnlyList<DemoAccount> Accounts { get; private set; } = [];

    private DemoServerProcess(string url, string data, string homes, IReadOnlyDictionary<string, string>? environment)
    {
        Url = url;
        DataDirectory = data;
        _homes = homes;
        // The demo's Synthea histories cost about a minute of CPU in the background; only the suites that look at them
        // (DemoHistoriesTests) turn them on.
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>());
        env.TryAdd("MEDLEDGER_DEMO_HISTORIES", "0");
        _environment = env;
        _server = Launch();
    }

    private Process Launch()
    {
        var server = CliBinary.Start(["serve", "--demo", "--data", DataDirectory, "--urls", Url], _environment);
        server.OutputDataReceived += (_, e) => Keep(e.Data);
        server.ErrorDataReceived += (_, e) => Keep(e.Data);
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        return server;
    }

    /// <summary>Starts the server again on the same data folder (after <see cref="StopAsync"/>, which kills it) and waits until it answers.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        _server.Dispose();
        _server = Launch();
        using var http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(5) };
        // Start-up replays the roll-forward and the migrations check; on a loaded 2-core machine that took over a minute.
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            if (_server.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("serve did not come back: " + string.Join('\n', _log.TakeLast(40)));
            }
            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Still starting.
            }
            await Task.Delay(100);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        _log.Enqueue(line);
        while (_log.Count > 5000 && _log.TryDequeue(out _))
        {
        }
    }

    public static async Task<DemoServerProcess> StartAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        var port = MedLedger.Testing.LoopbackPorts.Reserve();
        var id = Guid.NewGuid().ToString("N")[..10];
        var server = new DemoServerProcess($"http://127.0.0.1:{port}",
            System.IO.Path.Combine(System.IO.Path.GetTempPath(), "medledger-demo-" + id), System.IO.Path.Combine(System.IO.Path.GetTempPath(), "medledger-homes-" + id), environment);
        var file = System.IO.Path.Combine(server.DataDirectory, "demo-users.json");
        // Generous: seeding is a few hundred SDK calls with client-side crypto, and a loaded 2-core machine is slow.
        var deadline = DateTime.UtcNow.AddMinutes(6);
        while (true)
        {
            if (server._server.HasExited || DateTime.UtcNow > deadline)
            {
                var log = string.Join('\n', server._log);
                await server.DisposeAsync();
                throw new InvalidOperationException("serve --demo did not seed: " + log);
            }
            if (File.Exists(file))
            {
                try
                {
                    server.Accounts = JsonSerializer.Deserialize<List<DemoAccount>>(await File.ReadAllTextAsync(file), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
                    return server;
                }
                catch (Exception e) when (e is JsonException or IOException)
                {
                    // Still being written.
                }
            }
            await Task.Delay(250);
        }
    }

    /// <summary>Runs a client verb against this server with the given CLI home (saved session).</summary>
    public Task<CliResult> RunAsync(string? home, params string[] args)
    {
        var env = new Dictionary<string, string> { ["MEDLEDGER_URL"] = Url };
        if (home is not null)
        {
            env["MEDLEDGER_HOME"] = home;
        }
        return CliBinary.RunAsync(args, env);
    }

    /// <summary>Signs a demo user in non-interactively; returns their CLI home.</summary>
    public async Task<string> LoginAsync(DemoAccount user)
    {
        var home = System.IO.Path.Combine(_homes, user.Email);
        // A TOTP step is single use and enrolment used the current one: wait for a fresh step.
        var totp = new Totp(Base32Encoding.ToBytes(user.TotpSecret));
        await Task.Delay(TimeSpan.FromSeconds(totp.RemainingSeconds() + 1));
        var r = await RunAsync(home, "login", "--email", user.Email, "--password", user.Password, "--otp", totp.ComputeTotp());
        Assert.True(r.Exit == 0, $"login {user.Email}: {r.All}");
        return home;
    }

    /// <summary>Kills the server (SIGKILL on Unix: no shutdown code runs) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (!_server.HasExited)
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _server.Dispose();
        foreach (var d in new[] { DataDirectory, _homes })
        {
            try { Directory.Delete(d, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

/// <summary>
/// One `serve --demo` shared by the tests of a class (xunit class fixture): seeding costs about a minute of CPU, and tests
/// that work on their own fresh users or plans need no world of their own.
/// </summary>
public sealed class SharedDemoServer : IAsyncLifetime
{
    public DemoServerProcess Demo { get; private set; } = null!;

    public async Task InitializeAsync() => Demo = await DemoServerProcess.StartAsync();

    public async Task DisposeAsync() => await Demo.DisposeAsync();
}
