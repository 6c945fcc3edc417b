using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Server.Features.Profiles;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Profiles;

/// <summary>
/// A patient's sealed profile is wrapped for exactly their parties (consent grantees, assigned doctors, verified staff
/// of hospitals they registered or booked with), readable only by them while they remain parties, and written only by
/// the patient in signed, consecutive versions.
/// </summary>
public sealed class ProfileTests : RecordTestBase
{
    private static readonly PatientProfile Maria = new("Maria Keller", "1972-03-14", "female", "+41 79 555 01 23");

    private async Task<HttpClient> RawAsync(SdkUser user)
    {
        var http = Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await user.Client.GetAccessTokenAsync());
        return http;
    }

    /// <summary>A correctly sealed and signed version, wrapped for the given readers (whoever they are).</summary>
    private static object SignedWrite(SdkUser patient, long version, params (Guid Id, byte[] EncryptionKey)[] readers)
    {
        var (sealedProfile, key) = PatientProfiles.Seal(patient.Id.ToString(), version, Maria, patient.Client.Keys!.Signing.PrivateKey);
        var wraps = readers.Select(r =>
        {
            var s = PatientProfiles.WrapKey(r.EncryptionKey, patient.Id.ToString(), version, key);
            return new { readerId = r.Id, recipientKeyId = s.RecipientKeyId, enc = s.Enc, wrappedKey = s.Ciphertext };
        }).ToList();
        return new { version, nonce = sealedProfile.Nonce, ciphertext = sealedProfile.Ciphertext, signature = sealedProfile.Signature, wraps };
    }

    private static (Guid, byte[]) Self(SdkUser u) => (u.Id, u.Client.Keys!.Encryption.PublicKey);

    private Task<List<Guid>> WrappedReadersAsync(Guid patientId) =>
        Db(db => db.Set<ProfileWrap>().Where(w => w.PatientId == patientId).Select(w => w.ReaderId).ToListAsync());

    [Fact]
    public async Task The_profile_is_wrapped_for_grantee_assigned_doctor_and_registered_hospital_staff_and_read_by_no_one_else()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Profile General", 3);
        var (otherStaff, _) = await World.HospitalAsync(Admin, "Elsewhere Clinic", 0);
        var patient = await World.RegisterAsync(Role.Patient);
        var stranger = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id);
        await patient.Client.GrantConsentAsync(doctors[1].Id, ConsentScope.Categories, ["Condition"]);

        var opened = await patient.Client.SetMyProfileAsync(Maria);
        Assert.Equal(1, opened.Version);

        // Exactly the parties hold wraps: the patient, the grantee, the assigned doctor, the hospital's staff.
        Assert.Equal(new[] { patient.Id, staff.Id, doctors[0].Id, doctors[1].Id }.Order(), (await WrappedReadersAsync(patient.Id)).Order());
        foreach (var reader in new[] { staff, doctors[0], doctors[1], patient })
        {
            var p = await reader.Client.PatientProfileAsync(patient.Id);
            Assert.Equal(Maria, p!.Profile);
            Assert.StartsWith("Maria Keller, ", p.Label, StringComparison.Ordinal);
        }
        Assert.Equal(Maria, (await staff.Client.SharedProfilesAsync())[patient.Id].Profile);
        Assert.Equal("Maria Keller", OpenedProfile.LabelOf(patient.Id, await doctors[0].Client.SharedProfilesAsync()).Split(',')[0]);

        // Not a party: a doctor of the same hospital who is neither assigned nor granted, another hospital, another patient.
        foreach (var outsider in new[] { doctors[2], otherStaff, stranger })
        {
            Assert.Null(await outsider.Client.PatientProfileAsync(patient.Id));
            Assert.Empty(await outsider.Client.SharedProfilesAsync());
            Assert.Equal($"Patient {patient.Id.ToString()[..8]}", OpenedProfile.LabelOf(patient.Id, await outsider.Client.SharedProfilesAsync()));
        }

        // The server refuses a wrap for someone who is not a party, even correctly signed.
        using var raw = await RawAsync(patient);
        var res = await raw.PutAsJsonAsync("/api/profiles/mine", SignedWrite(patient, 2, Self(patient), (otherStaff.Id, otherStaff.Client.Keys!.Encryption.PublicKey)), TestHost.Json);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, res.StatusCode);
        // A professional cannot write a profile (the refusal matrix covers every role; this is the direct case).
        using var staffRaw = await RawAsync(staff);
        Assert.Equal(HttpStatusCode.Forbidden, (await staffRaw.PutAsJsonAsync("/api/profiles/mine", SignedWrite(patient, 2, Self(patient)), TestHost.Json)).StatusCode);
    }

    [Fact]
    public async Task A_revoked_grantee_loses_the_read_at_once_and_the_next_version_is_not_wrapped_for_them()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Revocation General", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        var grant = await patient.Client.GrantConsentAsync(doctors[0].Id, ConsentScope.Categories, ["Condition"]);
        await patient.Client.SetMyProfileAsync(Maria);
        Assert.NotNull(await doctors[0].Client.PatientProfileAsync(patient.Id));

        await patient.Client.RevokeConsentAsync(grant.Id);
        // The stored wrap is no longer served: the server checks the relationship on every read.
        Assert.Null(await doctors[0].Client.PatientProfileAsync(patient.Id));
        Assert.Contains(doctors[0].Id, await WrappedReadersAsync(patient.Id));

        // The next write rotates the key and leaves them out.
        var moved = Maria with { Phone = "+41 79 555 99 99" };
        Assert.Equal(2, (await patient.Client.SetMyProfileAsync(moved)).Version);
        Assert.Equal([patient.Id], await WrappedReadersAsync(patient.Id));
        Assert.Equal(moved, (await patient.Client.MyProfileAsync())!.Profile);
        Assert.Null(await staff.Client.PatientProfileAsync(patient.Id));
    }

    [Fact]
    public async Task Registration_grant_and_booking_after_the_profile_was_written_wrap_it_at_once_and_a_doctor_assigned_offline_gets_it_on_the_next_share()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Late Assignment General", 2);
        var (otherStaff, _) = await World.HospitalAsync(Admin, "Late Booking Clinic", 0);
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.SetMyProfileAsync(Maria);

        // Each relation the patient's own client creates wraps the existing profile for the new party, no extra call.
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        Assert.Equal(Maria, (await staff.Client.PatientProfileAsync(patient.Id))!.Profile);
        await patient.Client.GrantConsentAsync(doctors[1].Id, ConsentScope.Categories, ["Condition"]);
        Assert.Equal(Maria, (await doctors[1].Client.PatientProfileAsync(patient.Id))!.Profile);
        await otherStaff.Client.SetWardAsync(otherStaff.OrganizationId!.Value, "Ward 1", "general", 2, 0);
        await patient.Client.BookBedAsync(otherStaff.OrganizationId!.Value, "general");
        Assert.Equal(Maria, (await otherStaff.Client.PatientProfileAsync(patient.Id))!.Profile);

        // A doctor assigned by staff is a relation the patient's client did not make: it waits for the next share.
        await staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id);
        Assert.Null(await doctors[0].Client.PatientProfileAsync(patient.Id));
        // What the web app does at sign-in.
        Assert.Equal(1, await patient.Client.ShareProfileWithNewPartiesAsync());
        Assert.Equal(0, await patient.Client.ShareProfileWithNewPartiesAsync());
        Assert.Equal(Maria, (await doctors[0].Client.PatientProfileAsync(patient.Id))!.Profile);
    }

    [Fact]
    public async Task A_bed_booking_makes_the_hospitals_staff_parties_until_it_is_cancelled()
    {
        var (staff, _) = await World.HospitalAsync(Admin, "Booking General", 0);
        var hospital = staff.OrganizationId!.Value;
        var patient = await World.RegisterAsync(Role.Patient);
        await staff.Client.SetWardAsync(hospital, "Ward 1", "general", 2, 0);
        var booking = await patient.Client.BookBedAsync(hospital, "general");
        await patient.Client.SetMyProfileAsync(Maria);
        Assert.Equal(Maria, (await staff.Client.SharedProfilesAsync())[patient.Id].Profile);

        await patient.Client.CancelBedBookingAsync(booking.Id);
        Assert.Empty(await staff.Client.SharedProfilesAsync());
    }

    [Fact]
    public async Task Writes_are_signed_consecutive_versions_and_of_two_concurrent_writers_one_wins()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        using var raw = await RawAsync(patient);

        // Another key's signature, and a version that skips ahead, are refused.
        var other = await World.RegisterAsync(Role.Patient);
        var forged = SignedWrite(other, 1, Self(patient));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await raw.PutAsJsonAsync("/api/profiles/mine", forged, TestHost.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await raw.PutAsJsonAsync("/api/profiles/mine", SignedWrite(patient, 2, Self(patient)), TestHost.Json)).StatusCode);
        // Without a wrap for the patient the profile would be lost to its owner.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await raw.PutAsJsonAsync("/api/profiles/mine", SignedWrite(patient, 1), TestHost.Json)).StatusCode);
        // Wraps for a profile that does not exist yet.
        var (_, staleKey) = PatientProfiles.Seal(patient.Id.ToString(), 1, Maria, patient.Client.Keys!.Signing.PrivateKey);
        var stale = PatientProfiles.WrapKey(patient.Client.Keys!.Encryption.PublicKey, patient.Id.ToString(), 1, staleKey);
        var staleWraps = new { version = 1, wraps = new[] { new { readerId = patient.Id, recipientKeyId = stale.RecipientKeyId, enc = stale.Enc, wrappedKey = stale.Ciphertext } } };
        Assert.Equal(HttpStatusCode.NotFound, (await raw.PostAsJsonAsync("/api/profiles/mine/wraps", staleWraps, TestHost.Json)).StatusCode);

        for (var version = 1; version <= 2; version++)
        {
            using var a = await RawAsync(patient);
            using var b = await RawAsync(patient);
            var results = await Task.WhenAll(
                a.PutAsJsonAsync("/api/profiles/mine", SignedWrite(patient, version, Self(patient)), TestHost.Json),
                b.PutAsJsonAsync("/api/profiles/mine", SignedWrite(patient, version, Self(patient)), TestHost.Json));
            Assert.Equal(new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }, results.Select(r => r.StatusCode).Order());
        }
        Assert.Equal(2, (await patient.Client.MyProfileAsync())!.Version);
        Assert.Equal([patient.Id], await WrappedReadersAsync(patient.Id));
        // A wrap of a stale version is refused.
        Assert.Equal(HttpStatusCode.Conflict, (await raw.PostAsJsonAsync("/api/profiles/mine/wraps", staleWraps, TestHost.Json)).StatusCode);
    }
}
