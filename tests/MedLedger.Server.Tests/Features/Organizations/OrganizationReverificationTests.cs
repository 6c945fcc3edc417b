using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Organizations;

/// <summary>
/// Issue 12: an organization's registration number is on the card the admin signs, and staff who change a verified
/// card put the organization back in the admin's queue. Until an admin signs the new card, clients show it as not
/// verified; the directory keeps listing it, so patients can still find it.
/// </summary>
public sealed class OrganizationReverificationTests : SdkTestBase
{
    private const string ChangedCard = "the admin verified a different card (name, address, location or registration number changed)";

    [Fact]
    public async Task A_changed_card_goes_back_to_the_admin_and_is_not_verified_until_the_admin_signs_it_again()
    {
        var admin = await World.AdminAsync();
        var (staff, _) = await World.HospitalAsync(admin, "Lakeside Clinic", doctors: 0);
        var hospitalId = staff.OrganizationId!.Value;
        var patient = await World.RegisterAsync(MedLedger.Client.Role.Patient);

        var shown = await ShownAsync(patient, hospitalId);
        Assert.Equal("HRB 1010", shown.RegistrationNumber);
        Assert.True((await patient.Client.CheckOrganizationAsync(shown)).Verified);
        Assert.DoesNotContain((await admin.Client.VerificationQueueAsync()).Organizations, o => o.Id == hospitalId);

        // Contact details are not on the card: changing them leaves the admin's decision standing.
        var update = new OrganizationUpdate(shown.Name, shown.Address, shown.Latitude, shown.Longitude, "+49 30 7777", "desk@lakeside.example.org", shown.RegistrationNumber);
        var contact = await staff.Client.UpdateOrganizationAsync(hospitalId, update);
        Assert.Null(contact.CardChangedAt);
        Assert.DoesNotContain((await admin.Client.VerificationQueueAsync()).Organizations, o => o.Id == hospitalId);
        Assert.True((await patient.Client.CheckOrganizationAsync(await ShownAsync(patient, hospitalId))).Verified);

        // A new registration number is another card: back in the queue, marked as changed, still listed but not verified.
        var reregistered = await staff.Client.UpdateOrganizationAsync(hospitalId, update with { RegistrationNumber = "HRB 2020 B" });
        Assert.NotNull(reregistered.CardChangedAt);
        var queued = Assert.Single((await admin.Client.VerificationQueueAsync()).Organizations, o => o.Id == hospitalId);
        Assert.Equal("HRB 2020 B", queued.RegistrationNumber);
        Assert.Equal(VerificationStatus.Approved, queued.Verification);
        Assert.Equal(reregistered.CardChangedAt, queued.CardChangedAt);
        var changed = await ShownAsync(patient, hospitalId);
        Assert.Equal("HRB 2020 B", changed.RegistrationNumber);
        var check = await patient.Client.CheckOrganizationAsync(changed);
        Assert.False(check.Verified);
        Assert.Equal(ChangedCard, check.NotVerifiedReason);

        // A second change while waiting keeps one queue entry, from the first change.
        await staff.Client.UpdateOrganizationAsync(hospitalId, update with { Name = "Lakeside Clinic North", RegistrationNumber = "HRB 2020 B" });
        var still = Assert.Single((await admin.Client.VerificationQueueAsync()).Organizations, o => o.Id == hospitalId);
        Assert.Equal(reregistered.CardChangedAt, still.CardChangedAt);
        Assert.Equal("Lakeside Clinic North", still.Name);

        // The admin signs the card as it is now: out of the queue, verified again by the client's own check.
        await admin.Client.DecideOrganizationAsync(hospitalId, true);
        Assert.DoesNotContain((await admin.Client.VerificationQueueAsync()).Organizations, o => o.Id == hospitalId);
        var reverified = await ShownAsync(patient, hospitalId);
        Assert.Null(reverified.CardChangedAt);
        Assert.Equal("Lakeside Clinic North", reverified.Name);
        Assert.True((await patient.Client.CheckOrganizationAsync(reverified)).Verified);
    }

    [Fact]
    public async Task A_registration_number_is_required_and_bounded_when_an_organization_is_founded_or_changed()
    {
        var admin = await World.AdminAsync();
        var (staff, _) = await World.HospitalAsync(admin, "Bounded Clinic", doctors: 0);
        var hospitalId = staff.OrganizationId!.Value;
        var before = await staff.Client.OrganizationAsync(hospitalId);
        var update = new OrganizationUpdate(before.Name, before.Address, before.Latitude, before.Longitude, null, null, " ");
        var blank = await Assert.ThrowsAsync<MedLedgerApiException>(() => staff.Client.UpdateOrganizationAsync(hospitalId, update));
        Assert.Equal(422, (int)blank.Status);
        Assert.Contains("registrationNumber", blank.Message, StringComparison.Ordinal);
        var tooLong = await Assert.ThrowsAsync<MedLedgerApiException>(() => staff.Client.UpdateOrganizationAsync(hospitalId, update with { RegistrationNumber = new string('7', 61) }));
        Assert.Equal(422, (int)tooLong.Status);
        var after = await staff.Client.OrganizationAsync(hospitalId);
        Assert.Equal(before.RegistrationNumber, after.RegistrationNumber);
        Assert.Null(after.CardChangedAt);

        using var founder = World.NewClient();
        var refused = await Assert.ThrowsAsync<MedLedgerApiException>(() => founder.RegisterWithDevOutboxAsync($"founder-{Guid.NewGuid():N}@sdk.example.org", "founder pass phrase",
            MedLedger.Client.Role.HospitalStaff, newOrganization: new NewOrganization(OrganizationKind.Hospital, "No Number Clinic", "1 Road", 52.5, 13.4, null, null, "")));
        Assert.Equal(422, (int)refused.Status);
        Assert.Contains("newOrganization.registrationNumber", refused.Message, StringComparison.Ordinal);
    }

    private static async Task<Organization> ShownAsync(SdkUser viewer, Guid id) =>
        Assert.Single(await viewer.Client.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == id);
}
