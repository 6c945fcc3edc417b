using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using MedLedger.Server.Tests.Infrastructure;
using OtpNet;

namespace MedLedger.Server.Tests.Hospitals;

/// <summary>
/// The hospitals and beds verbs of the `medledger` binary, each in its own process and
/// non-interactive, against `serve --demo` on a real loopback port (SDK → HTTP → server).
/// </summary>
public sealed partial class HospitalCliTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "medledger-hcli-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly string _homes = Path.Combine(Path.GetTempPath(), "medledger-hcli-home-" + Guid.NewGuid().ToString("N")[..10]);
    private Process? _server;
    private string _url = "";
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _serverLog = new();

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        _serverLog.Enqueue(line);
        while (_serverLog.Count > 200 && _serverLog.TryDequeue(out _))
        {
        }
    }

    private static string Binary
    {
        get
        {
            var config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(Repo.Root, "src", "MedLedger.Cli", "bin", config, "net10.0", "medledger.dll");
        }
    }

    public async Task InitializeAsync()
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }
        _url = $"http://127.0.0.1:{port}";
        _server = Start(["serve", "--demo", "--data", _data, "--urls", _url], null);
        // Drain the server's output: request logging fills a 64 KiB pipe during seeding and would block the server.
        _server.OutputDataReceived += (_, e) => Keep(e.Data);
        _server.ErrorDataReceived += (_, e) => Keep(e.Data);
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!File.Exists(Path.Combine(_data, "demo-users.json")))
        {
            if (_server.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("serve --demo did not seed: " + string.Join('\n', _serverLog));
            }
            await Task.Delay(250);
        }
        // demo-users.json is written last; give the writer a moment to close it.
        await Task.Delay(300);
    }

    public async Task DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }
        foreach (var d in new[] { _data, _homes })
        {
            try { Directory.Delete(d, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private Process Start(string[] args, string? home)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Binary);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["MEDLEDGER_URL"] = _url;
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["COLUMNS"] = "250";
        if (home is not null)
        {
            psi.Environment["MEDLEDGER_HOME"] = home;
        }
        return Process.Start(psi)!;
    }

    private async Task<(int Exit, string Out)> Run(string? home, params string[] args)
    {
        using var p = Start(args, home);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }

    private sealed record Demo(string Email, string Password, string Role, string TotpSecret, string? Organization);

    private async Task<string> LoginAsync(Demo user)
    {
        var home = Path.Combine(_homes, user.Email);
        // A TOTP step is single use and enrolment used the current one: wait for a fresh step.
        var totp = new Totp(Base32Encoding.ToBytes(user.TotpSecret));
        await Task.Delay(TimeSpan.FromSeconds(totp.RemainingSeconds() + 1));
        var r = await Run(home, "login", "--email", user.Email, "--password", user.Password, "--otp", totp.ComputeTotp());
        Assert.True(r.Exit == 0, $"login {user.Email}: {r.Out}");
        return home;
    }

    [GeneratedRegex(@"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex GuidLine();

    [Fact]
    public async Task Staff_set_beds_patient_searches_books_and_staff_admits_through_the_cli()
    {
        var users = JsonSerializer.Deserialize<List<Demo>>(await File.ReadAllTextAsync(Path.Combine(_data, "demo-users.json")), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var staff = users.First(u => u.Role == "HospitalStaff");
        var patient = users.First(u => u.Role == "Patient");
        var homes = await Task.WhenAll(LoginAsync(staff), LoginAsync(patient));
        var (staffHome, patientHome) = (homes[0], homes[1]);
        var token = (await Run(staffHome, "token")).Out.Trim();
        string hospital;
        using (var http = new HttpClient { BaseAddress = new Uri(_url) })
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", token);
            hospital = JsonDocument.Parse(await http.GetStringAsync("/api/me")).RootElement.GetProperty("organizationId").GetString()!;
        }

        var set = await Run(staffHome, "beds", "set", hospital, "--ward", "ICU North", "--type", "icu", "--total", "2", "--occupied", "1");
        Assert.True(set.Exit == 0, set.Out);
        Assert.Contains("ICU North", set.Out);
        // An existing ward keeps its type; inconsistent counts are refused with the server's problem.
        var bad = await Run(staffHome, "beds", "set", hospital, "--ward", "ICU North", "--total", "2", "--occupied", "3");
        Assert.Equal(1, bad.Exit);
        Assert.Contains("422", bad.Out);
        Assert.Contains("occupied must not exceed total", bad.Out);
        var newWard = await Run(staffHome, "beds", "set", hospital, "--ward", "Nowhere", "--total", "2", "--occupied", "0");
        Assert.Equal(1, newWard.Exit);
        Assert.Contains("--type", newWard.Out);

        var show = await Run(patientHome, "beds", "show", hospital);
        Assert.True(show.Exit == 0, show.Out);
        Assert.Matches(@"ICU North\s*[│|]\s*icu\s*[│|]\s*2\s*[│|]\s*1\s*[│|]\s*0\s*[│|]\s*1", show.Out);

        var search = await Run(patientHome, "hospitals", "search", "--near", "52.52,13.40", "--radius", "10", "--bed-type", "icu");
        Assert.True(search.Exit == 0, search.Out);
        Assert.Contains(hospital, search.Out);
        Assert.Contains("icu 1", search.Out);
        Assert.Contains("1 hospital(s) within range", search.Out);
        var badNear = await Run(patientHome, "hospitals", "search", "--near", "north");
        Assert.Equal(1, badNear.Exit);
        Assert.Contains("--near must be LAT,LON", badNear.Out);
        var tooFar = await Run(patientHome, "hospitals", "search", "--near", "52.52,13.40", "--radius", "500");
        Assert.Equal(1, tooFar.Exit);
        Assert.Contains("422", tooFar.Out);

        var book = await Run(patientHome, "beds", "book", hospital, "--type", "icu");
        Assert.True(book.Exit == 0, book.Out);
        var bookingId = book.Out.Trim().Split('\n').Last().Trim();
        Assert.Matches(GuidLine(), bookingId);
        var full = await Run(patientHome, "beds", "book", hospital, "--type", "icu");
        Assert.Equal(1, full.Exit);
        Assert.Contains("409", full.Out);
        Assert.Contains("already hold a bed", full.Out);

        Assert.Contains(bookingId, (await Run(patientHome, "beds", "bookings")).Out);
        var staffList = await Run(staffHome, "beds", "bookings", "--status", "Held");
        Assert.Contains(bookingId, staffList.Out);
        var admit = await Run(staffHome, "beds", "admit", bookingId);
        Assert.True(admit.Exit == 0, admit.Out);
        Assert.Contains("Admitted", admit.Out);
        Assert.Matches(@"ICU North\s*[│|]\s*icu\s*[│|]\s*2\s*[│|]\s*2\s*[│|]\s*0\s*[│|]\s*0", (await Run(patientHome, "beds", "show", hospital)).Out);
    }
}
