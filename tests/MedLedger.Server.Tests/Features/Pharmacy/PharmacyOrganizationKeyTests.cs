using System.Net;
using System.Net.Http.Json;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Pharmacy;

/// <summary>
/// The pharmacy organization key (issue 16 item 1): made and anchored by a verified pharmacist's client, sealed to each
/// verified pharmacist, shared by a colleague with a pharmacist verified later, and refused to anyone outside the pharmacy.
/// </summary>
public sealed class PharmacyOrganizationKeyTests : SdkTestBase
{
    [Fact]
    public async Task A_pharmacist_anchors_the_key_a_patient_verifies_it_and_a_colleague_verified_later_gets_it_from_a_holder()
    {
        var admin = await World.AdminAsync();
        var first = await World.VerifiedAsync(admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Key Pharmacy");
        var pharmacyId = first.OrganizationId!.Value;
        var published = await first.Client.PublishPharmacyKeyAsync();

        // A patient accepts the key only with its ledger receipt naming this pharmacy and key.
        var patient = await World.RegisterAsync(Role.Patient);
        var seen = await patient.Client.GetVerifiedPharmacyKeyAsync(pharmacyId);
        Assert.Equal(published.PublicKey, seen.PublicKey);
        Assert.Equal(KeyFingerprints.EncryptionKeyId(published.PublicKey), seen.KeyId);
        var own = await first.Client.OpenPharmacyKeyAsync();
        Assert.Equal(published.PublicKey, own.PublicKey);

        // A pharmacist verified after the key was made has no share until a holder seals it for them.
        var second = await World.RegisterAsync(Role.Pharmacist, pharmacyId);
        await admin.Client.DecideProfessionalAsync(second.Id, true);
        Assert.Null((await second.Client.MyPharmacyKeyShareAsync()).Sealed);
        await Assert.ThrowsAsync<InvalidOperationException>(() => second.Client.OpenPharmacyKeyAsync());
        Assert.Equal([second.Id], (await first.Client.MyPharmacyKeyShareAsync()).WaitingPharmacists);

        Assert.Equal([second.Id], await first.Client.SharePharmacyKeyWithNewPharmacistsAsync());
        var opened = await second.Client.OpenPharmacyKeyAsync();
        Assert.Equal(published.PublicKey, opened.PublicKey);
        Assert.Equal(own.PrivateKey, opened.PrivateKey);
        Assert.Empty(await first.Client.SharePharmacyKeyWithNewPharmacistsAsync());

        // A rotation replaces every share: both verified pharmacists get the new key, and the old private key no longer matches.
        var rotated = await second.Client.PublishPharmacyKeyAsync();
        Assert.NotEqual(published.PublicKey, rotated.PublicKey);
        Assert.Equal(rotated.PublicKey, (await first.Client.OpenPharmacyKeyAsync()).PublicKey);
        Assert.Equal(rotated.PublicKey, (await patient.Client.GetVerifiedPharmacyKeyAsync(pharmacyId)).PublicKey);
    }

    [Fact]
    public async Task A_key_the_server_swapped_in_is_refused_by_the_patient_and_by_the_pharmacist()
    {
        var admin = await World.AdminAsync();
        var pharmacist = await World.VerifiedAsync(admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Swapped Key Pharmacy");
        var pharmacyId = pharmacist.OrganizationId!.Value;
        await pharmacist.Client.PublishPharmacyKeyAsync();
        var patient = await World.RegisterAsync(Role.Patient);

        // The operator replaces the stored public key with one it holds the private half of.
        var operatorKey = Hpke.DeriveKeyPair(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using (var scope = Host.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>();
            await db.Set<MedLedger.Server.Features.Pharmacy.PharmacyOrganizationKey>().Where(k => k.PharmacyId == pharmacyId)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.PublicKey, operatorKey.PublicKey));
        }

        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => patient.Client.GetVerifiedPharmacyKeyAsync(pharmacyId));
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => pharmacist.Client.OpenPharmacyKeyAsync());
    }

    [Fact]
    public async Task Another_pharmacys_pharmacist_and_unverified_colleagues_get_no_share_and_change_nothing()
    {
        var admin = await World.AdminAsync();
        var owner = await World.VerifiedAsync(admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Owner Pharmacy");
        var pharmacyId = owner.OrganizationId!.Value;
        var published = await owner.Client.PublishPharmacyKeyAsync();
        var unverified = await World.RegisterAsync(Role.Pharmacist, pharmacyId);
        var pharmacies = new PharmacyWorld(Host);
        var other = await pharmacies.PharmacistAsync("Elsewhere Pharmacy");

        var attempts = new (HttpMethod Method, string Url, object? Body)[]
        {
            (HttpMethod.Get, $"/api/pharmacies/{pharmacyId}/organization-key/share", null),
            (HttpMethod.Post, $"/api/pharmacies/{pharmacyId}/organization-key/shares", new { pharmacistId = other.Id, keyId = published.KeyId, @sealed = new byte[] { 1 } }),
            (HttpMethod.Put, $"/api/pharmacies/{pharmacyId}/organization-key", new { publicKey = published.PublicKey, shares = new[] { new { pharmacistId = other.Id, @sealed = new byte[] { 1 } } }, transaction = new { transaction = new byte[] { 1 }, signature = new byte[] { 1 } } }),
        };
        foreach (var (method, url, body) in attempts)
        {
            var res = await other.Api.SendAsync(new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: TestHost.Json) });
            Assert.True(res.StatusCode == HttpStatusCode.Forbidden, $"{method} {url} answered {res.StatusCode}");
        }
        // Patients, doctors, insurers, staff and unverified pharmacists on the pharmacist routes: CrossCutting/RefusalMatrixTests.

        // An unverified member of the pharmacy is not waiting for the key and cannot be given it.
        var share = await owner.Client.MyPharmacyKeyShareAsync();
        Assert.Empty(share.WaitingPharmacists);
        Assert.DoesNotContain(unverified.Id, share.WaitingPharmacists);
        await using var scope = Host.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>();
        var holders = await db.Set<MedLedger.Server.Features.Pharmacy.PharmacyKeyShare>().AsNoTracking().Where(s => s.PharmacyId == pharmacyId).Select(s => s.PharmacistId).ToListAsync();
        Assert.Equal([owner.Id], holders);
        Assert.Equal(published.PublicKey, (await owner.Client.GetVerifiedPharmacyKeyAsync(pharmacyId)).PublicKey);
    }
}
