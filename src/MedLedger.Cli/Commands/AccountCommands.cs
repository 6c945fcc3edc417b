using System.CommandLine;
using System.Text.Json;
using MedLedger.Client;
using MedLedger.Crypto;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>Sign-up (patients), password change (signed in) and account recovery (signed out: emailed code plus recovery code).</summary>
public static class AccountCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>A recovery in progress: the ticket from `recover start`, kept in the CLI home until `recover complete`.</summary>
    private sealed record PendingRecovery(string Url, string Email, string Ticket, DateTimeOffset StartedAt);

    /// <summary>A sign-up waiting for its emailed code, kept in the CLI home between `register` and `register --code` (no secrets: the recovery code was shown once).</summary>
    private sealed record PendingSignUp(string Url, string Email, string Ticket, Guid UserId, DateTimeOffset StartedAt);

    public static Command Register()
    {
        var code = new Option<string?>("--code") { Description = "The 6-digit code from the registration email: finishes the sign-up started here; prompted when interactive" };
        var register = new Command("register", "Create a patient account: keys are made here, a code is emailed, the account exists once the code is confirmed "
            + "(professionals sign up in the web app, which lets them choose their organization)") { code };
        register.SetAction(async (p, ct) =>
        {
            var url = CommonOptions.ResolveUrl(p);
            if (p.GetValue(code) is { } given)
            {
                var saved = LoadPendingSignUp() ?? throw new InvalidOperationException("No sign-up in progress here: run `medledger register --email …` first.");
                if (saved.Url != url)
                {
                    throw new InvalidOperationException($"The sign-up in progress is for {saved.Url}, not {url}: run `medledger register` again.");
                }
                return await ConfirmSignUpAsync(url, new PendingRegistration(saved.Ticket, saved.UserId, saved.Email, Role.Patient, ""), given, ct);
            }

            var email = CommonOptions.ResolveEmail(p) ?? CliSession.Ask("Email");
            var password = CommonOptions.ResolvePassword(p) ?? ResolveNewPassword(p, CommonOptions.Password);
            using var client = new MedLedgerClient(new Uri(url));
            var pending = await AnsiConsole.Status().StartAsync("Generating your keys and deriving your password key…", async _ =>
                await client.RegisterAsync(email, password, Role.Patient, ct: ct));
            // Shown now, once: it becomes the way back into the account as soon as the code confirms it.
            AnsiConsole.MarkupLine($"Your recovery code (write it down; it is shown only once): [bold]{Markup.Escape(pending.RecoveryCode)}[/]");
            AnsiConsole.MarkupLine($"A 6-digit code was emailed to [bold]{Markup.Escape(email)}[/] (if it already has an account, its owner was told instead); it expires in a few minutes.");
            if (Console.IsInputRedirected)
            {
                SavePendingSignUp(new PendingSignUp(url, email, pending.Ticket, pending.UserId, DateTimeOffset.UtcNow));
                AnsiConsole.MarkupLine("Then run: [bold]medledger register --code CODE[/]");
                return 0;
            }
            return await ConfirmSignUpAsync(url, pending, CliSession.Ask("Code sent to your email"), ct);
        });
        return register;
    }

    private static async Task<int> ConfirmSignUpAsync(string url, PendingRegistration pending, string emailCode, CancellationToken ct)
    {
        using var client = new MedLedgerClient(new Uri(url));
        try
        {
            var registration = await client.ConfirmRegistrationAsync(pending, emailCode, ct);
            ClearPendingSignUp();
            AnsiConsole.MarkupLine($"[green]Account created[/] for [bold]{Markup.Escape(pending.Email)}[/] (user {registration.UserId}); its keys are registered on the ledger. Sign in with [bold]medledger login[/].");
            return 0;
        }
        catch (MedLedgerApiException e) when (e.Status == System.Net.HttpStatusCode.Unauthorized)
        {
            AnsiConsole.MarkupLine($"[red]{(int)e.Status} {Markup.Escape(e.Title ?? "")}[/]: {Markup.Escape(e.Detail ?? "")}");
            AnsiConsole.MarkupLine("No account was created. Check the emailed code, or run [bold]medledger register[/] again if it expired.");
            return 1;
        }
    }

    private static string PendingSignUpPath => Path.Combine(CliSession.Home, "signup.json");

    private static void SavePendingSignUp(PendingSignUp pending)
    {
        Directory.CreateDirectory(CliSession.Home);
        File.WriteAllText(PendingSignUpPath, JsonSerializer.Serialize(pending, Json));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(PendingSignUpPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static PendingSignUp? LoadPendingSignUp()
    {
        try
        {
            return File.Exists(PendingSignUpPath) ? JsonSerializer.Deserialize<PendingSignUp>(File.ReadAllText(PendingSignUpPath), Json) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void ClearPendingSignUp()
    {
        if (File.Exists(PendingSignUpPath))
        {
            File.Delete(PendingSignUpPath);
        }
    }

    public static Command Password()
    {
        var current = new Option<string?>("--current-password") { Description = "Current password (env MEDLEDGER_PASSWORD); prompted when interactive" };
        var next = new Option<string?>("--new-password") { Description = "New password (env MEDLEDGER_NEW_PASSWORD); prompted twice when interactive" };
        var change = new Command("change", "Change your password: your keys are re-wrapped here; other sessions are signed out, this one stays") { current, next };
        change.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var currentPassword = p.GetValue(current) ?? CommonOptions.ResolvePassword(p) ?? CliSession.Ask("Current password", secret: true);
            var newPassword = ResolveNewPassword(p, next);
            if (newPassword == currentPassword)
            {
                throw new InvalidOperationException("The new password is the same as the current one.");
            }
            try
            {
                await AnsiConsole.Status().StartAsync("Re-wrapping your keys under the new password…", async _ => await client.ChangePasswordAsync(currentPassword, newPassword, ct));
            }
            catch (CryptoIntegrityException)
            {
                // The SDK checks the current password against the stored key wrap before sending anything.
                AnsiConsole.MarkupLine("[red]error[/]: the current password is wrong; nothing was changed.");
                return 1;
            }
            AnsiConsole.MarkupLine("[green]Password changed.[/] Your other sessions were signed out; this one stays signed in. Your keys and recovery code are unchanged.");
            return 0;
        });
        return new Command("password", "Your account password") { change };
    }

    public static Command Recover()
    {
        var start = new Command("start", "Email a 6-digit recovery code to --email (then run `recover complete`)");
        start.SetAction(async (p, ct) =>
        {
            var url = CommonOptions.ResolveUrl(p);
            var email = CommonOptions.ResolveEmail(p) ?? CliSession.Ask("Email");
            using var client = new MedLedgerClient(new Uri(url));
            var ticket = await client.StartRecoveryAsync(email, ct);
            SavePending(new PendingRecovery(url, email, ticket.Ticket, DateTimeOffset.UtcNow));
            AnsiConsole.MarkupLine($"If [bold]{Markup.Escape(email)}[/] has an account, a 6-digit code was emailed to it; it expires in a few minutes.");
            AnsiConsole.MarkupLine("Then run: [bold]medledger recover complete --code CODE --recovery-code YOUR-RECOVERY-CODE --new-password NEW[/]");
            return 0;
        });

        var code = new Option<string?>("--code") { Description = "The 6-digit code from the recovery email; prompted when interactive" };
        var recoveryCode = new Option<string?>("--recovery-code") { Description = "The recovery code shown at sign-up (env MEDLEDGER_RECOVERY_CODE); prompted when interactive" };
        var next = new Option<string?>("--new-password") { Description = "New password (env MEDLEDGER_NEW_PASSWORD); prompted twice when interactive" };
        var complete = new Command("complete", "Set a new password with the emailed code and your recovery code; every session is signed out") { code, recoveryCode, next };
        complete.SetAction(async (p, ct) =>
        {
            var url = CommonOptions.ResolveUrl(p);
            var pending = LoadPending()
                ?? throw new InvalidOperationException("No recovery in progress here: run `medledger recover start --email …` first.");
            if (pending.Url != url)
            {
                throw new InvalidOperationException($"The recovery in progress is for {pending.Url}, not {url}: run `medledger recover start` again.");
            }
            var email = CommonOptions.ResolveEmail(p);
            if (email is not null && !string.Equals(email, pending.Email, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"The recovery in progress is for {pending.Email}, not {email}: run `medledger recover start --email {email}` again.");
            }
            var emailCode = p.GetValue(code) ?? CliSession.Ask("Code sent to your email");
            var recovery = p.GetValue(recoveryCode) ?? Environment.GetEnvironmentVariable("MEDLEDGER_RECOVERY_CODE") ?? CliSession.Ask("Recovery code", secret: true);
            var newPassword = ResolveNewPassword(p, next);
            using var client = new MedLedgerClient(new Uri(url));
            try
            {
                await AnsiConsole.Status().StartAsync("Unlocking your keys with the recovery code…", async _ =>
                    await client.CompleteRecoveryAsync(new RecoveryStart(pending.Ticket), emailCode, recovery, newPassword, ct));
            }
            catch (CryptoFormatException e)
            {
                // Checked before the emailed code is sent, so the recovery can be completed again with a corrected code.
                AnsiConsole.MarkupLine($"[red]error[/]: the recovery code is mistyped ({Markup.Escape(e.Message)}). Nothing was changed; the emailed code is still unused.");
                return 1;
            }
            catch (CryptoIntegrityException)
            {
                // The emailed code was spent to fetch the recovery wrap; the wrong code was caught here, before any change was sent.
                ClearPending();
                AnsiConsole.MarkupLine("[red]error[/]: the recovery code does not unlock this account's keys. Nothing was changed. "
                    + "The emailed code is used up: run [bold]medledger recover start[/] again to retry.");
                return 1;
            }
            catch (MedLedgerApiException e) when (e.Status == System.Net.HttpStatusCode.Unauthorized)
            {
                AnsiConsole.MarkupLine($"[red]{(int)e.Status} {Markup.Escape(e.Title ?? "")}[/]: {Markup.Escape(e.Detail ?? "")}");
                AnsiConsole.MarkupLine("Nothing was changed. Check the emailed code, or run [bold]medledger recover start[/] again if it expired.");
                return 1;
            }
            ClearPending();
            AnsiConsole.MarkupLine($"[green]Account recovered.[/] The password of [bold]{Markup.Escape(pending.Email)}[/] is changed and every session was signed out: sign in with [bold]medledger login[/].");
            return 0;
        });
        return new Command("recover", "Recover a signed-out account: emailed code plus the recovery code from sign-up") { start, complete };
    }

    private static string ResolveNewPassword(ParseResult p, Option<string?> option)
    {
        if ((p.GetValue(option) ?? Environment.GetEnvironmentVariable("MEDLEDGER_NEW_PASSWORD")) is { } given)
        {
            return given.Length > 0 ? given : throw new InvalidOperationException("The new password must not be empty.");
        }
        var first = CliSession.Ask("New password", secret: true);
        if (CliSession.Ask("Repeat the new password", secret: true) != first)
        {
            throw new InvalidOperationException("The two new passwords differ; nothing was changed.");
        }
        return first;
    }

    private static string PendingPath => Path.Combine(CliSession.Home, "recovery.json");

    private static void SavePending(PendingRecovery pending)
    {
        Directory.CreateDirectory(CliSession.Home);
        File.WriteAllText(PendingPath, JsonSerializer.Serialize(pending, Json));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(PendingPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static PendingRecovery? LoadPending()
    {
        if (!File.Exists(PendingPath))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<PendingRecovery>(File.ReadAllText(PendingPath), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void ClearPending()
    {
        if (File.Exists(PendingPath))
        {
            File.Delete(PendingPath);
        }
    }
}
