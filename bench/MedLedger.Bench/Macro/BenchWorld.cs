using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MedLedger.Client;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ClientRole = MedLedger.Client.Role;

namespace MedLedger.Bench.Macro;

internal sealed record BenchUser(MedLedgerClient Client, Guid Id, string Email, string Password, Guid? OrganizationId);

/// <summary>
/// The account set-up of tests/MedLedger.Server.Tests/Infrastructure/SdkWorld.cs over real HTTP: every user registers and
/// signs in through the SDK (PBKDF2, keys, the dev outbox for e-mailed codes); only the first admin is created in-process.
/// </summary>
internal sealed class BenchWorld(WebApplication app, Func<MedLedgerClient> newClient)
{
    private int _n;

    public MedLedgerClient NewClient() => newClient();

    public async Task<BenchUser> AdminAsync()
    {
        var email = $"admin{Interlocked.Increment(ref _n)}@bench.example.org";
        const string password = "admin pass phrase 1";
        var (request, _) = MedLedgerClient.PrepareAdmin(email, password);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<RegistrationService>().CreateAdminAsync(new MedLedger.Server.Features.Accounts.CreateAdminRequest(request.UserId, request.Email, request.AuthKey,
                new KdfParametersDto(request.Kdf.Algorithm, request.Kdf.Iterations, request.Kdf.Salt),
                new MedLedger.Server.Features.Accounts.KeyBundleUpload(request.Keys.SigningPublicKey, request.Keys.EncryptionPublicKey, request.Keys.PasswordWrappedPrivateKeys, request.Keys.RecoveryWrappedPrivateKeys),
                new SignedTransactionDto(request.KeyRegistration.Transaction, request.KeyRegistration.Signature)), CancellationToken.None);
        }
        return await LoginAsync(email, password);
    }

    public async Task<BenchUser> RegisterAsync(ClientRole role, Guid? organizationId = null, NewOrganization? newOrganization = null)
    {
        var n = Interlocked.Increment(ref _n);
        var email = $"{role.ToString().ToLowerInvariant()}{n}-{Guid.NewGuid().ToString("N")[..6]}@bench.example.org";
        var password = "pass phrase " + Guid.NewGuid().ToString("N")[..8];
        var professional = role is not ClientRole.Patient;
        using (var c = NewClient())
        {
            await c.RegisterWithDevOutboxAsync(email, password, role, organizationId, newOrganization, role == ClientRole.Doctor ? "MD-" + n.ToString(CultureInfo.InvariantCulture) : null,
                displayName: professional ? $"{role} {n}" : null, specialty: role == ClientRole.Doctor ? "General practice" : null);
        }
        return await LoginAsync(email, password);
    }

    public async Task<BenchUser> LoginAsync(string email, string password)
    {
        var client = NewClient();
        var me = await client.LoginWithDevOutboxAsync(email, password);
        return new BenchUser(client, me.Id, email, password, me.OrganizationId);
    }

    /// <summary>A professional who founds an organization of <paramref name="kind"/>, both verified by the admin.</summary>
    public async Task<BenchUser> VerifiedAsync(BenchUser admin, ClientRole role, OrganizationKind kind, string name)
    {
        var user = await RegisterAsync(role, newOrganization: new NewOrganization(kind, name, "1 Bench Street", 52.5, 13.4, null, null, "HRB 2"));
        await admin.Client.DecideOrganizationAsync(user.OrganizationId!.Value, true);
        await admin.Client.DecideProfessionalAsync(user.Id, true);
        return user;
    }
}

/// <summary>What every macro benchmark needs: arguments, a free port, bounded parallel set-up, percentiles, process CPU.</summary>
internal static class MacroKit
{
    public static string? Arg(string[] args, string prefix) =>
        args.FirstOrDefault(a => a.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Makes <paramref name="count"/> things, <paramref name="degree"/> at a time (registration is PBKDF2-bound: two keep both cores busy).</summary>
    public static async Task<List<T>> InParallelAsync<T>(int count, int degree, Func<int, Task<T>> make)
    {
        var results = new T[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, degree).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                results[i] = await make(i);
            }
        })));
        return [.. results];
    }

    /// <summary>The 1-, 5- and 15-minute load averages, printed beside figures so a reader can tell a busy machine.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    public static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * q))];

    public static TimeSpan CpuTime()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }

    /// <summary>Waits (up to 20 s) until the idle process burns under 5 % of a core (background tier-1 JIT, GC), and reports it.</summary>
    public static async Task SettleAsync(string when)
    {
        var sw = Stopwatch.StartNew();
        var first = double.NaN;
        double cores;
        do
        {
            var c0 = CpuTime();
            await Task.Delay(TimeSpan.FromSeconds(1));
            cores = (CpuTime() - c0).TotalMilliseconds / 1000;
            first = double.IsNaN(first) ? cores : first;
        }
        while (cores > 0.05 && sw.Elapsed < TimeSpan.FromSeconds(20));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle process CPU {when}: {first:F2} cores in the first second, {cores:F2} after {sw.Elapsed.TotalSeconds:F0} s"));
    }
}
