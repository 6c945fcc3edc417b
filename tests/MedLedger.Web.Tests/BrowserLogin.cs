using System.Collections.Concurrent;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using OtpNet;

namespace MedLedger.Web.Tests;

/// <summary>
/// Signs users in through the browser's login form (labels "Email", "Password", "Authenticator code" or
/// "Emailed code"; buttons "Sign in", "Verify"), the way a person does it.
/// </summary>
public static class BrowserLogin
{
    private const int StepSeconds = 30;

    // A TOTP step is single use on the server. The last step this test process used, per secret; a secret seen
    // for the first time is assumed used at the current step (the demo seeding enrols every account with one).
    private static readonly ConcurrentDictionary<string, long> LastStep = new();
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> StepLocks = new();

    /// <summary>
    /// A TOTP code for a step nobody in this process has used yet. The server accepts one step ahead of its own
    /// clock, so this rarely waits; it waits only when the next usable step is further ahead.
    /// Pass neverUsed for a secret that was just issued (enrolment).
    /// </summary>
    public static async Task<string> NextTotpCodeAsync(string secret, bool neverUsed = false)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var gate = StepLocks.GetOrAdd(secret, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            var now = CurrentStep();
            var last = LastStep.TryGetValue(secret, out var known) ? known : neverUsed ? now - 1 : now;
            var step = Math.Max(now, last + 1);
            // The server accepts a code for (its step + 1); wait until `step - 1` has begun.
            var waitSeconds = ((step - 1) * StepSeconds) - DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (waitSeconds > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(waitSeconds + 1));
            }
            LastStep[secret] = step;
            var totp = new Totp(Base32Encoding.ToBytes(secret));
            return totp.ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * StepSeconds).UtcDateTime);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Marks the step the server says was already used, so the next code is a later one.</summary>
    private static void MarkUsedNow(string secret) =>
        LastStep.AddOrUpdate(secret, CurrentStep() + 1, (_, old) => Math.Max(old, CurrentStep() + 1));

    private static long CurrentStep() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / StepSeconds;

    public static ILocator SignOutButton(IPage page) => page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true });

    private static ILocator ErrorAlert(IPage page) => page.Locator("main .alert.error");

    /// <summary>Password step: opens /login, fills email and password, presses "Sign in".</summary>
    public static async Task SubmitPasswordAsync(IPage page, string email, string password)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync("/login");
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
    }

    /// <summary>Signs a demo account in with its password and a TOTP code; returns once the app shows the signed-in navigation.</summary>
    public static Task SignInAsync(IPage page, DemoAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return SignInWithTotpAsync(page, account.Email, account.Password, account.TotpSecret);
    }

    public static async Task SignInWithTotpAsync(IPage page, string email, string password, string totpSecret)
    {
        ArgumentNullException.ThrowIfNull(page);
        await SubmitPasswordAsync(page, email, password);
        var codeField = page.GetByLabel("Authenticator code", new() { Exact = true });
        await WaitForAsync(codeField, ErrorAlert(page), $"the authenticator code step for {email}");
        if (!await codeField.IsVisibleAsync())
        {
            throw new InvalidOperationException($"The password step for {email} was refused: {await ErrorAlert(page).InnerTextAsync()}");
        }
        for (var attempt = 0; ; attempt++)
        {
            await codeField.FillAsync(await NextTotpCodeAsync(totpSecret));
            await page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
            if (attempt > 0)
            {
                await WaitForStaleAlertToGoAsync(page);
            }
            var signedIn = SignOutButton(page);
            await WaitForAsync(signedIn, ErrorAlert(page), $"sign-in of {email}");
            if (await signedIn.IsVisibleAsync())
            {
                return;
            }
            var problem = await ErrorAlert(page).InnerTextAsync();
            // Another client (a CLI login, the demo seeding) used this step: the server says so; take the next one.
            if (attempt < 2 && problem.Contains("already used", StringComparison.OrdinalIgnoreCase))
            {
                MarkUsedNow(totpSecret);
                continue;
            }
            throw new InvalidOperationException($"Sign-in of {email} was refused: {problem}");
        }
    }

    /// <summary>
    /// Signs in with an emailed code, read from the demo server's dev outbox (POST /api/dev/outbox, loopback only), for accounts
    /// without TOTP (new accounts) or to test the email path. outboxReader is an anonymous client of the same server.
    /// </summary>
    public static async Task SignInWithEmailCodeAsync(IPage page, string email, string password, MedLedgerClient outboxReader)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(outboxReader);
        var before = (await outboxReader.ReadDevOutboxAsync(email)).FirstOrDefault();
        await SubmitPasswordAsync(page, email, password);
        var emailedField = page.GetByLabel("Emailed code", new() { Exact = true });
        var offerEmail = page.GetByRole(AriaRole.Button, new() { Name = "Email me a code instead", Exact = true });
        await WaitForAsync(emailedField.Or(offerEmail), ErrorAlert(page), $"the code step for {email}");
        if (!await emailedField.IsVisibleAsync())
        {
            // TOTP is enrolled: ask for an emailed code instead.
            await offerEmail.ClickAsync();
            await WaitForAsync(emailedField, ErrorAlert(page), $"the emailed code field for {email}");
        }
        var code = MedLedgerClient.CodeIn(await NewMessageAsync(outboxReader, email, before));
        await emailedField.FillAsync(code);
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await WaitForAsync(SignOutButton(page), ErrorAlert(page), $"sign-in of {email}");
        if (!await SignOutButton(page).IsVisibleAsync())
        {
            throw new InvalidOperationException($"Sign-in of {email} was refused: {await ErrorAlert(page).InnerTextAsync()}");
        }
    }

    /// <summary>The newest outbox message for an address that was not there before (polls; the server sends it during the request).</summary>
    public static async Task<DevOutboxMessage> NewMessageAsync(MedLedgerClient outboxReader, string email, DevOutboxMessage? before)
    {
        ArgumentNullException.ThrowIfNull(outboxReader);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var newest = (await outboxReader.ReadDevOutboxAsync(email)).FirstOrDefault();
            if (newest is not null && newest != before)
            {
                return newest;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"No new message for {email} arrived in the dev outbox.");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>After a retry the previous refusal is cleared when the new attempt starts; do not mistake it for the new answer.</summary>
    private static async Task WaitForStaleAlertToGoAsync(IPage page)
    {
        try
        {
            await ErrorAlert(page).WaitForAsync(new() { State = WaitForSelectorState.Hidden, Timeout = 5_000 });
        }
        catch (TimeoutException)
        {
            // The new attempt may already have been refused again; the caller reads the alert.
        }
    }

    /// <summary>Waits until the expected element or an error alert shows; a refusal is then read by the caller.</summary>
    private static async Task WaitForAsync(ILocator expected, ILocator error, string what)
    {
        try
        {
            await expected.Or(error).First.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 60_000 });
        }
        catch (TimeoutException e)
        {
            throw new InvalidOperationException($"Timed out waiting for {what}.", e);
        }
    }

    /// <summary>Signs a new patient up on /signup and confirms the recovery code; returns what the user wrote down.</summary>
    public static async Task<BrowserAccount> SignUpPatientAsync(IPage page, string email, string password, bool screenshots = false)
    {
        await page.GotoAsync("/signup");
        await Assertions.Expect(page.GetByLabel("Patient")).ToBeCheckedAsync();
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByLabel("Confirm password", new() { Exact = true }).FillAsync(password);
        if (screenshots)
        {
            await BrowserWorld.ScreenshotAsync(page, "auth-signup");
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        using (var outboxReader = new MedLedgerClient(new Uri(new Uri(page.Url), "/")))
        {
            await ConfirmSignUpCodeAsync(page, email, outboxReader);
        }
        var shown = page.Locator(".recovery-code");
        // Key generation and PBKDF2 (600,000 rounds) run in the browser: allow for a slow machine.
        await Assertions.Expect(shown).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var code = (await shown.InnerTextAsync()).Trim();
        Assert.Matches("^[0-9A-Z]{4}(-[0-9A-Z]{4}){5}-[0-9A-Z]$", code);
        if (screenshots)
        {
            await BrowserWorld.ScreenshotAsync(page, "auth-recovery-code");
        }
        return new BrowserAccount(email, password, code);
    }

    /// <summary>
    /// The sign-up code step: waits for it (keys are made in the browser first), reads the registration code from the
    /// dev outbox and verifies it. outboxReader is an anonymous client of the same server.
    /// </summary>
    public static async Task ConfirmSignUpCodeAsync(IPage page, string email, MedLedgerClient outboxReader)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(outboxReader);
        var field = page.GetByLabel("Emailed code", new() { Exact = true });
        // Key generation and PBKDF2 (600,000 rounds) run in the browser: allow for a slow machine.
        await Assertions.Expect(field).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var message = await NewMessageAsync(outboxReader, email, null);
        await field.FillAsync(MedLedgerClient.CodeIn(message));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
    }

    public static async Task ConfirmRecoveryCodeAsync(IPage page, string typed)
    {
        await page.GetByLabel("Type the recovery code again").FillAsync(typed);
        await page.GetByRole(AriaRole.Button, new() { Name = "I saved it — continue to sign in" }).ClickAsync();
    }
}

/// <summary>What a person who signed up in the browser wrote down.</summary>
public sealed record BrowserAccount(string Email, string Password, string RecoveryCode);
