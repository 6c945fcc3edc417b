using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Tests.Features.Ledger;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Dispensing;

/// <summary>A prescription and a fill committed on the ledger just before the process died get their rows at the next start.</summary>
public sealed class DispensingRollForwardTests : RollForwardHarness
{
    [Fact]
    public async Task An_issue_and_a_fill_committed_before_crashes_are_rolled_forward_and_the_patient_sees_them()
    {
        var (staff, doctor, patient) = await CareWorldAsync();
        await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id);
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Roll-forward Pharmacy");

        // Refusals other than the crash carry their detail into the failure message.
        await CrashDuring(PrescriptionIssueContract.TypeName, async () =>
        {
            try
            {
                await doctor.Client.WritePrescriptionAsync(DispensingTests.MedicationRequest(), patient.Id);
            }
            catch (MedLedgerApiException e) when (e.Status != System.Net.HttpStatusCode.InternalServerError)
            {
                throw new InvalidOperationException(e.Detail, e);
            }
        });
        var issued = Assert.Single(await CommittedAbout(patient.Id, PrescriptionIssueContract.TypeName));
        var id = Guid.Parse(issued.Get("prescriptionId")!);
        Assert.Contains(await AuditAsync(), f => f.Contains($"prescription {id}: on the ledger", StringComparison.Ordinal) && f.Contains("(missing)", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (patient, pharmacist) = (await Again(patient), await Again(pharmacist));
        Assert.Equal(id, Assert.Single(await patient.Client.PrescriptionsAsync()).Info.PrescriptionId);
        await DispensingTests.ShareAsync(patient, pharmacist);

        await CrashDuring(PharmacyDispenseContract.TypeName, () => pharmacist.Client.DispenseAsync(id, 30));
        var fill = Assert.Single(await CommittedAbout(patient.Id, PharmacyDispenseContract.TypeName));
        Assert.Contains(await AuditAsync(), f => f.Contains($"prescription fill {fill.Id}: on the ledger but no row", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (patient, pharmacist) = (await Again(patient), await Again(pharmacist));
        var seen = Assert.Single(await patient.Client.PrescriptionsAsync());
        Assert.Equal((1, 30), (seen.FillsMade, seen.Dispensed));
        // The next fill follows the rolled-forward one.
        Assert.Equal(2, (await pharmacist.Client.DispenseAsync(id, 30)).FillsMade);
    }
}
