using System.Text.Json;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// Amendment requests through the `medledger` binary against `serve --demo`: the patient files one on the doctor's
/// record, the doctor sees the decrypted text and declines with a reason, the patient reads the reason; then
/// `ledger verify` finds the amendment rows in agreement with the ledger.
/// </summary>
public sealed class AmendmentCliTests : IAsyncLifetime
{
    private DemoServerProcess _demo = null!;

    public async Task InitializeAsync() => _demo = await DemoServerProcess.StartAsync();

    public async Task DisposeAsync() => await _demo.DisposeAsync();

    private async Task<string> Ok(string? home, params string[] args)
    {
        var r = await _demo.RunAsync(home, args);
        Assert.True(r.Exit == 0, $"{string.Join(' ', args)}: {r.Out}{r.Err}");
        return r.Out;
    }

    [Fact]
    public async Task Patient_files_doctor_declines_with_a_reason_and_verify_agrees()
    {
        var patient = _demo.Accounts.First(u => u.Role == "Patient");
        var staff = _demo.Accounts.First(u => u.Role == "HospitalStaff");
        var doctor = _demo.Accounts.First(u => u.Role == "Doctor" && u.Organization == staff.Organization);
        var homes = await Task.WhenAll(_demo.LoginAsync(patient), _demo.LoginAsync(staff), _demo.LoginAsync(doctor));
        var (patientHome, staffHome, doctorHome) = (homes[0], homes[1], homes[2]);
        using var http = new HttpClient { BaseAddress = new Uri(_demo.Url) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", (await Ok(patientHome, "token")).Trim());
        var patientId = JsonDocument.Parse(await http.GetStringAsync("/api/me")).RootElement.GetProperty("id").GetString()!;

        await Ok(staffHome, "care", "assign", "--doctor", doctor.Email, "--patient", patientId);
        var recordId = (await Ok(doctorHome, "records", "add", Repo.TestData("fhir-r4", "condition-example2.json"), "--patient", patientId)).Trim().Split('\n').Last().Trim();

        // A patient cannot request a correction of their own record: the SDK refuses before sending.
        var own = (await Ok(patientHome, "records", "add", Repo.TestData("fhir-r4", "Condition-For-Patient-f001.json"))).Trim().Split('\n').Last().Trim();
        var refused = await _demo.RunAsync(patientHome, ["records", "amend-request", own, "--text", "Wrong."]);
        Assert.True(refused.Exit != 0, refused.Out + refused.Err);

        var requestId = (await Ok(patientHome, "records", "amend-request", recordId, "--text", "The severity is overstated.")).Trim().Split('\n').Last().Trim();
        Assert.True(Guid.TryParse(requestId, out _), requestId);
        var seen = await Ok(doctorHome, "records", "amendments");
        Assert.Contains("The severity is overstated.", seen);
        Assert.Contains("open", seen);

        await Ok(doctorHome, "records", "amend-decide", requestId, "--decline", "--reason", "Severity follows the 2024 guideline.");
        var mine = await Ok(patientHome, "records", "amendments", "--record", recordId);
        Assert.Contains("declined: Severity follows the 2024 guideline.", mine);

        await _demo.StopAsync();
        var verify = await _demo.RunAsync(null, ["ledger", "verify", "--data", _demo.DataDirectory]);
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        Assert.StartsWith("OK:", verify.Out);
    }
}
