using System.Net;
using System.Text;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Server.Features.Hospitals;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using BedBooking = MedLedger.Server.Features.Hospitals.BedBooking;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Ledger;

/// <summary>
/// The crash hook the roll-forward tests share: a process killed between a ledger commit and the rows that serve it is
/// the row writer failing after the ledger commit (the decorated writer below, the same DI seam the server uses); the
/// restart is a second host on the same data folder. The real-process SIGKILL run is Cli/CrashRecoveryCliTests.
/// </summary>
public abstract class RollForwardHarness : IAsyncLifetime
{
    protected readonly string DataDir = Path.Combine(Path.GetTempPath(), "medledger-rollforward-" + Guid.NewGuid().ToString("N")[..10]);
    protected TestHost Host = null!;
    protected SdkWorld World = null!;
    protected SdkUser Admin = null!;
    private readonly Lock _armLock = new();
    private string? _dieBeforeRowsOf;

    public async Task InitializeAsync()
    {
        Host = await StartAsync();
        World = new SdkWorld(Host);
        Admin = await World.AdminAsync();
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        try { Directory.Delete(DataDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private Task<TestHost> StartAsync() => TestHost.StartAsync(c => c["Storage:DataDirectory"] = DataDir, services: s =>
    {
        foreach (var d in s.Where(d => d.ServiceType == typeof(ILedgerRowWriter)).ToList())
        {
            s.Remove(d);
            s.AddScoped<ILedgerRowWriter>(sp => new DyingRowWriter((ILedgerRowWriter)ActivatorUtilities.CreateInstance(sp, d.ImplementationType!), this));
        }
    });

    /// <summary>Stands for the process dying after the ledger committed and before the rows did (once, for the armed type).</summary>
    private sealed class DyingRowWriter(ILedgerRowWriter inner, RollForwardHarness test) : ILedgerRowWriter
    {
        public IReadOnlyCollection<string> TransactionTypes => inner.TransactionTypes;

        public Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
        {
            lock (test._armLock)
            {
                if (test._dieBeforeRowsOf == tx.Type)
                {
                    test._dieBeforeRowsOf = null;
                    throw new IOException("killed between the ledger commit and the rows");
                }
            }
            return inner.WriteRowsAsync(tx, rows, ct);
        }
    }

    /// <summary>Stops the host (its rows stay as the crash left them) and starts a new one on the same folder.</summary>
    protected async Task RestartAsync()
    {
        await Host.DisposeAsync();
        Host = await StartAsync();
        World = new SdkWorld(Host);
    }

    /// <summary>Runs <paramref name="f"/> with the server stopped (as `medledger ledger verify` expects), then starts it again.</summary>
    protected async Task<T> WhileStoppedAsync<T>(Func<Task<T>> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        await Host.DisposeAsync();
        try
        {
            return await f();
        }
        finally
        {
            Host = await StartAsync();
            World = new SdkWorld(Host);
        }
    }

    protected Task<SdkUser> Again(SdkUser u) => World.LoginAsync(u.Email, u.Password, u.Role, null);

    protected async Task<IReadOnlyList<string>> AuditAsync()
    {
        await using var scope = Host.App.Services.CreateAsyncScope();
        return await LedgerRowAudit.RunAsync(scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>(), Host.Service<LedgerGateway>().Peer.Store, CancellationToken.None);
    }

    protected async Task<T> Db<T>(Func<MedLedgerDbContext, Task<T>> f)
    {
        await using var scope = Host.App.Services.CreateAsyncScope();
        return await f(scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>());
    }

    protected async Task<IReadOnlyList<LedgerTransaction>> CommittedAbout(Guid subject, string type) =>
        (await Host.Service<LedgerGateway>().Peer.Queries.GetTransactionsAboutAsync(subject.ToString(), null, 1000))
        .Where(t => t.Valid && t.Transaction.Type == type).Select(t => t.Transaction).ToList();

    protected async Task CrashDuring(string type, Func<Task> write)
    {
        _dieBeforeRowsOf = type;
        var e = await Assert.ThrowsAsync<MedLedgerApiException>(write);
        Assert.Equal(HttpStatusCode.InternalServerError, e.Status);
        Assert.Null(_dieBeforeRowsOf);
    }

    protected static string Fhir(string file) => File.ReadAllText(Repo.TestData("fhir-r4", file));

    /// <summary>A hospital with one doctor and a patient, registered with it (a doctor is assigned only to a patient who has a care relationship there).</summary>
    protected async Task<(SdkUser Staff, SdkUser Doctor, SdkUser Patient)> CareWorldAsync(bool registered = true)
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Roll-forward General", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        if (registered)
        {
            await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        }
        return (staff, doctors[0], patient);
    }
}
