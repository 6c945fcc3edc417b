using MedLedger.Client;
using MedLedger.Server.Features.Accounts;
using Microsoft.Extensions.DependencyInjection;

namespace MedLedger.Server.Tests.Infrastructure;

/// <summary>A signed-in SDK client plus what the test knows about its user.</summary>
public sealed record SdkUser(MedLedgerClient Client, Guid Id, string Email, string Password, MedLedger.Client.Role Role, Guid? OrganizationId);

/// <summary>
/// Users driven through the real C# SDK against the TestServer: all key generation, wrapping,
/// sealing and signing happen in the SDK exactly as on a user's device.
/// </summary>
public sealed class SdkWorld(TestHost host)
{
    private int _n;

    public MedLedgerClient NewClient() => new(host.CreateClient(), ownsHttp: true);

    public async Task<SdkUser> AdminAsync()
    {
        var email = $"admin{Interlocked.Increment(ref _n)}@sdk.example.org";
        const string password = "admin pass phrase 1";
        var (request, _) = MedLedgerClient.PrepareAdmin(email, password);
        await using (var scope = host.App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<RegistrationService>().CreateAdminAsync(new MedLedger.Server.Features.Accounts.CreateAdminRequest(request.UserId, request.Email, request.AuthKey,
                new KdfParametersDto(request.Kdf.Algorithm, request.Kdf.Iterations, request.Kdf.Salt),
                new MedLedger.Server.Features.Accounts.KeyBundleUpload(request.Keys.SigningPublicKey, request.Keys.EncryptionPublicKey, request.Keys.PasswordWrappedPrivateKeys, request.Keys.RecoveryWrappedPrivateKeys),
                new MedLedger.Server.Features.Ledger.SignedTransactionDto(request.KeyRegistration.Transaction, request.KeyRegistration.Signature)), CancellationToken.None);
        }
        return await LoginAsync(email, password, MedLedger.Client.Role.PlatformAdmin, null);
    }

    public async Task<SdkUser> RegisterAsync(MedLedger.Client.Role role, Guid? organizationId = null, NewOrganization? newOrganization = null, string? prefix = null)
    {
        var email = $"{prefix ?? role.ToString().ToLowerInvariant()}{Interlocked.Increment(ref _n)}-{Guid.NewGuid().ToString("N")[..6]}@sdk.example.org";
        var password = "pass phrase " + Guid.NewGuid().ToString("N")[..8];
        using (var c = NewClient())
        {
            var professional = role is not MedLedger.Client.Role.Patient;
            await c.RegisterWithDevOutboxAsync(email, password, role, organizationId, newOrganization, role == MedLedger.Client.Role.Doctor ? "MD-" + _n : null,
                displayName: professional ? $"{role} {_n}" : null, specialty: role == MedLedger.Client.Role.Doctor ? "General practice" : null);
        }
        return await LoginAsync(email, password, role, null);
    }

    public async Task<SdkUser> LoginAsync(string email, string password, MedLedger.Client.Role role, Guid? org)
    {
        var client = NewClient();
        var me = await client.LoginWithDevOutboxAsync(email, password);
        return new SdkUser(client, me.Id, email, password, role, me.OrganizationId);
    }

    /// <summary>A verified hospital with one staff member and the given number of verified doctors.</summary>
    public async Task<(SdkUser Staff, IReadOnlyList<SdkUser> Doctors)> HospitalAsync(SdkUser admin, string name, int doctors = 1)
    {
        var staff = await RegisterAsync(MedLedger.Client.Role.HospitalStaff, newOrganization: new NewOrganization(OrganizationKind.Hospital, name, "1 Care Street", 52.5, 13.4, null, null, "HRB 1010"));
        var list = new List<SdkUser>();
        for (var i = 0; i < doctors; i++)
        {
            list.Add(await RegisterAsync(MedLedger.Client.Role.Doctor, staff.OrganizationId));
        }
        await admin.Client.DecideOrganizationAsync(staff.OrganizationId!.Value, true);
        foreach (var u in list.Append(staff))
        {
            await admin.Client.DecideProfessionalAsync(u.Id, true);
        }
        // No re-login needed: verification claims are read from the database on every request.
        return (staff, list);
    }

    public async Task<SdkUser> VerifiedAsync(SdkUser admin, MedLedger.Client.Role role, OrganizationKind kind, string name)
    {
        var user = await RegisterAsync(role, newOrganization: new NewOrganization(kind, name, "2 Trade Road", 52.5, 13.4, null, null, "HRB 1011"));
        await admin.Client.DecideOrganizationAsync(user.OrganizationId!.Value, true);
        await admin.Client.DecideProfessionalAsync(user.Id, true);
        return user;
    }

}
