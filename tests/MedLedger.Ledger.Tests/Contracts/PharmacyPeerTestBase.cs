using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger.Tests;

/// <summary>
/// A real SQLite-backed peer with the identity contracts and only the area's own (<see cref="AreaContracts"/>), an approved
/// admin, two patients and a verified pharmacist of <see cref="_pharmacy"/>, fresh for each test: the payment and order
/// contract tests derive from it (they need none of the care and record state <see cref="ContractPeerTestBase"/> builds).
/// </summary>
public abstract class PharmacyPeerTestBase : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-pharmacy-contracts-" + Guid.NewGuid().ToString("N")[..10]);
    private protected readonly string _pharmacy = Guid.NewGuid().ToString();
    private protected LedgerPeer _peer = null!;
    private protected TestUser _admin = null!, _patient = null!, _other = null!, _pharmacist = null!;

    /// <summary>The contracts under test, added to the identity ones.</summary>
    private protected abstract IEnumerable<ILedgerContract> AreaContracts { get; }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var registry = ContractRegistry.WithIdentity();
        foreach (var c in AreaContracts)
        {
            registry = registry.Add(c);
        }
        _peer = new LedgerPeer(LedgerStore.Sqlite($"Data Source={Path.Combine(_dir, "l.db")}"), LedgerCrypto.GenerateKeyPair().PrivateKey, new LedgerOptions(), registry);
        await _peer.StartAsync();
        _admin = new TestUser(Guid.NewGuid().ToString(), IdentityRoles.PlatformAdmin);
        await _peer.SubmitAsync(_admin.Register());
        await _peer.SubmitAsync(_peer.CreateSystemTransaction(VerifyContract.TypeName, new Dictionary<string, string> { ["subjectId"] = _admin.Id, ["subjectKind"] = "user", ["decision"] = "approved" }));
        _patient = await UserAsync(IdentityRoles.Patient, verified: false);
        _other = await UserAsync(IdentityRoles.Patient, verified: false);
        _pharmacist = await UserAsync(IdentityRoles.Pharmacist, verified: true);
    }

    public async Task DisposeAsync()
    {
        await _peer.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private protected async Task<TestUser> UserAsync(string role, bool verified)
    {
        var u = new TestUser(Guid.NewGuid().ToString(), role);
        await _peer.SubmitAsync(u.Register());
        if (verified)
        {
            await _peer.SubmitAsync(_admin.Verify(u));
        }
        return u;
    }

    private protected async Task<LedgerRejectionKind> Refused(LedgerTransaction tx) => (await Assert.ThrowsAsync<LedgerRejectedException>(() => _peer.SubmitAsync(tx))).Kind;
}
