using System.Net;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Server.Tests.Infrastructure;
using OtpNet;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// `medledger password change` and `medledger recover start|complete` as separate processes against `serve --demo`,
/// on fresh patients signed up through the C# SDK (so the recovery code is known and demo accounts stay untouched).
/// Fresh accounts enrol TOTP so `medledger login` can be run non-interactively with the new and old passwords.
/// The tests share one demo server (each signs up its own patients).
/// </summary>
public sealed class AccountCliTests(SharedDemoServer shared) : IClassFixture<SharedDemoServer>, IDisposable
{
    private readonly DemoServerProcess _demo = shared.Demo;
    private readonly string _homes = Path.Combine(Path.GetTempPath(), "medledger-account-cli-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        try { Directory.Delete(_homes, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private sealed record Patient(string Email, string RecoveryCode, string TotpSecret, MedLedgerClient Session);

    /// <summary>Signs up a patient, signs in through the SDK (emailed code from the dev outbox) and enrols TOTP. The SDK session stays open.</summary>
    private async Task<Patient> NewPatientAsync(string password)
    {
        var email = $"acct-{Guid.NewGuid():N}@example.org";
        var client = new MedLedgerClient(new Uri(_demo.Url));
        var registration = await client.RegisterWithDevOutboxAsync(email, password, Role.Patient);
        await client.LoginWithDevOutboxAsync(email, password);
        var enrollment = await client.BeginTotpEnrollmentAsync(password);
        await client.ConfirmTotpAsync(new Totp(Base32Encoding.ToBytes(enrollment.Secret)).ComputeTotp());
        return new Patient(email, registration.RecoveryCode, enrollment.Secret, client);
    }

    private Task<string> CliLoginAsync(Patient p, string password) => _demo.LoginAsync(new DemoAccount(p.Email, password, "Patient", p.TotpSecret, null));

    private string Home(string name) => Path.Combine(_homes, name);

    /// <summary>The first step of sign-in (password → authentication key) without spending a one-time code.</summary>
    private async Task<bool> PasswordAcceptedAsync(string email, string password)
    {
        using var client = new MedLedgerClient(new Uri(_demo.Url));
        try
        {
            await client.StartLoginAsync(email, password);
            return true;
        }
        catch (MedLedgerApiException e) when (e.Status == HttpStatusCode.Unauthorized)
        {
            return false;
        }
    }

    [Fact]
    public async Task Register_emails_a_code_and_register_with_code_creates_the_account()
    {
        const string password = "cli signup passphrase 7";
        var email = $"cli-signup-{Guid.NewGuid():N}@example.org";
        var home = Home("signup-" + email);
        var started = await _demo.RunAsync(home, "register", "--email", email, "--password", password);
        Assert.True(started.Exit == 0, started.All);
        Assert.Contains("recovery code", started.Out);
        Assert.Contains("register --code", started.Out);
        Assert.False(await PasswordAcceptedAsync(email, password)); // nothing exists before the code confirms it

        using var reader = new MedLedgerClient(new Uri(_demo.Url));
        var message = (await reader.ReadDevOutboxAsync(email)).First(m => m.Subject.Contains("registration code", StringComparison.Ordinal));
        var code = MedLedgerClient.CodeIn(message);
        var wrong = await _demo.RunAsync(home, "register", "--code", code == "000000" ? "000001" : "000000");
        Assert.True(wrong.Exit == 1, wrong.All);
        Assert.Contains("No account was created", wrong.All);

        var confirmed = await _demo.RunAsync(home, "register", "--code", code);
        Assert.True(confirmed.Exit == 0, confirmed.All);
        Assert.Contains("Account created", confirmed.Out);
        Assert.True(await PasswordAcceptedAsync(email, password));
    }

    [Fact]
    public async Task Password_change_keeps_this_session_ends_others_and_only_the_new_password_signs_in()
    {
        const string oldPassword = "correct horse battery staple";
        const string newPassword = "a brand new passphrase 42";
        var patient = await NewPatientAsync(oldPassword);
        using var otherSession = patient.Session;
        var home = await CliLoginAsync(patient, oldPassword);

        // Wrong current password (from the environment): refused before anything is sent, nothing changes.
        var wrong = await CliBinary.RunAsync(["password", "change"], new Dictionary<string, string>
        {
            ["MEDLEDGER_URL"] = _demo.Url, ["MEDLEDGER_HOME"] = home, ["MEDLEDGER_PASSWORD"] = "not my password", ["MEDLEDGER_NEW_PASSWORD"] = newPassword,
        });
        Assert.True(wrong.Exit == 1, wrong.All);
        Assert.Contains("current password is wrong", wrong.All);
        Assert.True(await PasswordAcceptedAsync(patient.Email, oldPassword));
        Assert.False(await PasswordAcceptedAsync(patient.Email, newPassword));
        Assert.Equal(patient.Email, (await otherSession.MeAsync()).Email);

        // Non-interactive without a new password: a clear error, not a prompt.
        var missing = await _demo.RunAsync(home, "password", "change", "--current-password", oldPassword);
        Assert.True(missing.Exit == 1, missing.All);
        Assert.Contains("New password is required", missing.All);

        var changed = await _demo.RunAsync(home, "password", "change", "--current-password", oldPassword, "--new-password", newPassword);
        Assert.True(changed.Exit == 0, changed.All);
        Assert.Contains("Password changed", changed.Out);
        Assert.DoesNotContain(newPassword, changed.All);

        // This CLI session stays usable (keys unchanged, session kept by the server); the SDK's other session is ended.
        var whoami = await _demo.RunAsync(home, "whoami");
        Assert.True(whoami.Exit == 0, whoami.All);
        Assert.Contains(patient.Email, whoami.Out);
        var ended = await Assert.ThrowsAsync<MedLedgerApiException>(() => otherSession.MeAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, ended.Status);

        // The old password is refused by `medledger login` (at the password step), the new one signs in.
        var old = await _demo.RunAsync(Home("old-" + patient.Email), "login", "--email", patient.Email, "--password", oldPassword, "--otp", "000000");
        Assert.True(old.Exit == 1, old.All);
        Assert.Contains("401", old.All);
        var newHome = await CliLoginAsync(patient, newPassword);
        var again = await _demo.RunAsync(newHome, "whoami");
        Assert.True(again.Exit == 0, again.All);
    }

    [Fact]
    public async Task Recover_with_emailed_code_and_recovery_code_sets_a_new_password_and_a_wrong_recovery_code_changes_nothing()
    {
        const string oldPassword = "forgotten passphrase 1";
        const string newPassword = "recovered passphrase 2";
        var patient = await NewPatientAsync(oldPassword);
        using var session = patient.Session;
        var home = Home("recover-" + patient.Email);

        // Nothing started yet: a clear error.
        var early = await _demo.RunAsync(home, "recover", "complete", "--code", "123456", "--recovery-code", patient.RecoveryCode, "--new-password", newPassword);
        Assert.True(early.Exit == 1, early.All);
        Assert.Contains("recover start", early.All);

        // Wrong (well-formed) recovery code: refused locally after the emailed code, nothing changed.
        var code = await StartAsync(home, patient.Email);
        var wrong = await _demo.RunAsync(home, "recover", "complete", "--code", code, "--recovery-code", RecoveryCode.Generate(), "--new-password", newPassword);
        Assert.True(wrong.Exit == 1, wrong.All);
        Assert.Contains("does not unlock", wrong.All);
        Assert.True(await PasswordAcceptedAsync(patient.Email, oldPassword));
        Assert.False(await PasswordAcceptedAsync(patient.Email, newPassword));
        Assert.Equal(patient.Email, (await session.MeAsync()).Email);
        // The emailed code was spent on that attempt: completing again needs a new start.
        var spent = await _demo.RunAsync(home, "recover", "complete", "--code", code, "--recovery-code", patient.RecoveryCode, "--new-password", newPassword);
        Assert.True(spent.Exit == 1, spent.All);
        Assert.Contains("recover start", spent.All);

        // A mistyped recovery code (check symbol) is caught before the emailed code is used; the corrected one then works.
        code = await StartAsync(home, patient.Email);
        var typo = patient.RecoveryCode[..^1] + (patient.RecoveryCode[^1] == 'A' ? 'B' : 'A');
        var mistyped = await _demo.RunAsync(home, "recover", "complete", "--code", code, "--recovery-code", typo, "--new-password", newPassword);
        Assert.True(mistyped.Exit == 1, mistyped.All);
        Assert.Contains("mistyped", mistyped.All);
        Assert.True(await PasswordAcceptedAsync(patient.Email, oldPassword));

        var recovered = await CliBinary.RunAsync(["recover", "complete", "--email", patient.Email, "--code", code, "--new-password", newPassword], new Dictionary<string, string>
        {
            ["MEDLEDGER_URL"] = _demo.Url, ["MEDLEDGER_HOME"] = home, ["MEDLEDGER_RECOVERY_CODE"] = patient.RecoveryCode,
        });
        Assert.True(recovered.Exit == 0, recovered.All);
        Assert.Contains("Account recovered", recovered.Out);
        Assert.DoesNotContain(patient.RecoveryCode, recovered.All);

        // Every session was ended; the old password is refused by `medledger login`, the new one signs in with the same keys.
        var ended = await Assert.ThrowsAsync<MedLedgerApiException>(() => session.MeAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, ended.Status);
        var old = await _demo.RunAsync(Home("old-" + patient.Email), "login", "--email", patient.Email, "--password", oldPassword, "--otp", "000000");
        Assert.True(old.Exit == 1, old.All);
        Assert.Contains("401", old.All);
        var newHome = await CliLoginAsync(patient, newPassword);
        var whoami = await _demo.RunAsync(newHome, "whoami");
        Assert.True(whoami.Exit == 0, whoami.All);
        Assert.Contains(session.Keys!.Public.DisplayFingerprint(), whoami.Out);
    }

    /// <summary>`recover start`, then the 6-digit code from the newest recovery email in the dev outbox.</summary>
    private async Task<string> StartAsync(string home, string email)
    {
        using var reader = new MedLedgerClient(new Uri(_demo.Url));
        var before = (await reader.ReadDevOutboxAsync(email)).Count;
        var started = await _demo.RunAsync(home, "recover", "start", "--email", email);
        Assert.True(started.Exit == 0, started.All);
        Assert.Contains("recover complete", started.Out);
        var messages = await reader.ReadDevOutboxAsync(email);
        Assert.Equal(before + 1, messages.Count);
        var newest = messages[0];
        Assert.Contains("recovery", newest.Subject, StringComparison.OrdinalIgnoreCase);
        return MedLedgerClient.CodeIn(newest);
    }
}
