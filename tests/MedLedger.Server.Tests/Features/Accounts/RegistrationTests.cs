using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>Registration: validation, duplicates, what the server stores and joining an organization; on SQLite and PostgreSQL.</summary>
public abstract class RegistrationFlows : HttpUserTestBase
{
    [Fact]
    public async Task Patient_registers_and_signs_in_with_emailed_code()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        await Users.LoginWithEmailCodeAsync(patient);
        var me = await patient.Api.GetFromJsonAsyncSafe<MeResponse>("/api/me");
        Assert.Equal(patient.Id, me.Id);
        Assert.Equal(Role.Patient, me.Role);
        Assert.True(me.CanAct);
        Assert.False(me.TotpEnabled);
    }

    [Fact]
    public async Task Server_stores_only_a_slow_hash_of_the_auth_key_never_the_password()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        var row = await Db(db => db.Users.AsNoTracking().FirstAsync(u => u.Id == patient.Id));
        Assert.NotEqual(patient.AuthKey, row.AuthKeyHash);
        Assert.Equal(AccountRules.HashAuthKey(patient.AuthKey, row.AuthKeySalt, row.AuthKeyIterations), row.AuthKeyHash);
        var dbFile = Path.Combine(Host.DataDirectory, "medledger.db");
        if (File.Exists(dbFile))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var dbBytes = await File.ReadAllBytesAsync(dbFile);
            Assert.Equal(-1, dbBytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(patient.Password)));
            Assert.Equal(-1, dbBytes.AsSpan().IndexOf(patient.AuthKey));
            Assert.Equal(-1, dbBytes.AsSpan().IndexOf(patient.Keys.Signing.PrivateKey));
            Assert.Equal(-1, dbBytes.AsSpan().IndexOf(patient.Keys.Encryption.PrivateKey));
        }
    }

    [Fact]
    public async Task Duplicate_email_is_refused_at_confirm_without_saying_so_and_creates_nothing()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        // The start is accepted like any other; no code is sent to the owner, so the helper finds none to confirm with.
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Users.RegisterAsync(Role.Patient, email: patient.Email.ToUpperInvariant()));
        Assert.Contains("No registration code", ex.Message);
        Assert.Equal(1, await Db(db => db.Users.CountAsync()));
    }

    [Fact]
    public async Task Registration_validates_every_field_with_422()
    {
        var (authKey, kdf, upload, keys) = TestUsers.ClientSideKeys("pw");
        using var c = Host.CreateClient();
        async Task Expect(RegisterRequest r, string field)
        {
            var res = await c.PostJson("/api/auth/register", r);
            Assert.Equal((HttpStatusCode)422, res.StatusCode);
            var p = await res.Problem();
            Assert.True(p.GetProperty("errors").TryGetProperty(field, out _), $"expected error on {field}: {p}");
        }
        var id = Guid.NewGuid();
        RegisterRequest R(Role role) => new(id, "a@example.org", role, authKey, kdf, upload, TestUsers.KeyRegistration(id, role, keys));
        await Expect(R(Role.Patient) with { Email = "not-an-email" }, "email");
        await Expect(R(Role.Patient) with { AuthKey = new byte[5] }, "authKey");
        await Expect(R(Role.Patient) with { Kdf = kdf with { Iterations = 1000 } }, "kdf.iterations");
        await Expect(R(Role.Patient) with { Keys = upload with { SigningPublicKey = new byte[10] } }, "keys.signingPublicKey");
        await Expect(R(Role.PlatformAdmin), "role");
        await Expect(R(Role.Doctor), "organizationId");
        await Expect(R(Role.Doctor) with { NewOrganization = TestUsers.Hospital() }, "licenseNumber");
        await Expect(R(Role.HospitalStaff) with { NewOrganization = TestUsers.Hospital() with { Latitude = 123 } }, "newOrganization.latitude");
        await Expect(R(Role.Pharmacist) with { NewOrganization = TestUsers.Hospital() }, "newOrganization.kind");
        // The ledger registration must name exactly the uploaded keys and role.
        var other = Crypto.KeyBundle.Generate();
        await Expect(R(Role.Patient) with { KeyRegistration = TestUsers.KeyRegistration(id, Role.Patient, other) }, "keyRegistration");
        await Expect(R(Role.Patient) with { KeyRegistration = TestUsers.KeyRegistration(id, Role.Doctor, keys) }, "keyRegistration");
        Assert.Equal(0, await Db(db => db.Users.CountAsync()));
        Assert.Equal(0, await Db(db => db.Organizations.CountAsync()));
    }

    [Fact]
    public async Task Professional_joins_existing_verified_organization_of_the_right_kind_only()
    {
        var admin = await Users.CreateAdminAsync();
        var staff = await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital());
        await Users.AdminDecideAsync(admin, staff.OrganizationId!.Value, organization: true, approve: true);
        var wrongKind = await Assert.ThrowsAsync<InvalidOperationException>(() => Users.RegisterAsync(Role.Pharmacist, organizationId: staff.OrganizationId));
        Assert.Contains("UnprocessableEntity", wrongKind.Message);
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => Users.RegisterAsync(Role.Doctor, organizationId: Guid.NewGuid()));
        Assert.Contains("NotFound", unknown.Message);
        var doctor = await Users.RegisterAsync(Role.Doctor, organizationId: staff.OrganizationId);
        Assert.Equal(staff.OrganizationId, doctor.OrganizationId);
    }
}

public sealed class SqliteRegistrationTests : RegistrationFlows;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRegistrationTests(PostgresFixture pg) : RegistrationFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => pg.StartHostAsync(configure);
}
