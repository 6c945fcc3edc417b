using System.Net;
using System.Text;
using MedLedger.Client;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Blobs;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Records;

/// <summary>
/// A version written while its reader's grant is being revoked keeps no wrap for that reader: the server checks
/// the grants again in the transaction that stores the version, not only before the blob and ledger steps.
/// On SQLite and PostgreSQL (their locking differs).
/// </summary>
public abstract class RevocationDuringWriteFlows : RecordTestBase
{
    private Func<Task>? _beforeNextBlobPut;

    /// <summary>
    /// The blob store is the write's step between the readers check and the rows (an existing DI seam, decorated here
    /// only): a hook armed by the test runs there once, so "revoked in between" happens every time, not by luck.
    /// </summary>
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) =>
        StartHookedHostAsync(configure, s => s.AddScoped<IBlobStore>(sp => new HookedBlobStore(CreateStore(sp), this)));

    protected virtual Task<TestHost> StartHookedHostAsync(Action<IDictionary<string, string?>>? configure, Action<IServiceCollection> services) =>
        TestHost.StartAsync(configure, services: services);

    /// <summary>The store the host would have used without the hook (files here, the database on PostgreSQL).</summary>
    protected virtual IBlobStore CreateStore(IServiceProvider sp) => sp.GetRequiredService<FileBlobStore>();

    private sealed class HookedBlobStore(IBlobStore inner, RevocationDuringWriteFlows test) : IBlobStore
    {
        public Task<string> PutAsync(byte[] content, CancellationToken ct) => PutHashedAsync(content, BlobHash.Of(content), ct);

        public async Task<string> PutHashedAsync(byte[] content, string hash, CancellationToken ct)
        {
            if (Interlocked.Exchange(ref test._beforeNextBlobPut, null) is { } hook)
            {
                await hook();
            }
            return await inner.PutHashedAsync(content, hash, ct);
        }

        public Task<byte[]?> GetAsync(string hash, CancellationToken ct) => inner.GetAsync(hash, ct);

        public Task<bool> ExistsAsync(string hash, CancellationToken ct) => inner.ExistsAsync(hash, ct);
    }

    private async Task<(SdkUser Patient, SdkUser PatientElsewhere, SdkUser Doctor, Guid RecordId)> WorldAsync()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Revocation Hospital", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        // A second session of the same patient (another device) revokes while the first one writes.
        var elsewhere = await World.LoginAsync(patient.Email, patient.Password, Role.Patient, null);
        var rec = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id);
        return (patient, elsewhere, doctors[0], rec.RecordId);
    }

    private Task<bool> AnyWrapOfGrant(Guid grantId) => Db(db => db.Set<RecordWrap>().AnyAsync(w => w.GrantId == grantId));

    [Fact]
    public async Task A_grant_revoked_after_the_readers_check_leaves_no_wrap_on_the_version_being_written()
    {
        var (patient, elsewhere, doctor, recordId) = await WorldAsync();
        var grant = await patient.Client.GrantConsentAsync(doctor.Id, ConsentScope.All);
        Assert.Equal("Condition", (await doctor.Client.OpenRecordAsync(recordId)).Category);
        var revoked = false;
        _beforeNextBlobPut = async () =>
        {
            await elsewhere.Client.RevokeConsentAsync(grant.Id);
            revoked = true;
        };

        // The client wrapped version 2 for the doctor and the server's readers check passed; the revocation lands next.
        var v2 = await patient.Client.AddVersionAsync(recordId, Encoding.UTF8.GetBytes(Fhir("Condition-For-Patient-f001.json") + "\n"));

        Assert.True(revoked);
        Assert.Equal(2, v2.Version);
        Assert.False(await AnyWrapOfGrant(grant.Id));
        Assert.False(await Db(db => db.Set<RecordWrap>().AnyAsync(w => w.RecordId == recordId && w.ReaderId == doctor.Id)));
        // The version itself is stored and served to its patient; the doctor is refused.
        Assert.Equal(2, (await patient.Client.OpenRecordAsync(recordId)).Version);
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<MedLedgerApiException>(() => doctor.Client.FetchSealedAsync(recordId, 2))).Status);
    }

    [Fact]
    public async Task Concurrent_writes_and_revocations_never_leave_a_wrap_for_a_revoked_grant()
    {
        var (patient, elsewhere, doctor, recordId) = await WorldAsync();
        var grants = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            var grant = await patient.Client.GrantConsentAsync(doctor.Id, ConsentScope.Records, [recordId.ToString()]);
            grants.Add(grant.Id);
            var write = Attempt(() => patient.Client.AddVersionAsync(recordId, Encoding.UTF8.GetBytes(Fhir("Condition-For-Patient-f001.json") + new string('\n', i + 1))));
            var revoke = Attempt(() => elsewhere.Client.RevokeConsentAsync(grant.Id));
            var (w, r) = (await write, await revoke);
            Assert.Null(r);
            // A write that lost the race to the revocation is refused (its wrap names a reader without consent), never stored with it.
            Assert.True(w is null || w.Status == HttpStatusCode.Forbidden, w?.Message);
        }

        foreach (var g in grants)
        {
            Assert.False(await AnyWrapOfGrant(g));
        }
        Assert.False(await Db(db => db.Set<RecordWrap>().AnyAsync(w => w.ReaderId == doctor.Id)));

        static async Task<MedLedgerApiException?> Attempt(Func<Task> f)
        {
            try { await f(); return null; } catch (MedLedgerApiException e) { return e; }
        }
    }
}

public sealed class SqliteRevocationDuringWriteTests : RevocationDuringWriteFlows;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRevocationDuringWriteTests(PostgresFixture pg) : RevocationDuringWriteFlows
{
    protected override Task<TestHost> StartHookedHostAsync(Action<IDictionary<string, string?>>? configure, Action<IServiceCollection> services) =>
        pg.StartHostAsync(configure, services);

    protected override IBlobStore CreateStore(IServiceProvider sp) => new DatabaseBlobStore(sp.GetRequiredService<MedLedger.Server.Infrastructure.Data.MedLedgerDbContext>());
}
