using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger.Tests;

/// <summary>
/// A real SQLite-backed peer with the care, record, consent and emergency contracts (they depend on each other's
/// state) and four users, fresh for each test; the per-area contract tests derive from it.
/// </summary>
public abstract class ContractPeerTestBase : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-contracts-" + Guid.NewGuid().ToString("N")[..10]);
    private protected LedgerPeer _peer = null!;
    private protected TestUser _staff = null!, _doctor = null!, _patient = null!, _other = null!, _admin = null!;
    private protected readonly string _hospital = Guid.NewGuid().ToString();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var registry = ContractRegistry.WithIdentity()
            .Add(new CareAssignContract()).Add(new CareUnassignContract()).Add(new RecordWriteContract()).Add(new RecordReadContract())
            .Add(new RecordAccessDeniedContract()).Add(new RecordAccessDeniedSummaryContract()).Add(new ConsentGrantContract()).Add(new ConsentRevokeContract())
            .Add(new EmergencyDesignateContract()).Add(new BreakGlassContract()).Add(new HospitalEmergencyKeyContract())
            .Add(new EmergencyWithdrawContract()).Add(new HospitalRemoveDoctorContract())
            .Add(new CareRegisterContract()).Add(new CareWithdrawContract()).Add(new BedBookContract()).Add(new BedAdmitContract())
            .Add(new BedReleaseContract()).Add(new BedCancelContract()).Add(new BedExpireContract())
            .Add(new AmendRequestContract()).Add(new AmendDecideContract())
            .Add(new PrescriptionIssueContract()).Add(new PrescriptionCancelContract()).Add(new PharmacyDispenseContract())
            .Add(new AppointmentBookContract()).Add(new AppointmentCancelContract()).Add(new AppointmentStatusContract());
        _peer = new LedgerPeer(LedgerStore.Sqlite($"Data Source={Path.Combine(_dir, "l.db")}"), LedgerCrypto.GenerateKeyPair().PrivateKey, new LedgerOptions(), registry);
        await _peer.StartAsync();
        // The operator's bootstrap approval of an admin is a peer event; professionals are approved by that admin's own signature.
        _admin = new TestUser(Guid.NewGuid().ToString(), IdentityRoles.PlatformAdmin);
        await _peer.SubmitAsync(_admin.Register());
        await _peer.SubmitAsync(_peer.CreateSystemTransaction(VerifyContract.TypeName, new Dictionary<string, string> { ["subjectId"] = _admin.Id, ["subjectKind"] = "user", ["decision"] = "approved" }));
        _staff = await UserAsync(IdentityRoles.HospitalStaff, verified: true);
        _doctor = await UserAsync(IdentityRoles.Doctor, verified: true);
        _patient = await UserAsync(IdentityRoles.Patient, verified: false);
        _other = await UserAsync(IdentityRoles.Patient, verified: false);
        // An organization is approved by the admin's own signature over its card (the hash is not checked by the ledger).
        await _peer.SubmitAsync(_admin.Tx(VerifyContract.TypeName, new() { ["subjectId"] = _hospital, ["subjectKind"] = "organization", ["decision"] = "approved", ["cardHash"] = new string('c', 64) }));
        // _patient has registered with _hospital (care rests on it); _other has no relationship with it.
        await _peer.SubmitAsync(Registration(_patient, CareRegisterContract.TypeName));
    }

    private protected LedgerTransaction Registration(TestUser patient, string type, string? hospital = null) => patient.Tx(type, new()
    {
        ["patientId"] = patient.Id, ["hospitalId"] = hospital ?? _hospital,
    });

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

    private protected static LedgerTransaction Write(TestUser author, string recordId, string patientId, int version) => author.Tx(RecordWriteContract.TypeName, new()
    {
        ["recordId"] = recordId, ["version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture), ["patientId"] = patientId,
        ["ciphertextHash"] = new string('a', 64), ["headerHash"] = new string('b', 64),
    });
}
