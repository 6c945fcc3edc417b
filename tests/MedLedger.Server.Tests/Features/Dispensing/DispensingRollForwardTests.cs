using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Dispensing;
using MedLedger.Server.Features.Pharmacy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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
        var item = await DispensingTests.StockAsync(pharmacist, units: 100);

        await CrashDuring(PharmacyDispenseContract.TypeName, () => pharmacist.Client.DispenseAsync(id, item, 30));
        var fill = Assert.Single(await CommittedAbout(patient.Id, PharmacyDispenseContract.TypeName));
        Assert.Contains(await AuditAsync(), f => f.Contains($"prescription fill {fill.Id}: on the ledger but no row", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (patient, pharmacist) = (await Again(patient), await Again(pharmacist));
        var seen = Assert.Single(await patient.Client.PrescriptionsAsync());
        Assert.Equal((1, 30), (seen.FillsMade, seen.Dispensed));
        // The committed fill keeps the stock it took; its hold went with the rolled-forward rows.
        Assert.Equal(70, await DispensingTests.UsableAsync(pharmacist, item));
        Assert.Equal(0, await Db(db => db.Set<DispenseStockHold>().CountAsync()));
        // The next fill follows the rolled-forward one.
        Assert.Equal(2, (await pharmacist.Client.DispenseAsync(id, item, 30)).FillsMade);
        Assert.Equal(40, await DispensingTests.UsableAsync(pharmacist, item));
    }

    [Fact]
    public async Task Stock_taken_for_a_fill_the_ledger_never_saw_before_a_crash_goes_back_at_the_next_start()
    {
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Crashed Counter Pharmacy");
        var item = await DispensingTests.StockAsync(pharmacist, units: 10);
        var pharmacy = pharmacist.OrganizationId!.Value;
        // What DispensingService's first step leaves when the process dies before the fill reaches the ledger: the take and its hold.
        var unsent = new string('e', 64);
        await using (var scope = Host.App.Services.CreateAsyncScope())
        {
            var taken = await scope.ServiceProvider.GetRequiredService<StockTaking>().TakeAsync(pharmacy, item, 4, "prescription fill", unsent, CancellationToken.None);
            var db = scope.ServiceProvider.GetRequiredService<MedLedger.Server.Infrastructure.Data.MedLedgerDbContext>();
            db.Add(new DispenseStockHold { TransactionId = unsent, PharmacyId = pharmacy, StockOperationId = taken.OperationId, CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        Assert.Equal(6, await DispensingTests.UsableAsync(pharmacist, item));

        await RestartAsync();
        pharmacist = await Again(pharmacist);
        Assert.Equal(10, await DispensingTests.UsableAsync(pharmacist, item));
        Assert.Equal(0, await Db(db => db.Set<DispenseStockHold>().CountAsync()));
        var lot = Assert.Single(Assert.Single((await pharmacist.Client.PharmacyStockAsync(pharmacy)), l => l.Medicine.Id == item).Lots);
        // Exactly as before the take: no dispensed count and no movement of it left behind.
        Assert.Equal((10, 0, 10), (lot.Received, lot.Dispensed, lot.OnHand));
        Assert.DoesNotContain(await pharmacist.Client.StockMovementsAsync(pharmacy, item), m => m.Kind == StockMovementType.Dispensed);
    }
}
