using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// One `medledger serve --demo` process (serving the built web app at `/`) and one headless Debian
/// Chromium for the whole browser collection. Each test opens its own browser context, so sessions
/// never leak between tests.
/// </summary>
public sealed class BrowserWorld : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private DemoServerProcess? _server;

    public DemoServerProcess Server => _server ?? throw new InvalidOperationException("Not started.");
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Not started.");
    public string Url => Server.Url;

    /// <summary>Screenshots of the main screens land here (web/test-results/screenshots, ignored by git).</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(Repo.Root, "web", "test-results", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: scripts/test.sh installs Debian's chromium.");
        }
        // MEDLEDGER_WEB_ROOT lets a developer test another build of the app (e.g. vite build --outDir elsewhere).
        var webRoot = Environment.GetEnvironmentVariable("MEDLEDGER_WEB_ROOT") is { Length: > 0 } custom ? custom : Path.Combine(Repo.Root, "web", "dist");
        if (!File.Exists(Path.Combine(webRoot, "index.html")))
        {
            throw new InvalidOperationException($"{webRoot} has no index.html: scripts/test.sh runs `npm ci && npm run build` in web/.");
        }
        Directory.CreateDirectory(ScreenshotDirectory);
        _server = await DemoServerProcess.StartAsync(new Dictionary<string, string> { ["Web__Root"] = webRoot });
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // The machine's network is closed: background and component traffic would only produce refused connections.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh, isolated browser profile (cookies, storage) at a given window size.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Url,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>The demo account whose email starts with `prefix@` (patient1, staff2, doctor21, admin, …).</summary>
    public DemoAccount Account(string prefix) => Server.Accounts.First(a => a.Email.StartsWith(prefix + "@", StringComparison.Ordinal));

    /// <summary>The C# SDK signed in as a demo account (emailed code from the dev outbox), to set up or check data over HTTP.</summary>
    public async Task<MedLedgerClient> SdkAsync(string prefix)
    {
        var account = Account(prefix);
        var client = new MedLedgerClient(new Uri(Url));
        await client.LoginWithDevOutboxAsync(account.Email, account.Password);
        return client;
    }

    /// <summary>A link of the main navigation bar.</summary>
    public static ILocator Nav(IPage page, string name) =>
        page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserWorld>
{
    public const string Name = "browser";
}
