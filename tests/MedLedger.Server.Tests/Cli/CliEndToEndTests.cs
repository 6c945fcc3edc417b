using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MedLedger.Server.Tests.Infrastructure;
using OtpNet;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// The `medledger` binary as a person uses it: `serve --demo` on a real loopback port, then every
/// verb in its own process, non-interactively, with the demo credentials; finally `ledger verify`
/// on the stopped server's data, before and after tampering with a blob.
/// </summary>
public sealed class CliEndToEndTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "medledger-cli-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly string _homes = Path.Combine(Path.GetTempPath(), "medledger-cli-home-" + Guid.NewGuid().ToString("N")[..10]);
    private Process? _server;
    private readonly System.Text.StringBuilder _serverLog = new();
    private string _url = "";

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
        // Drain the server's output continuously: a full pipe would block the server.
        _server.OutputDataReceived += (_, e) => { lock (_serverLog) { _serverLog.AppendLine(e.Data); } };
        _server.ErrorDataReceived += (_, e) => { lock (_serverLog) { _serverLog.AppendLine(e.Data); } };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!File.Exists(Path.Combine(_data, "demo-users.json")))
        {
            if (_server.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("serve --demo did not seed: " + _serverLog);
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

    private async Task<(int Exit, string Out, string Err)> Run(string? home, params string[] args)
    {
        using var p = Start(args, home);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }

    private sealed record Demo(string Email, string Password, string Role, string TotpSecret, string? Organization);

    private async Task<string> LoginAsync(Demo user)
    {
        var home = Path.Combine(_homes, user.Email);
        // A TOTP step is single use and enrolment used the current one: wait for a fresh step.
        var totp = new Totp(Base32Encoding.ToBytes(user.TotpSecret));
        await Task.Delay(TimeSpan.FromSeconds(totp.RemainingSeconds() + 1));
        var r = await Run(home, "login", "--email", user.Email, "--password", user.Password, "--otp", totp.ComputeTotp());
        Assert.True(r.Exit == 0, $"login {user.Email}: {r.Out} {r.Err}");
        return home;
    }

    [Fact]
    public async Task Demo_world_records_consent_care_proofs_and_verification_through_the_cli()
    {
        var users = JsonSerializer.Deserialize<List<Demo>>(await File.ReadAllTextAsync(Path.Combine(_data, "demo-users.json")), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal(12, users.Count);
        Assert.Equal(new[] { "Doctor", "HospitalStaff", "InsurerStaff", "Patient", "Pharmacist", "PlatformAdmin" }, users.Select(u => u.Role).Distinct().Order().ToArray());
        var patient = users.First(u => u.Role == "Patient");
        var staff = users.First(u => u.Role == "HospitalStaff");
        var doctor = users.First(u => u.Role == "Doctor" && u.Organization == staff.Organization);

        // Patients and doctor/staff log in in parallel (each waits for its own fresh TOTP step).
        var homes = await Task.WhenAll(LoginAsync(patient), LoginAsync(staff), LoginAsync(doctor));
        var (patientHome, staffHome, doctorHome) = (homes[0], homes[1], homes[2]);

        var fhirFile = Repo.TestData("fhir-r4", "Condition-For-Patient-f001.json");
        var add = await Run(patientHome, "records", "add", fhirFile);
        Assert.True(add.Exit == 0, add.Out + add.Err);
        var recordId = add.Out.Trim().Split('\n').Last().Trim();
        Assert.True(Guid.TryParse(recordId, out _), add.Out);

        var list = await Run(patientHome, "records", "list");
        Assert.Contains(recordId, list.Out);
        Assert.Contains("Condition", list.Out);
        var show = await Run(patientHome, "records", "show", recordId);
        Assert.Equal(await File.ReadAllTextAsync(fhirFile), show.Out);

        var token = await Run(patientHome, "token");
        Assert.Equal(0, token.Exit);
        using (var http = new HttpClient { BaseAddress = new Uri(_url) })
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", token.Out.Trim());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/me")).StatusCode);
        }

        // The doctor cannot read until assigned and consented.
        Assert.NotEqual(0, (await Run(doctorHome, "records", "show", recordId)).Exit);
        var assign = await Run(staffHome, "care", "assign", "--doctor", doctor.Email, "--patient", patient.Email);
        Assert.True(assign.Exit == 0, assign.Out + assign.Err);
        var grant = await Run(patientHome, "consent", "grant", "--to", doctor.Email, "--scope", "categories:Condition", "--expires", DateTimeOffset.UtcNow.AddDays(30).ToString("O"));
        Assert.True(grant.Exit == 0, grant.Out + grant.Err);
        var grantId = grant.Out.Trim().Split('\n').Last().Trim();
        Assert.Equal(await File.ReadAllTextAsync(fhirFile), (await Run(doctorHome, "records", "show", recordId)).Out);

        var revoke = await Run(patientHome, "consent", "revoke", grantId);
        Assert.True(revoke.Exit == 0, revoke.Out + revoke.Err);
        var refused = await Run(doctorHome, "records", "show", recordId);
        Assert.Equal(1, refused.Exit);
        Assert.True(refused.Out.Contains("403", StringComparison.Ordinal), refused.Out + refused.Err);

        // A receipt, fetched and verified offline.
        var mine = JsonDocument.Parse(await GetAsync(token.Out.Trim(), "/api/ledger/mine?limit=1")).RootElement[0].GetProperty("id").GetString()!;
        var proof = await Run(patientHome, "ledger", "proof", mine);
        Assert.True(proof.Exit == 0, proof.Out + proof.Err);
        Assert.Contains("verified", proof.Out);

        // Stop the server, verify the whole chain offline, then tamper with a blob and watch verify name it.
        _server!.Kill(entireProcessTree: true);
        await _server.WaitForExitAsync();
        var verify = await Run(null, "ledger", "verify", "--data", _data);
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        Assert.StartsWith("OK:", verify.Out);
        var blob = Directory.EnumerateFiles(Path.Combine(_data, "blobs"), "*", SearchOption.AllDirectories).First();
        var bytes = await File.ReadAllBytesAsync(blob);
        bytes[^1] ^= 0x01;
        await File.WriteAllBytesAsync(blob, bytes);
        var broken = await Run(null, "ledger", "verify", "--data", _data);
        Assert.NotEqual(0, broken.Exit);
        Assert.Contains(Path.GetFileName(blob), broken.Out);
    }

    private async Task<string> GetAsync(string token, string path)
    {
        using var http = new HttpClient { BaseAddress = new Uri(_url) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return await http.GetStringAsync(path);
    }
}
