using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using MedLedger.Client;
using MedLedger.Crypto;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>Accounts in the browser: sign-up, sign-in (password + TOTP or emailed code), recovery, the account page.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AuthBrowserTests(BrowserWorld world)
{
    // Key generation and PBKDF2 (600,000 rounds) run in the browser: allow for a slow machine.
    private static readonly LocatorAssertionsToBeVisibleOptions Slow = new() { Timeout = 60_000 };
    private static readonly LocatorAssertionsToContainTextOptions SlowText = new() { Timeout = 60_000 };
    private static readonly PageAssertionsToHaveURLOptions SlowUrl = new() { Timeout = 60_000 };

    private MedLedgerClient Anonymous() => new(new Uri(world.Url));

    private static string NewEmail(string what) => $"{what}-{Guid.NewGuid():N}@browser.example";

    private static ILocator Alert(IPage page) => page.Locator("main").GetByRole(AriaRole.Alert);

    private async Task<BrowserAccount> NewPatientAsync(IPage page, string what)
    {
        var account = await BrowserLogin.SignUpPatientAsync(page, NewEmail(what), "correct horse battery " + Guid.NewGuid().ToString("N")[..6]);
        await BrowserLogin.ConfirmRecoveryCodeAsync(page, account.RecoveryCode);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login$"));
        return account;
    }

    /// <summary>A one-symbol typo of a recovery code (the check symbol then fails, as a real typo would).</summary>
    private static string WithTypo(string code)
    {
        var chars = code.ToCharArray();
        chars[0] = chars[0] == '7' ? '8' : '7';
        return new string(chars);
    }

    [Fact]
    public async Task A_new_patient_signs_up_confirms_the_recovery_code_signs_in_by_email_enrols_totp_and_then_signs_in_with_it()
    {
        var page = await world.NewPageAsync();
        using var outbox = Anonymous();
        var account = await BrowserLogin.SignUpPatientAsync(page, NewEmail("signup"), "a long enough passphrase 42", screenshots: true);

        // A mistyped confirmation is refused and the code stays on screen.
        await BrowserLogin.ConfirmRecoveryCodeAsync(page, WithTypo(account.RecoveryCode));
        await Assertions.Expect(Alert(page)).ToContainTextAsync("That is not the code shown above");
        await Assertions.Expect(page.Locator(".recovery-code")).ToHaveTextAsync(account.RecoveryCode);
        Assert.EndsWith("/signup", page.Url, StringComparison.Ordinal);

        // The right code in lower case without hyphens continues to sign-in.
        await BrowserLogin.ConfirmRecoveryCodeAsync(page, account.RecoveryCode.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant());
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login$"));
        await Assertions.Expect(page.GetByText("Account created.")).ToBeVisibleAsync();

        // New accounts have no TOTP: the sign-in code is emailed.
        await BrowserLogin.SignInWithEmailCodeAsync(page, account.Email, account.Password, outbox);

        await page.GetByRole(AriaRole.Link, new() { Name = "Account", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your account" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Key fingerprint")).ToHaveTextAsync(new Regex("^([0-9A-Z]{4} ){7}[0-9A-Z]{4}$"));
        // Enrolment re-authenticates: a wrong password is refused on the device, the right one lets it begin.
        await page.GetByLabel("Your password, to confirm it is you").FillAsync(account.Password + "x");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
        await Assertions.Expect(Alert(page)).ToContainTextAsync("The current password is wrong");
        await page.GetByLabel("Your password, to confirm it is you").FillAsync(account.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
        var qr = page.GetByRole(AriaRole.Img, new() { Name = "QR code for your authenticator app" });
        await Assertions.Expect(qr).ToBeVisibleAsync();
        Assert.True(await qr.EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "The QR image did not decode.");
        await BrowserWorld.ScreenshotAsync(page, "auth-account-totp-qr");
        var secret = (await page.GetByLabel("Authenticator secret").InnerTextAsync()).Trim();

        // A wrong code is refused with the server's message; the right one enrols.
        await page.GetByLabel("Authenticator code", new() { Exact = true }).FillAsync(NotTheCode(secret));
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Assertions.Expect(Alert(page)).ToContainTextAsync("The code does not match");
        await page.GetByLabel("Authenticator code", new() { Exact = true }).FillAsync(await BrowserLogin.NextTotpCodeAsync(secret, neverUsed: true));
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Authenticator app enrolled")).ToBeVisibleAsync();

        await BrowserLogin.SignOutButton(page).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login$"));
        await BrowserLogin.SignInWithTotpAsync(page, account.Email, account.Password, secret);
        await Assertions.Expect(page.GetByLabel("Signed in as")).ToContainTextAsync(account.Email);
    }

    /// <summary>A 6-digit code that is not the current one (shifted by half the code space).</summary>
    private static string NotTheCode(string secret)
    {
        var now = int.Parse(new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp(), System.Globalization.CultureInfo.InvariantCulture);
        return ((now + 500_000) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task An_account_made_in_the_browser_unlocks_in_the_csharp_sdk_with_the_same_keys_and_recovery_code()
    {
        var page = await world.NewPageAsync();
        using var outbox = Anonymous();
        var account = await NewPatientAsync(page, "compat");
        await BrowserLogin.SignInWithEmailCodeAsync(page, account.Email, account.Password, outbox);
        await page.GetByRole(AriaRole.Link, new() { Name = "Account", Exact = true }).ClickAsync();
        var fingerprint = page.GetByLabel("Key fingerprint");
        await Assertions.Expect(fingerprint).ToHaveTextAsync(new Regex("^([0-9A-Z]{4} ){7}[0-9A-Z]{4}$"));
        var browserFingerprint = (await fingerprint.InnerTextAsync()).Trim();

        using var sdk = Anonymous();
        var me = await sdk.LoginWithDevOutboxAsync(account.Email, account.Password);
        Assert.Equal(account.Email, me.Email);
        var keys = sdk.Keys!;
        // The ledger's registration (checked against the peer key by the SDK) holds exactly the keys the browser made.
        var registered = await sdk.GetVerifiedPublicKeysAsync(sdk.UserId);
        Assert.Equal(registered.EncryptionPublicKey, keys.Encryption.PublicKey);
        Assert.Equal(registered.SigningPublicKey, keys.Signing.PublicKey);
        Assert.Equal(new PublicKeyBundle(keys.Encryption.PublicKey, keys.Signing.PublicKey).DisplayFingerprint(), browserFingerprint);

        // The browser's recovery wrap opens in C# with the recovery code it showed, to the same private keys.
        using var http = new HttpClient { BaseAddress = new Uri(world.Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sdk.Tokens!.AccessToken);
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        json.Converters.Add(new JsonStringEnumConverter());
        var own = (await http.GetFromJsonAsync<OwnKeyBundle>("/api/me/keys", json))!;
        var stored = new EncryptedKeyBundle(own.UserId.ToString(), new PublicKeyBundle(own.EncryptionPublicKey, own.SigningPublicKey),
            new PasswordParameters(own.Kdf.Algorithm, own.Kdf.Iterations, own.Kdf.Salt),
            PrivateKeyWrap.FromBytes(own.PasswordWrappedPrivateKeys), PrivateKeyWrap.FromBytes(own.RecoveryWrappedPrivateKeys));
        var recovered = KeyVault.UnlockWithRecoveryCode(stored, account.RecoveryCode);
        Assert.Equal(keys.Encryption, recovered.Encryption);
        Assert.Equal(keys.Signing, recovered.Signing);
    }

    [Fact]
    public async Task A_wrong_password_shows_the_problem_and_starts_no_session()
    {
        var doctor = world.Server.Accounts.First(a => a.Email.StartsWith("doctor12@", StringComparison.Ordinal));
        var page = await world.NewPageAsync(390, 844);
        await page.GotoAsync("/login");
        await BrowserWorld.ScreenshotAsync(page, "auth-login-phone");
        await BrowserLogin.SubmitPasswordAsync(page, doctor.Email, doctor.Password + "-wrong");
        await Assertions.Expect(Alert(page)).ToContainTextAsync("The email or password is wrong.", SlowText);
        // Still on the password step, no code step, nobody signed in.
        await Assertions.Expect(page.GetByLabel("Authenticator code")).ToHaveCountAsync(0);
        await Assertions.Expect(BrowserLogin.SignOutButton(page)).ToHaveCountAsync(0);
        await page.GotoAsync("/account");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login\\?next=%2Faccount$"));
    }

    [Fact]
    public async Task A_reload_keeps_the_session_and_asks_only_for_the_password_to_unlock_the_keys_again()
    {
        var patient = world.Server.Accounts.First(a => a.Email.StartsWith("patient3@", StringComparison.Ordinal));
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, patient);
        await BrowserWorld.Nav(page, "Account").ClickAsync();
        await Assertions.Expect(page.GetByLabel("Signed in as")).ToContainTextAsync(patient.Email);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account$"));

        await page.ReloadAsync();
        // Still on the page asked for, not sent to the sign-in page: only the password is asked, no code.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Unlock", Exact = true })).ToBeVisibleAsync();
        Assert.EndsWith("/account", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.GetByLabel("Emailed code")).ToHaveCountAsync(0);
        // The tab keeps the tokens, never a private key or the password.
        var stored = await page.EvaluateAsync<string>("() => JSON.stringify(Object.assign({}, sessionStorage))");
        Assert.Contains("refreshToken", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("privateKey", stored, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(patient.Password, stored, StringComparison.Ordinal);

        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(patient.Password + "-wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Unlock", Exact = true }).ClickAsync();
        await Assertions.Expect(Alert(page)).ToContainTextAsync("does not unlock your keys", SlowText);
        await Assertions.Expect(page.GetByLabel("Signed in as")).ToHaveCountAsync(0);

        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(patient.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Unlock", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Signed in as")).ToContainTextAsync(patient.Email, SlowText);
        Assert.EndsWith("/account", page.Url, StringComparison.Ordinal);
        // The keys work again: the records page opens the patient's sealed records.
        await BrowserWorld.Nav(page, "My records").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My records" })).ToBeVisibleAsync();

        // Signing out ends it for good: a reload then goes to the sign-in page. Wait for the sign-out to finish first
        // (it tells the server, then clears the tab's tokens): a reload in between would still find them.
        await BrowserLogin.SignOutButton(page).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        await page.ReloadAsync();
        await page.GotoAsync("/account");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login\\?next=%2Faccount$"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Without_a_mail_server_the_sign_in_page_says_the_code_was_written_to_the_outbox_folder()
    {
        // The demo server has no SMTP host: codes go to data/outbox. A code asked for on the sign-in page says so, not "we emailed you".
        var doctor = world.Server.Accounts.First(a => a.Email.StartsWith("doctor12@", StringComparison.Ordinal));
        var page = await world.NewPageAsync();
        await page.GotoAsync("/login");
        await BrowserLogin.SubmitPasswordAsync(page, doctor.Email, doctor.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Email me a code instead", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("no mail server configured")).ToContainTextAsync("outbox", SlowText);
        await Assertions.Expect(page.GetByText("We emailed you")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_demo_user_signs_in_with_password_and_authenticator_code_and_is_sent_on_to_the_page_asked_for()
    {
        var patient = world.Server.Accounts.First(a => a.Email.StartsWith("patient2@", StringComparison.Ordinal));
        var page = await world.NewPageAsync();
        await page.GotoAsync("/login");
        await BrowserWorld.ScreenshotAsync(page, "auth-login");
        await BrowserLogin.SignInAsync(page, patient);
        await Assertions.Expect(page.GetByLabel("Signed in as")).ToContainTextAsync(patient.Email);
        // A patient's sign-in first re-wraps any emergency summary a key rotation left behind, then leaves the login page.
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/login"), new() { Timeout = 30_000 });
    }

    [Fact]
    public async Task Recovery_with_the_recovery_code_sets_a_new_password_and_the_old_one_stops_working()
    {
        var page = await world.NewPageAsync();
        using var outbox = Anonymous();
        var account = await NewPatientAsync(page, "recover");

        await page.GotoAsync("/recover");
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(account.Email);
        var before = (await outbox.ReadDevOutboxAsync(account.Email)).FirstOrDefault();
        await page.GetByRole(AriaRole.Button, new() { Name = "Email me a code" }).ClickAsync();
        var emailed = await BrowserLogin.NewMessageAsync(outbox, account.Email, before);
        await page.GetByLabel("Emailed code", new() { Exact = true }).FillAsync(MedLedgerClient.CodeIn(emailed));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify code" }).ClickAsync();

        const string newPassword = "recovered passphrase number 7";
        await page.GetByLabel("Recovery code", new() { Exact = true }).FillAsync(WithTypo(account.RecoveryCode));
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync(newPassword);
        await page.GetByLabel("Confirm new password", new() { Exact = true }).FillAsync(newPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set new password" }).ClickAsync();
        // A typo is caught in the browser before anything is sent; the emailed code is not spent.
        await Assertions.Expect(Alert(page)).ToContainTextAsync("The recovery code has a typo", SlowText);
        await BrowserWorld.ScreenshotAsync(page, "auth-recover");

        await page.GetByLabel("Recovery code", new() { Exact = true }).FillAsync(account.RecoveryCode.ToLowerInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "Set new password" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login$"), SlowUrl);
        await Assertions.Expect(page.GetByText("Your password was reset")).ToBeVisibleAsync();

        await BrowserLogin.SubmitPasswordAsync(page, account.Email, account.Password);
        await Assertions.Expect(Alert(page)).ToContainTextAsync("The email or password is wrong.", SlowText);
        await BrowserLogin.SignInWithEmailCodeAsync(page, account.Email, newPassword, outbox);
        await Assertions.Expect(page.GetByLabel("Signed in as")).ToContainTextAsync(account.Email);
    }

    [Fact]
    public async Task A_signed_in_user_changes_the_password_on_the_account_page()
    {
        var page = await world.NewPageAsync();
        using var outbox = Anonymous();
        var account = await NewPatientAsync(page, "change");
        await BrowserLogin.SignInWithEmailCodeAsync(page, account.Email, account.Password, outbox);
        await page.GetByRole(AriaRole.Link, new() { Name = "Account", Exact = true }).ClickAsync();

        const string newPassword = "a brand new passphrase 2026";
        // A wrong current password is refused (the keys do not unlock) and nothing changes.
        await page.GetByLabel("Current password", new() { Exact = true }).FillAsync("not my password at all");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync(newPassword);
        await page.GetByLabel("Confirm new password", new() { Exact = true }).FillAsync(newPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(Alert(page)).ToContainTextAsync("The current password is wrong.", SlowText);

        // Mismatched confirmation is refused before any work.
        await page.GetByLabel("Current password", new() { Exact = true }).FillAsync(account.Password);
        await page.GetByLabel("Confirm new password", new() { Exact = true }).FillAsync(newPassword + "x");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(Alert(page)).ToContainTextAsync("The two passwords differ.");

        await page.GetByLabel("Confirm new password", new() { Exact = true }).FillAsync(newPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Password changed.")).ToBeVisibleAsync(Slow);
        await BrowserWorld.ScreenshotAsync(page, "auth-account-password-changed");
        await page.SetViewportSizeAsync(390, 844);
        await BrowserWorld.ScreenshotAsync(page, "auth-account-phone");

        await BrowserLogin.SignOutButton(page).ClickAsync();
        await BrowserLogin.SubmitPasswordAsync(page, account.Email, account.Password);
        await Assertions.Expect(Alert(page)).ToContainTextAsync("The email or password is wrong.", SlowText);
        await BrowserLogin.SignInWithEmailCodeAsync(page, account.Email, newPassword, outbox);
        await Assertions.Expect(page.GetByLabel("Signed in as")).ToContainTextAsync(account.Email);
    }

    [Fact]
    public async Task A_doctor_signs_up_into_a_verified_hospital_and_is_told_the_account_waits_for_admin_verification()
    {
        var page = await world.NewPageAsync();
        using var outbox = Anonymous();
        var taken = world.Server.Accounts.First(a => a.Email.StartsWith("doctor11@", StringComparison.Ordinal)).Email;
        var email = NewEmail("doctor");
        const string password = "doctor passphrase for tests";

        await page.GotoAsync("/signup");
        await page.GetByLabel("Doctor", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Join a verified hospital").CheckAsync();
        var organization = page.GetByLabel("Organization", new() { Exact = true });
        var northside = organization.Locator("option", new() { HasText = "Northside General Hospital" });
        await Assertions.Expect(northside).ToHaveCountAsync(1);
        await organization.SelectOptionAsync((await northside.GetAttributeAsync("value"))!);
        await page.GetByLabel("Licence number").FillAsync("LIC-" + Guid.NewGuid().ToString("N")[..8]);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByLabel("Confirm password", new() { Exact = true }).FillAsync(password);

        // An address that already has an account gets the same code step (the page cannot tell): its owner is sent a
        // notice instead of a code, and any code is refused like a wrong one.
        var ownerMailBefore = (await outbox.ReadDevOutboxAsync(taken)).FirstOrDefault();
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(taken);
        await BrowserWorld.ScreenshotAsync(page, "auth-signup-doctor");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        var codeField = page.GetByLabel("Emailed code", new() { Exact = true });
        await Assertions.Expect(codeField).ToBeVisibleAsync(Slow);
        var notice = await BrowserLogin.NewMessageAsync(outbox, taken, ownerMailBefore);
        Assert.Equal("Someone tried to register with your MedLedger address", notice.Subject);
        await codeField.FillAsync("123456");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Assertions.Expect(Alert(page)).ToContainTextAsync("The code is wrong or expired.", SlowText);
        await Assertions.Expect(page.Locator(".recovery-code")).ToHaveCountAsync(0);

        // Start again keeps the form; the password is typed again, as after any refusal.
        await page.GetByRole(AriaRole.Button, new() { Name = "Start again" }).ClickAsync();
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByLabel("Confirm password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await BrowserLogin.ConfirmSignUpCodeAsync(page, email, outbox);
        await Assertions.Expect(page.Locator(".recovery-code")).ToBeVisibleAsync(Slow);
        await Assertions.Expect(page.GetByText("Your account waits for verification by a platform admin.")).ToBeVisibleAsync();
        await BrowserLogin.ConfirmRecoveryCodeAsync(page, await page.Locator(".recovery-code").InnerTextAsync());
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login$"));

        await BrowserLogin.SignInWithEmailCodeAsync(page, email, password, outbox);
        await page.GetByRole(AriaRole.Link, new() { Name = "Account", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("Waiting for a platform admin")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Signed in as")).ToContainTextAsync("Doctor");
    }

    [Fact]
    public async Task A_pharmacist_registers_a_new_pharmacy_and_an_impossible_location_is_refused_first()
    {
        var page = await world.NewPageAsync();
        const string password = "pharmacist passphrase 99";
        await page.GotoAsync("/signup");
        await page.GetByLabel("Pharmacist", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Register a new pharmacy").CheckAsync();
        await page.GetByLabel("Organization name").FillAsync("Browser Test Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        await page.GetByLabel("Address", new() { Exact = true }).FillAsync("1 Test Street, Testville");
        // A pharmacy gives its licence number: it is on the card the admin verifies against the public register.
        await page.GetByLabel("Pharmacy licence number").FillAsync("APO-BT-" + Guid.NewGuid().ToString("N")[..4]);
        await page.GetByLabel("Latitude").FillAsync("200");
        await page.GetByLabel("Longitude").FillAsync("13.4");
        var email = NewEmail("pharmacist");
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByLabel("Confirm password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await Assertions.Expect(Alert(page)).ToContainTextAsync("Latitude must be a number between -90 and 90.");

        await page.GetByLabel("Latitude").FillAsync("52.5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        using var outbox = Anonymous();
        await BrowserLogin.ConfirmSignUpCodeAsync(page, email, outbox);
        await Assertions.Expect(page.Locator(".recovery-code")).ToBeVisibleAsync(Slow);
        await Assertions.Expect(page.GetByText("Your account waits for verification by a platform admin.")).ToBeVisibleAsync();
    }
}
