using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MedLedger.Server.Tests.Features.Organizations;

/// <summary>
/// Issue 19: an admin suspends and reinstates an organization with an admin-signed identity.org-standing. A suspended
/// organization leaves search and the directory, takes no new bookings, and is "not verified" in every client by the
/// ledger's word; what it already holds stays readable; reinstating restores it.
/// </summary>
public sealed class OrganizationStandingTests : SdkTestBase
{
    [Fact]
    public async Task A_suspended_hospital_leaves_search_takes_no_new_bookings_and_is_not_verified_until_the_admin_reinstates_it()
    {
        var admin = await World.AdminAsync();
        var (staff, _) = await World.HospitalAsync(admin, "Riverside Hospital", doctors: 0);
        var hospitalId = staff.OrganizationId!.Value;
        await staff.Client.SetWardAsync(hospitalId, "ICU", "icu", total: 4, occupied: 0);
        var patient = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        var held = await patient.Client.BookBedAsync(hospitalId, "icu");

        await admin.Client.SuspendOrganizationAsync(hospitalId, "under-investigation");

        Assert.DoesNotContain((await patient.Client.SearchHospitalsAsync(52.5, 13.4)).Items, h => h.HospitalId == hospitalId);
        Assert.DoesNotContain(await patient.Client.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == hospitalId);
        var refused = await Assert.ThrowsAsync<MedLedgerApiException>(() => World.RegisterAsync(MedLedger.Client.Role.Patient)
            .ContinueWith(t => t.Result.Client.BookBedAsync(hospitalId, "icu")).Unwrap());
        Assert.Equal(409, (int)refused.Status);
        Assert.Contains("suspended", refused.Detail, StringComparison.Ordinal);
        // What exists stays readable: the patient's booking, the hospital's own card for its staff.
        Assert.Contains(await patient.Client.MyBedBookingsAsync(), b => b.Id == held.Id);
        var own = await staff.Client.OrganizationAsync(hospitalId);
        Assert.True(own.Suspended);
        Assert.Equal("under-investigation", own.StandingReason);
        var check = await patient.Client.CheckOrganizationAsync(own);
        Assert.False(check.Verified);
        Assert.Equal("an admin suspended this organization", check.NotVerifiedReason);
        var listed = Assert.Single(await admin.Client.AdminOrganizationsAsync(suspended: true), o => o.Id == hospitalId);
        Assert.Equal(VerificationStatus.Approved, listed.Verification);

        Assert.Contains(await EventsAsync(hospitalId), e => e.Kind == SecurityEventKind.OrganizationSuspended && e.ActorId == admin.Id && e.Detail == "under-investigation");

        await admin.Client.ReinstateOrganizationAsync(hospitalId, "resolved");

        Assert.Contains((await patient.Client.SearchHospitalsAsync(52.5, 13.4)).Items, h => h.HospitalId == hospitalId);
        var back = Assert.Single(await patient.Client.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == hospitalId);
        Assert.False(back.Suspended);
        var recheck = await patient.Client.CheckOrganizationAsync(back);
        Assert.True(recheck.Verified, recheck.NotVerifiedReason);
        var other = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        Assert.Equal(hospitalId, (await other.Client.BookBedAsync(hospitalId, "icu")).HospitalId);
        Assert.Contains(await EventsAsync(hospitalId), e => e.Kind == SecurityEventKind.OrganizationReinstated && e.Detail == "resolved");
    }

    [Fact]
    public async Task A_suspended_hospital_takes_no_new_patient_registrations_or_doctor_assignments_but_existing_ones_can_still_end()
    {
        var admin = await World.AdminAsync();
        var (staff, doctors) = await World.HospitalAsync(admin, "Lakeside Hospital", doctors: 2);
        var hospitalId = staff.OrganizationId!.Value;
        var registered = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        await registered.Client.RegisterWithHospitalAsync(hospitalId);
        await staff.Client.AssignDoctorAsync(doctors[0].Id, registered.Id);
        var newcomer = await World.RegisterAsync(MedLedger.Client.Role.Patient);

        await admin.Client.SuspendOrganizationAsync(hospitalId, "under-investigation");

        var registration = await Assert.ThrowsAsync<MedLedgerApiException>(() => newcomer.Client.RegisterWithHospitalAsync(hospitalId));
        Assert.Equal(409, (int)registration.Status);
        Assert.Contains("suspended", registration.Detail, StringComparison.Ordinal);
        var assignment = await Assert.ThrowsAsync<MedLedgerApiException>(() => staff.Client.AssignDoctorAsync(doctors[1].Id, registered.Id));
        Assert.Equal(409, (int)assignment.Status);
        Assert.Equal(1, await CountAsync<MedLedger.Server.Features.Care.CareAssignment>(a => a.PatientId == registered.Id));
        Assert.Equal(0, await CountAsync<MedLedger.Server.Features.Care.CareRegistration>(r => r.PatientId == newcomer.Id));
        // Ending what exists is not new work: the assignment is removed, the registration withdrawn.
        await staff.Client.UnassignDoctorAsync(doctors[0].Id, registered.Id);
        await registered.Client.WithdrawHospitalRegistrationAsync(hospitalId);
        Assert.Equal(0, await CountAsync<MedLedger.Server.Features.Care.CareAssignment>(a => a.PatientId == registered.Id));

        await admin.Client.ReinstateOrganizationAsync(hospitalId, "resolved");
        await newcomer.Client.RegisterWithHospitalAsync(hospitalId);
        Assert.Equal(1, await CountAsync<MedLedger.Server.Features.Care.CareRegistration>(r => r.PatientId == newcomer.Id));
    }

