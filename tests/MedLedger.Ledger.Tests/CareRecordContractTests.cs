using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger.Tests;

/// <summary>The care, record, consent and emergency contracts, against a real SQLite-backed peer.</summary>
public sealed class CareRecordContractTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-contracts-" + Guid.NewGuid().ToString("N")[..10]);
    private LedgerPeer _peer = null!;
    private TestUser _staff = null!, _doctor = null!, _patient = null!, _other = null!;
    private readonly string _hospital = Guid.NewGuid().ToString();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var registry = ContractRegistry.WithIdentity()
            .Add(new CareAssignContract()).Add(new CareUnassignContract()).Add(new RecordWriteContract()).Add(new RecordReadContract())
            .Add(new RecordAccessDeniedContract()).Add(new ConsentGrantContract()).Add(new ConsentRevokeContract())
            .Add(new EmergencyDesignateContract()).Add(new BreakGlassContract()).Add(new HospitalEmergencyKeyContract());
        _peer = new LedgerPeer(LedgerStore.Sqlite($"Data Source={Path.Combine(_dir, "l.db")}"), LedgerCrypto.GenerateKeyPair().PrivateKey, new LedgerOptions(), registry);
        await _peer.StartAsync();
        _staff = await UserAsync(IdentityRoles.HospitalStaff, verified: true);
        _doctor = await UserAsync(IdentityRoles.Doctor, verified: true);
        _patient = await UserAsync(IdentityRoles.Patient, verified: false);
        _other = await UserAsync(IdentityRoles.Patient, verified: false);
    }

    public async Task DisposeAsync()
    {
        await _peer.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private async Task<TestUser> UserAsync(string role, bool verified)
    {
        var u = new TestUser(Guid.NewGuid().ToString(), role);
        await _peer.SubmitAsync(u.Register());
        if (verified)
        {
            await _peer.SubmitAsync(_peer.CreateSystemTransaction(VerifyContract.TypeName, new Dictionary<string, string> { ["subjectId"] = u.Id, ["subjectKind"] = "user", ["decision"] = "approved" }));
        }
        return u;
    }

    private async Task<LedgerRejectionKind> Refused(LedgerTransaction tx) => (await Assert.ThrowsAsync<LedgerRejectedException>(() => _peer.SubmitAsync(tx))).Kind;

    private LedgerTransaction Care(TestUser actor, string type, TestUser doctor, string? hospital = null) => actor.Tx(type, new()
    {
        ["doctorId"] = doctor.Id, ["patientId"] = _patient.Id, ["hospitalId"] = hospital ?? _hospital,
    });

    private static LedgerTransaction Write(TestUser author, string recordId, string patientId, int version) => author.Tx(RecordWriteContract.TypeName, new()
    {
        ["recordId"] = recordId, ["version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture), ["patientId"] = patientId,
        ["ciphertextHash"] = new string('a', 64), ["headerHash"] = new string('b', 64),
    });

    [Fact]
    public async Task Only_verified_staff_assign_verified_doctors_and_assignment_gates_doctor_writes()
    {
        var record = Guid.NewGuid().ToString();
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Write(_doctor, record, _patient.Id, 1)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Care(_patient, CareAssignContract.TypeName, _doctor)));
        var unverifiedDoctor = await UserAsync(IdentityRoles.Doctor, verified: false);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Care(_staff, CareAssignContract.TypeName, unverifiedDoctor)));

        await _peer.SubmitAsync(Care(_staff, CareAssignContract.TypeName, _doctor));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Care(_staff, CareAssignContract.TypeName, _doctor)));
        Assert.True((await _peer.SubmitAsync(Write(_doctor, record, _patient.Id, 1))).Valid);

        // Unassigning needs the same hospital; afterwards the doctor cannot write.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Care(_staff, CareUnassignContract.TypeName, _doctor, Guid.NewGuid().ToString())));
        await _peer.SubmitAsync(Care(_staff, CareUnassignContract.TypeName, _doctor));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Write(_doctor, record, _patient.Id, 2)));
    }

    [Fact]
    public async Task Record_versions_are_consecutive_and_never_change_patient()
    {
        var record = Guid.NewGuid().ToString();
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Write(_patient, record, _patient.Id, 2)));
        await _peer.SubmitAsync(Write(_patient, record, _patient.Id, 1));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Write(_patient, record, _patient.Id, 1)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Write(_other, record, _patient.Id, 2)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Write(_other, record, _other.Id, 2)));
        await _peer.SubmitAsync(Write(_patient, record, _patient.Id, 2));
        Assert.Equal("2", await _peer.Queries.GetStateAsync(CareKeys.RecordVersion(record)));
        var bad = _patient.Tx(RecordWriteContract.TypeName, new() { ["recordId"] = record, ["version"] = "3", ["patientId"] = _patient.Id, ["ciphertextHash"] = "nothex", ["headerHash"] = new string('b', 64) });
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(bad));
    }

    [Fact]
    public async Task Only_the_patient_grants_and_revokes_and_revoking_twice_is_refused()
    {
        var grant = Guid.NewGuid().ToString();
        Dictionary<string, string> Payload(string patientId) => new()
        {
            ["grantId"] = grant, ["patientId"] = patientId, ["granteeId"] = _doctor.Id, ["scope"] = "all",
            ["scopeHash"] = ConsentScopeHash.Compute("all", []), ["purpose"] = "treatment", ["expiresAtMs"] = "0",
        };
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(ConsentGrantContract.TypeName, Payload(_patient.Id))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_doctor.Tx(ConsentGrantContract.TypeName, Payload(_patient.Id))));
        await _peer.SubmitAsync(_patient.Tx(ConsentGrantContract.TypeName, Payload(_patient.Id)));
        Assert.Equal("active", await _peer.Queries.GetStateAsync(CareKeys.Consent(grant)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(ConsentGrantContract.TypeName, Payload(_patient.Id))));

        var revoke = new Dictionary<string, string> { ["grantId"] = grant, ["patientId"] = _patient.Id };
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(ConsentRevokeContract.TypeName, new() { ["grantId"] = grant, ["patientId"] = _other.Id })));
        await _peer.SubmitAsync(_patient.Tx(ConsentRevokeContract.TypeName, revoke));
        Assert.Equal("revoked", await _peer.Queries.GetStateAsync(CareKeys.Consent(grant)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(ConsentRevokeContract.TypeName, revoke)));
    }

    [Fact]
    public async Task Break_glass_needs_a_verified_doctor_a_designation_and_a_reason_code()
    {
        var summary = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Write(_patient, summary, _patient.Id, 1));
        LedgerTransaction Glass(TestUser doctor, string reason) => doctor.Tx(BreakGlassContract.TypeName, new()
        {
            ["doctorId"] = doctor.Id, ["patientId"] = _patient.Id, ["hospitalId"] = _hospital, ["reason"] = reason,
        });
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Glass(_doctor, "unconscious")));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(EmergencyDesignateContract.TypeName, new() { ["patientId"] = _patient.Id, ["hospitalId"] = _hospital, ["recordId"] = summary })));
        await _peer.SubmitAsync(_patient.Tx(EmergencyDesignateContract.TypeName, new() { ["patientId"] = _patient.Id, ["hospitalId"] = _hospital, ["recordId"] = summary }));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(Glass(_doctor, "curious")));
        var unverified = await UserAsync(IdentityRoles.Doctor, verified: false);
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Glass(unverified, "unconscious")));
        Assert.True((await _peer.SubmitAsync(Glass(_doctor, "unconscious"))).Valid);
        var about = await _peer.Queries.GetTransactionsAboutAsync(_patient.Id);
        Assert.Contains(about, t => t.Transaction.Type == BreakGlassContract.TypeName);
    }

    [Fact]
    public async Task Read_and_refusal_events_are_peer_only()
    {
        var record = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Write(_patient, record, _patient.Id, 1));
        var forged = _doctor.Tx(RecordReadContract.TypeName, new() { ["readerId"] = _doctor.Id, ["recordId"] = record, ["patientId"] = _patient.Id });
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(forged));
        var ok = await _peer.SubmitAsync(_peer.CreateSystemTransaction(RecordReadContract.TypeName, new Dictionary<string, string> { ["readerId"] = _doctor.Id, ["recordId"] = record, ["patientId"] = _patient.Id }));
        Assert.True(ok.Valid);
        Assert.True((await _peer.SubmitAsync(_peer.CreateSystemTransaction(RecordAccessDeniedContract.TypeName, new Dictionary<string, string> { ["readerId"] = _doctor.Id, ["reason"] = "no-consent" }))).Valid);
    }

    [Fact]
    public async Task Only_verified_staff_anchor_a_hospital_emergency_key()
    {
        var key = Convert.ToBase64String(LedgerCrypto.GenerateKeyPair().PublicKey);
        LedgerTransaction Publish(TestUser who, string publicKey) => who.Tx(HospitalEmergencyKeyContract.TypeName, new() { ["hospitalId"] = _hospital, ["publicKey"] = publicKey });
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Publish(_doctor, key)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Publish(_patient, key)));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(Publish(_staff, "bm90IGEga2V5")));
        var receipt = await _peer.SubmitAsync(Publish(_staff, key));
        Assert.Equal(key, await _peer.Queries.GetStateAsync(CareKeys.HospitalEmergencyKey(_hospital)));
        Assert.Equal(receipt.TransactionId, await _peer.Queries.GetStateAsync(CareKeys.HospitalEmergencyKeyTransaction(_hospital)));
    }
}
