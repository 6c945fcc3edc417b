using System.CommandLine;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Server;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

public static class ServeCommands
{
    public static readonly Option<string> DataDir = new("--data") { Description = "Data folder (SQLite file, blobs, keys)", DefaultValueFactory = _ => "data", Recursive = true };

    public static Command Serve()
    {
        var urls = new Option<string>("--urls") { Description = "Listen address", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var demo = new Option<bool>("--demo") { Description = "Seed a demo world through the SDK and enable the dev outbox endpoint (with --consortium: this organisation's small world)" };
        var consortium = new ConsortiumServeOptions();
        var join = new Option<string?>("--join") { Description = "With --consortium: a member's URL; pull and replay its certified blocks before following etcd (a new peer, or one that lost its data; docs/ledger.md \"Joining\")" };
        var cmd = new Command("serve", "Run the MedLedger server (API, web app, ledger peer)") { urls, demo, join };
        consortium.AddTo(cmd);
        cmd.SetAction(async (p, ct) =>
        {
            var dataDir = p.GetValue(DataDir)!;
            // Checked before the data folder is touched.
            string[]? joinArgs = null;
            if (p.GetValue(join) is { } joinUrl)
            {
                if (p.GetValue(consortium.File) is null)
                {
                    throw new ConsortiumFileException("--join needs --consortium (a peer joins a consortium)");
                }
                if (!Uri.TryCreate(joinUrl, UriKind.Absolute, out var joinFrom) || joinFrom.Scheme is not ("http" or "https"))
                {
                    throw new ConsortiumFileException($"--join must be a member's http(s) URL, not '{joinUrl}'");
                }
                joinArgs = [$"--Ledger:Join={joinFrom}"];
            }
            var member = consortium.Prepare(p, dataDir, joining: joinArgs is not null);
            using var instanceLock = ServerLock.Acquire(dataDir);
            await using var app = BuildApp(dataDir, p.GetValue(demo), p.GetValue(urls), joinArgs, consortium: member);
            await MedLedgerServer.InitializeAsync(app.Services, ct);
            try
            {
                await app.StartAsync(ct);
            }
            catch (OperationCanceledException) when (Environment.ExitCode == 3)
            {
                // LedgerHaltWatch stopped the app while it was starting (a joining peer's replay halted) and logged why.
                return 3;
            }
            var address = p.GetValue(urls)!.Split(';')[0];
            AnsiConsole.MarkupLine($"[green]MedLedger[/] listening on [bold]{Markup.Escape(address)}[/]  (API reference: {Markup.Escape(address)}/scalar/v1)");
            if (member is not null)
            {
                AnsiConsole.MarkupLine($"Peer [bold]{Markup.Escape(member.Member.PeerId)}[/] ({Markup.Escape(member.Member.Organization)}) of consortium [bold]{Markup.Escape(member.File.Name)}[/], ordered by etcd ({member.File.Members.Count} members, threshold {member.File.Threshold})");
            }
            if (p.GetValue(demo))
            {
                if (member is null)
                {
                    await DemoWorld.SeedAsync(app, new Uri(address), dataDir, ct);
                }
                else
                {
                    await DemoWorld.SeedConsortiumMemberAsync(app, new Uri(address), dataDir, member.Member, ct);
                }
            }
            await app.WaitForShutdownAsync(ct);
            // 3 when LedgerHaltWatch stopped a halted peer; the returned code is the process's, not Environment.ExitCode.
            return Environment.ExitCode;
        });
        return cmd;
    }

    internal static WebApplication BuildApp(string dataDir, bool demo, string? urls, string[]? extraArgs = null, ConsortiumServe? consortium = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = MedLedgerServer.HostArgs(extraArgs ?? []) });
        builder.Configuration["Storage:DataDirectory"] = builder.Configuration["Storage:DataDirectory"] ?? dataDir;
        if (consortium is not null)
        {
            builder.Configuration.AddInMemoryCollection(consortium.Settings);
        }
        else
        {
            // An embedded peer on a consortium member's database would append blocks no one else orders: a fork.
            ConsortiumServe.RefuseEmbedded(builder.Configuration["Storage:DataDirectory"]!, builder.Configuration["Ledger:Ordering"]);
        }
        if (demo)
        {
            builder.Configuration["Demo:Enabled"] = "true";
            // Seeded demo accounts have authenticators whose secrets sit in a local file; scripts and browser tests sign
            // them in by emailed code from the (loopback-only) dev outbox, so the demo keeps that fallback.
            builder.Configuration["Auth:TotpReplacesEmailCode"] ??= "false";
        }
        if (urls is not null)
        {
            builder.WebHost.UseUrls(urls);
        }
        MedLedgerServer.ConfigureServices(builder);
        var app = builder.Build();
        MedLedgerServer.Configure(app);
        return app;
    }

    public static Command Admin()
    {
        var email = new Option<string>("--email") { Description = "Admin email", Required = true };
        var password = new Option<string?>("--password") { Description = "Admin password (env MEDLEDGER_PASSWORD; prompted when interactive)" };
        var create = new Command("create", "Create a platform admin (run on the server machine while the server is stopped; a consortium member's with the same --consortium options as its serve, while k members run)") { email, password };
        var consortium = new ConsortiumServeOptions();
        consortium.AddTo(create);
        create.SetAction(async (p, ct) =>
        {
            var dataDir = p.GetValue(DataDir)!;
            // Checked before a password is asked for: a bad file or missing option needs no secret.
            var member = consortium.Prepare(p, dataDir);
            var pw = p.GetValue(password) ?? Environment.GetEnvironmentVariable("MEDLEDGER_PASSWORD")
                ?? (Console.IsInputRedirected ? throw new InvalidOperationException("--password is required") : AnsiConsole.Prompt(new TextPrompt<string>("Password:").Secret()));
            var result = await CreateAdminAsync(dataDir, p.GetValue(email)!, pw, ct, consortium: member);
            AnsiConsole.MarkupLine($"[green]Platform admin created[/]: {result.UserId}");
            AnsiConsole.MarkupLine("[yellow]Recovery code (shown once — store it offline):[/]");
            Console.WriteLine(result.RecoveryCode);
            return 0;
        });
        return new Command("admin", "Server administration") { create, HospitalCommands.AdminVerifyOrganization(), AdminCommands.Organizations() };
    }

    public sealed record CreatedAdmin(Guid UserId, string RecoveryCode);

    /// <summary>
    /// The CLI acts as the new admin's own device: keys are generated and wrapped here, and only the
    /// results go to the account service — the same request a browser would send.
    /// </summary>
    /// <param name="consortium">A consortium member's folder: its server is started here (loopback, a free port) with the member's
    /// etcd ordering, so the admin's bootstrap is ordered and certified like any transaction; k members must be running.</param>
    internal static async Task<CreatedAdmin> CreateAdminAsync(string dataDir, string email, string password, CancellationToken ct, WebApplication? runningApp = null,
        ConsortiumServe? consortium = null)
    {
        var (request, recovery) = await Task.Run(() => MedLedgerClient.PrepareAdmin(email, password), ct);
        var serverRequest = new MedLedger.Server.Features.Accounts.CreateAdminRequest(request.UserId, request.Email, request.AuthKey,
            new KdfParametersDto(request.Kdf.Algorithm, request.Kdf.Iterations, request.Kdf.Salt),
            new MedLedger.Server.Features.Accounts.KeyBundleUpload(request.Keys.SigningPublicKey, request.Keys.EncryptionPublicKey, request.Keys.PasswordWrappedPrivateKeys, request.Keys.RecoveryWrappedPrivateKeys),
            new SignedTransactionDto(request.KeyRegistration.Transaction, request.KeyRegistration.Signature));
        if (runningApp is not null)
        {
            await using var scope = runningApp.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<RegistrationService>().CreateAdminAsync(serverRequest, ct);
            return new CreatedAdmin(request.UserId, recovery);
        }
        using var instanceLock = ServerLock.Acquire(dataDir);
        if (consortium is not null)
        {
            // The whole member server (genesis check, certificate collector), as `serve` runs it, on a port no one is told.
            await using var member = BuildApp(dataDir, demo: false, urls: "http://127.0.0.1:0", consortium: consortium);
            await MedLedgerServer.InitializeAsync(member.Services, ct);
            await member.StartAsync(ct);
            try
            {
                await using var scope = member.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<RegistrationService>().CreateAdminAsync(serverRequest, ct);
            }
            finally
            {
                await member.StopAsync(CancellationToken.None);
            }
            return new CreatedAdmin(request.UserId, recovery);
        }
        await using var app = BuildApp(dataDir, demo: false, urls: null);
        await MedLedgerServer.InitializeAsync(app.Services, ct);
        var peer = app.Services.GetRequiredService<LedgerPeer>();
        await peer.StartAsync(ct);
        try
        {
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<RegistrationService>().CreateAdminAsync(serverRequest, ct);
        }
        finally
        {
            await peer.StopAsync();
        }
        return new CreatedAdmin(request.UserId, recovery);
    }
}

/// <summary>One process per data folder: two in-process ledger peers on one database would fork the chain.</summary>
internal sealed class ServerLock : IDisposable
{
    private readonly FileStream _stream;

    private ServerLock(FileStream stream) => _stream = stream;

    public static ServerLock Acquire(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        try
        {
            return new ServerLock(new FileStream(Path.Combine(dataDir, "medledger.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            throw new InvalidOperationException($"Another MedLedger process is using {dataDir}; stop it first.");
        }
    }

    public void Dispose() => _stream.Dispose();
}