    private async Task<int> CountAsync<T>(System.Linq.Expressions.Expression<Func<T, bool>> where) where T : class
    {
        await using var scope = Host.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>().Set<T>().CountAsync(where);
    }

    [Fact]
    public async Task The_standing_goes_on_the_ledger_signed_by_the_admin_with_ids_and_a_reason_code_only()
    {
        var admin = await World.AdminAsync();
        var (staff, _) = await World.HospitalAsync(admin, "Ledger Street Clinic", doctors: 0);
        var hospitalId = staff.OrganizationId!.Value;
        await admin.Client.SuspendOrganizationAsync(hospitalId, "licence-withdrawn");

        var served = await staff.Client.OrganizationVerificationReceiptAsync(hospitalId);
        var tx = served.Standing!.Transaction();
        Assert.Equal(OrganizationStandingContract.TypeName, tx.Type);
        Assert.Equal(admin.Id.ToString(), tx.ActorId);
        Assert.False(tx.IsSystemEvent);
        Assert.Equal(["organizationId", "reason", "standing"], tx.Payload.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("suspended", tx.Get("standing"));
        Assert.Equal("licence-withdrawn", tx.Get("reason"));
    }

    [Fact]
    public async Task Suspending_twice_an_unknown_organization_a_reason_that_is_not_a_code_and_a_non_admin_are_refused_and_change_nothing()
    {
        var admin = await World.AdminAsync();
        var (staff, _) = await World.HospitalAsync(admin, "Refusal Clinic", doctors: 0);
        var hospitalId = staff.OrganizationId!.Value;

        var notSuspended = await Assert.ThrowsAsync<MedLedgerApiException>(() => admin.Client.ReinstateOrganizationAsync(hospitalId));
        Assert.Equal(409, (int)notSuspended.Status);
        var unknown = await Assert.ThrowsAsync<MedLedgerApiException>(() => admin.Client.SuspendOrganizationAsync(Guid.NewGuid(), "other"));
        Assert.Equal(404, (int)unknown.Status);
        var freeText = await Assert.ThrowsAsync<MedLedgerApiException>(() => admin.Client.SuspendOrganizationAsync(hospitalId, "the director was arrested for fraud"));
        Assert.Equal(422, (int)freeText.Status);
        Assert.Contains("reason", freeText.Message, StringComparison.Ordinal);
        // Staff of the organization itself, and of another, are not admins.
        var (otherStaff, _) = await World.HospitalAsync(admin, "Rival Clinic", doctors: 0);
        foreach (var notAdmin in new[] { staff, otherStaff })
        {
            var forbidden = await Assert.ThrowsAsync<MedLedgerApiException>(() => notAdmin.Client.SuspendOrganizationAsync(hospitalId, "other"));
            Assert.Equal(403, (int)forbidden.Status);
        }
        Assert.Null((await staff.Client.OrganizationVerificationReceiptAsync(hospitalId)).Standing);
        Assert.False((await staff.Client.OrganizationAsync(hospitalId)).Suspended);

        await admin.Client.SuspendOrganizationAsync(hospitalId, "other");
        var again = await Assert.ThrowsAsync<MedLedgerApiException>(() => admin.Client.SuspendOrganizationAsync(hospitalId, "other"));
        Assert.Equal(409, (int)again.Status);
    }

    [Fact]
    public async Task Concurrent_suspensions_of_one_organization_commit_exactly_one_standing()
    {
        var admin = await World.AdminAsync();
        var (staff, _) = await World.HospitalAsync(admin, "Busy Clinic", doctors: 0);
        var hospitalId = staff.OrganizationId!.Value;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            try
            {
                await admin.Client.SuspendOrganizationAsync(hospitalId, "under-investigation");
                return 204;
            }
            catch (MedLedgerApiException e)
            {
                return (int)e.Status;
            }
        }));

        Assert.Equal(1, outcomes.Count(o => o == 204));
        Assert.All(outcomes.Where(o => o != 204), o => Assert.Equal(409, o));
        Assert.Single(await EventsAsync(hospitalId), e => e.Kind == SecurityEventKind.OrganizationSuspended);
        Assert.True((await staff.Client.OrganizationAsync(hospitalId)).Suspended);
        Assert.Equal("suspended", (await staff.Client.OrganizationVerificationReceiptAsync(hospitalId)).Standing!.Transaction().Get("standing"));
    }

    private async Task<List<SecurityEvent>> EventsAsync(Guid subject)
    {
        await using var scope = Host.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>();
        return await db.Set<SecurityEvent>().AsNoTracking().Where(e => e.SubjectId == subject).ToListAsync();
    }
}
