using System.Net;
using System.Text.Json;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// The `medledger` binary as a person uses it: `serve --demo` on a real loopback port, then every
/// verb in its own process, non-interactively, with the demo credentials; finally `ledger verify`
/// on the stopped server's data, before and after tampering with a blob.
/// </summary>
public sealed class CliEndToEndTests : IAsyncLifetime
{
    private DemoServerProcess _demo = null!;
    private string _url = "";
    private string _data = "";

    public async Task InitializeAsync()
    {
        _demo = await DemoServerProcess.StartAsync();
        _url = _demo.Url;
        _data = _demo.DataDirectory;
    }

    public async Task DisposeAsync() => await _demo.DisposeAsync();

    private async Task<(int Exit, string Out, string Err)> Run(string? home, params string[] args)
    {
        var r = await _demo.RunAsync(home, args);
        return (r.Exit, r.Out, r.Err);
    }

    [Fact]
    public async Task Demo_world_records_consent_care_proofs_and_verification_through_the_cli()
    {
        var users = _demo.Accounts;
        // Every demo account is printed once (the world grows as modules add demo data, so no fixed count).
        Assert.Equal(users.Count, users.Select(u => u.Email).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(new[] { "Doctor", "HospitalStaff", "InsurerStaff", "Patient", "Pharmacist", "PlatformAdmin" }, users.Select(u => u.Role).Distinct().Order().ToArray());
        var patient = users.First(u => u.Role == "Patient");
        var staff = users.First(u => u.Role == "HospitalStaff");
        var doctor = users.First(u => u.Role == "Doctor" && u.Organization == staff.Organization);

        // The demo's appointment patient (docs/consultations.md, "Demo").
        var visitor = users.Single(u => u.Email == "patient4@demo.medledger.local");

        // Patients and doctor/staff log in in parallel (each waits for its own fresh TOTP step).
        var homes = await Task.WhenAll(_demo.LoginAsync(patient), _demo.LoginAsync(staff), _demo.LoginAsync(doctor), _demo.LoginAsync(visitor));
        var (patientHome, staffHome, doctorHome, visitorHome) = (homes[0], homes[1], homes[2], homes[3]);

        // The demo holds an appointment in every state the contract reaches without waiting for a visit's start (no-show
        // needs that), and the fulfilled one's advice opens and verifies for the patient.
        var appointments = await Run(visitorHome, "appointments", "list");
        Assert.True(appointments.Exit == 0, appointments.Out + appointments.Err);
        foreach (var state in new[] { "Booked", "Arrived", "InProgress", "Fulfilled", "Cancelled" })
        {
            Assert.Matches($@"(?m)^.*[0-9a-f-]{{36}}.*\b{state}\b", appointments.Out);
        }
        var fulfilled = System.Text.RegularExpressions.Regex.Match(appointments.Out, @"(?m)([0-9a-f-]{36}).*\bFulfilled\b").Groups[1].Value;
        var advice = await Run(visitorHome, "appointments", "advice", fulfilled);
        Assert.True(advice.Exit == 0, advice.Out + advice.Err);
        Assert.Contains("no antibiotics needed", advice.Out);
        Assert.Contains("(signature verified)", advice.Out);

        var fhirFile = Repo.TestData("fhir-r4", "Condition-For-Patient-f001.json");
        var add = await Run(patientHome, "records", "add", fhirFile);
        Assert.True(add.Exit == 0, add.Out + add.Err);
        var recordId = add.Out.Trim().Split('\n').Last().Trim();
        Assert.True(Guid.TryParse(recordId, out _), add.Out);

        var list = await Run(patientHome, "records", "list");
        Assert.Contains(recordId, list.Out);
        Assert.Contains("Condition", list.Out);
        // The title is opened on the device (the condition's SNOMED display), never sent by the server.
        Assert.Contains("Heart valve disorder", list.Out);
        // The 8 characters the web app shows are enough.
        var show = await Run(patientHome, "records", "show", recordId[..8]);
        Assert.True(show.Exit == 0, show.Out + show.Err);
        Assert.Equal(await File.ReadAllTextAsync(fhirFile), show.Out);
        var unknown = await Run(patientHome, "records", "show", "ffff0000");
        Assert.NotEqual(0, unknown.Exit);
        Assert.Contains("No record of yours", unknown.Out + unknown.Err);

        var token = await Run(patientHome, "token");
        Assert.Equal(0, token.Exit);
        using (var http = new HttpClient { BaseAddress = new Uri(_url) })
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", token.Out.Trim());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/me")).StatusCode);
        }

        // The doctor cannot read until assigned and consented.
        Assert.NotEqual(0, (await Run(doctorHome, "records", "show", recordId)).Exit);
        // Staff name the patient by id (the directory finds no patient by email) and see the doctor's card first.
        var patientId = JsonDocument.Parse(await GetAsync(token.Out.Trim(), "/api/me")).RootElement.GetProperty("id").GetString()!;
        var assign = await Run(staffHome, "care", "assign", "--doctor", doctor.Email, "--patient", patientId);
        Assert.True(assign.Exit == 0, assign.Out + assign.Err);
        Assert.Contains("· verified", assign.Out);
        // A script pins the grantee's key fingerprint: a wrong pin is refused before anything is wrapped or signed.
        var grantArgs = new[] { "consent", "grant", "--to", doctor.Email, "--scope", "categories:Condition", "--expires", DateTimeOffset.UtcNow.AddDays(30).ToString("O") };
        // (The demo patient may already hold grants of its own, e.g. claim documents sealed for an insurer: compare, don't expect none.)
        var consentsBefore = await GetAsync(token.Out.Trim(), "/api/consents");
        var pinnedWrong = await Run(patientHome, [.. grantArgs, "--expect-fingerprint", "AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAAA"]);
        Assert.True(pinnedWrong.Exit != 0, pinnedWrong.Out + pinnedWrong.Err);
        Assert.Contains("Refused", pinnedWrong.Out + pinnedWrong.Err);
        Assert.Contains("Dr. ", pinnedWrong.Out);
        Assert.Equal(consentsBefore, await GetAsync(token.Out.Trim(), "/api/consents"));
        var fingerprint = System.Text.RegularExpressions.Regex.Match(pinnedWrong.Out, "key fingerprint ((?:[0-9A-Z]{4} ){7}[0-9A-Z]{4})").Groups[1].Value;
        Assert.NotEmpty(fingerprint);
        var grant = await Run(patientHome, [.. grantArgs, "--expect-fingerprint", fingerprint]);
        Assert.True(grant.Exit == 0, grant.Out + grant.Err);
        var grantId = grant.Out.Trim().Split('\n').Last().Trim();
        Assert.Equal(await File.ReadAllTextAsync(fhirFile), (await Run(doctorHome, "records", "show", recordId)).Out);

        // Both sides see names: the patient the doctor's public directory name, the doctor the patient's sealed profile
        // name when the patient shared it (else the short id).
        var grants = await Run(patientHome, "consent", "list");
        Assert.True(grants.Exit == 0, grants.Out + grants.Err);
        Assert.Contains("Dr. ", grants.Out);
        Assert.Contains("you", grants.Out);
        var revoke = await Run(patientHome, "consent", "revoke", grantId[..8]);
        Assert.True(revoke.Exit == 0, revoke.Out + revoke.Err);
        var refused = await Run(doctorHome, "records", "show", recordId);
        Assert.Equal(1, refused.Exit);
        Assert.True(refused.Out.Contains("403", StringComparison.Ordinal), refused.Out + refused.Err);

        // Emergency access through the CLI: staff publish the key, the patient designates a summary, the doctor breaks the glass.
        var hospitalId = JsonDocument.Parse(await GetAsync((await Run(staffHome, "token")).Out.Trim(), "/api/me")).RootElement.GetProperty("organizationId").GetString()!;
        var publish = await Run(staffHome, "emergency", "publish-key");
        Assert.True(publish.Exit == 0, publish.Out + publish.Err);
        var summaryFile = Path.Combine(_data, "summary.txt");
        await File.WriteAllTextAsync(summaryFile, "Allergy: penicillin");
        var summary = await Run(patientHome, "records", "add", summaryFile, "--type", "EmergencySummary");
        Assert.True(summary.Exit == 0, summary.Out + summary.Err);
        var summaryId = summary.Out.Trim().Split('\n').Last().Trim();
        var designate = await Run(patientHome, "emergency", "designate", summaryId, "--hospital", hospitalId);
        Assert.True(designate.Exit == 0, designate.Out + designate.Err);
        var glass = await Run(doctorHome, "emergency", "break-glass", "--patient", patientId, "--reason", "unconscious");
        Assert.True(glass.Exit == 0, glass.Out + glass.Err);
        Assert.Equal("Allergy: penicillin", glass.Out);
        Assert.Contains("unconscious", (await Run(patientHome, "emergency", "events")).Out);
        var designations = await Run(patientHome, "emergency", "designations");
        Assert.True(designations.Exit == 0 && designations.Out.Contains("current", StringComparison.Ordinal), designations.Out + designations.Err);
        // The patient withdraws the hospital; the doctor is refused from then on.
        var withdraw = await Run(patientHome, "emergency", "withdraw", "--hospital", hospitalId);
        Assert.True(withdraw.Exit == 0, withdraw.Out + withdraw.Err);
        var afterWithdraw = await Run(doctorHome, "emergency", "break-glass", "--patient", patientId, "--reason", "unconscious");
        Assert.Equal(1, afterWithdraw.Exit);
        Assert.True(afterWithdraw.Out.Contains("403", StringComparison.Ordinal), afterWithdraw.Out + afterWithdraw.Err);

        // A receipt, fetched and verified offline.
        var mine = JsonDocument.Parse(await GetAsync(token.Out.Trim(), "/api/ledger/mine?limit=1")).RootElement[0].GetProperty("id").GetString()!;
        var proof = await Run(patientHome, "ledger", "proof", mine);
        Assert.True(proof.Exit == 0, proof.Out + proof.Err);
        Assert.Contains("verified", proof.Out);

        // Stop the server, verify the whole chain offline, then tamper with a blob and watch verify name it.
        await _demo.StopAsync();
        var verify = await Run(null, "ledger", "verify", "--data", _data);
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        Assert.StartsWith("OK:", verify.Out);
        // The blob of the record this test added (the data folder also holds blobs the ledger does not anchor, such as
        // the demo's message attachments, so "any blob" would not be a record's).
        var blob = await RecordBlobPathAsync(recordId);
        var bytes = await File.ReadAllBytesAsync(blob);
        bytes[^1] ^= 0x01;
        await File.WriteAllBytesAsync(blob, bytes);
        var broken = await Run(null, "ledger", "verify", "--data", _data);
        Assert.NotEqual(0, broken.Exit);
        Assert.Contains(Path.GetFileName(blob), broken.Out);
    }

    private async Task<string> RecordBlobPathAsync(string recordId)
    {
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_data, "medledger.db")};Pooling=False;Mode=ReadOnly");
        await db.OpenAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT CiphertextHash FROM record_versions WHERE upper(RecordId) = upper($id) ORDER BY Version DESC LIMIT 1";
        cmd.Parameters.AddWithValue("$id", recordId);
        var hash = (string)(await cmd.ExecuteScalarAsync())!;
        return Path.Combine(_data, "blobs", hash[..2], hash[2..4], hash);
    }

    private async Task<string> GetAsync(string token, string path)
    {
        using var http = new HttpClient { BaseAddress = new Uri(_url) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return await http.GetStringAsync(path);
    }
}
