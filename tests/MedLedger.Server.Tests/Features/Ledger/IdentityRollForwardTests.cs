using MedLedger.Client;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;
using ServerVerification = MedLedger.Server.Features.Accounts.VerificationStatus;
using VerificationStatus = MedLedger.Client.VerificationStatus;

namespace MedLedger.Server.Tests.Features.Ledger;

/// <summary>
/// Identity transactions killed between the ledger commit and their rows (crash hook: RollForwardHarness): a key
/// registration (the account, its key bundle and a founder's organization) and admin verification decisions about
/// users and organizations are rolled forward at the next start, and the row audit reports identity rows that disagree.
/// </summary>
public sealed class IdentityRollForwardTests : RollForwardHarness
{
    private async Task<Guid> CommittedRegistrationUserIdAsync()
    {
        var pending = await Db(db => db.Set<PendingLedgerWrite>().AsNoTracking().SingleAsync(p => p.Type == "identity.register-keys"));
        var stored = await Host.Service<LedgerGateway>().Peer.Store.GetTransactionsByIdAsync(pending.TransactionId, CancellationToken.None);
        return Guid.Parse(Assert.Single(stored, s => s.Valid).Transaction.Get("userId")!);
    }

    [Fact]
    public async Task A_registration_committed_before_a_crash_is_rolled_forward_and_the_user_signs_in_with_the_registered_keys()
    {
        var email = $"crash-{Guid.NewGuid():N}@sdk.example.org";
        const string password = "pass phrase after the crash";
        using (var c = World.NewClient())
        {
            await CrashDuring("identity.register-keys", () => c.RegisterWithDevOutboxAsync(email, password, Role.Patient));
        }
        var userId = await CommittedRegistrationUserIdAsync();
        Assert.False(await Db(db => db.Users.AnyAsync(u => u.Id == userId)));
        var findings = await AuditAsync();
        Assert.Contains(findings, f => f.StartsWith($"account {userId}: keys registered on the ledger", StringComparison.Ordinal) && f.EndsWith("but no account (missing)", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("identity.register-keys ", StringComparison.Ordinal) && f.Contains("(behind", StringComparison.Ordinal));

        await RestartAsync();

        Assert.Empty(await AuditAsync());
        var patient = await World.LoginAsync(email, password, Role.Patient, null);
        Assert.Equal(userId, patient.Id);
        // The rolled-forward key bundle is the registered one: the patient's client unwraps its keys, seals and opens a record.
        var rec = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        Assert.Equal("Condition", (await patient.Client.OpenRecordAsync(rec.RecordId)).Category);
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task A_founders_registration_committed_before_a_crash_brings_its_organization_and_the_admin_can_verify_both()
    {
        var email = $"founder-{Guid.NewGuid():N}@sdk.example.org";
        const string password = "founder pass phrase";
        using (var c = World.NewClient())
        {
            await CrashDuring("identity.register-keys", () => c.RegisterWithDevOutboxAsync(email, password, Role.HospitalStaff,
                newOrganization: new NewOrganization(OrganizationKind.Hospital, "Crash Founders Clinic", "3 Care Street", 52.5, 13.4, null, null, "HRB 1013"), displayName: "Staff Founder"));
        }
        var userId = await CommittedRegistrationUserIdAsync();

        await RestartAsync();

        Assert.Empty(await AuditAsync());
        var staff = await World.LoginAsync(email, password, Role.HospitalStaff, null);
        var me = await staff.Client.MeAsync();
        Assert.Equal((userId, VerificationStatus.Pending), (me.Id, me.Verification));
        var orgId = me.OrganizationId!.Value;
        var admin = await Again(Admin);
        var queue = await admin.Client.VerificationQueueAsync();
        Assert.Contains(queue.Organizations, o => o.Id == orgId && o.Name == "Crash Founders Clinic");
        Assert.Contains(queue.Professionals, p => p.UserId == userId && p.OrganizationId == orgId);
        await admin.Client.DecideOrganizationAsync(orgId, true);
        await admin.Client.DecideProfessionalAsync(userId, true);
        // Usable: the verified founder acts for the hospital (anchors its emergency key on the ledger).
        await staff.Client.PublishHospitalEmergencyKeyAsync();
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task Verification_decisions_committed_before_crashes_are_rolled_forward_and_the_professional_and_organization_are_approved()
    {
        var staff = await World.RegisterAsync(Role.HospitalStaff, newOrganization: new NewOrganization(OrganizationKind.Hospital, "Crash Verified General", "1 Care Street", 52.5, 13.4, null, null, "HRB 1014"));
        var orgId = staff.OrganizationId!.Value;

        await CrashDuring("identity.verify", () => Admin.Client.DecideOrganizationAsync(orgId, true));
        Assert.Contains($"verification of organization {orgId}: pending in the row, approved on the ledger ({Assert.Single(await CommittedAbout(orgId, "identity.verify")).Id}) (behind)", await AuditAsync());
        await CrashDuring("identity.verify", () => Admin.Client.DecideProfessionalAsync(staff.Id, true));
        var decision = Assert.Single(await CommittedAbout(staff.Id, "identity.verify"));
        Assert.Contains($"verification of user {staff.Id}: pending in the row, approved on the ledger ({decision.Id}) (behind)", await AuditAsync());
        Assert.False((await staff.Client.MeAsync()).CanAct);

        await RestartAsync();

        Assert.Empty(await AuditAsync());
        staff = await Again(staff);
        var me = await staff.Client.MeAsync();
        Assert.Equal((VerificationStatus.Approved, true), (me.Verification, me.CanAct));
        Assert.Equal(VerificationStatus.Approved, (await staff.Client.OrganizationsAsync(OrganizationKind.Hospital)).Single(o => o.Id == orgId).Verification);
        var admin = await Again(Admin);
        var queue = await admin.Client.VerificationQueueAsync();
        Assert.DoesNotContain(queue.Organizations, o => o.Id == orgId);
        Assert.DoesNotContain(queue.Professionals, p => p.UserId == staff.Id);
        // Usable: the approved staff member of the approved hospital anchors its emergency key.
        await staff.Client.PublishHospitalEmergencyKeyAsync();
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task The_row_audit_reports_accounts_and_verifications_that_disagree_with_the_ledger()
    {
        var (staff, doctor, patient) = await CareWorldAsync();
        var orgId = staff.OrganizationId!.Value;
        Assert.Empty(await AuditAsync());
        await Db(async db =>
        {
            var other = await db.KeyBundles.AsNoTracking().SingleAsync(k => k.UserId == doctor.Id);
            await db.KeyBundles.Where(k => k.UserId == patient.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.SigningPublicKey, other.SigningPublicKey));
            await db.Users.Where(u => u.Id == staff.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.Verification, ServerVerification.Pending));
            await db.Users.Where(u => u.Id == doctor.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.Verification, ServerVerification.Rejected));
            return await db.Organizations.Where(o => o.Id == orgId).ExecuteUpdateAsync(s => s.SetProperty(o => o.Verification, ServerVerification.Rejected));
        });

        var findings = await AuditAsync();
        Assert.Contains(findings, f => f.StartsWith($"account {patient.Id}: the key bundle's public keys differ from the ledger's (", StringComparison.Ordinal) && f.EndsWith("(different keys)", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith($"verification of user {staff.Id}: pending in the row, approved on the ledger (", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith($"verification of user {doctor.Id}: rejected in the row, approved on the ledger (", StringComparison.Ordinal) && f.EndsWith("(different)", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith($"verification of organization {orgId}: rejected in the row, approved on the ledger (", StringComparison.Ordinal));
        Assert.Equal(4, findings.Count);
    }
}
