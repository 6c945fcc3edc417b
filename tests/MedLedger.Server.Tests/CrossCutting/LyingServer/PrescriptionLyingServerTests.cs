using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.Features.Dispensing;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// Issue 16 item 4, from the attacker's side: a server that lies to the pharmacist's client about a prescription. Each lie
/// is refused before a fill is signed (nothing is sent), and the honest server's prescription is then dispensed.
/// </summary>
public sealed class PrescriptionLyingServerTests : RecordTestBase
{
    [Fact]
    public async Task A_prescription_is_shared_only_with_pharmacists_an_admin_verified_for_that_pharmacy_whatever_the_directory_lists()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Rx Share Liar General", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id);
        var rx = (await doctors[0].Client.WritePrescriptionAsync(DispensingTests.MedicationRequest(), patient.Id)).Info;
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Rx Share Pharmacy");
        var outsider = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Rx Share Other Pharmacy");
        var pharmacy = pharmacist.OrganizationId!.Value;
        var (client, liar) = await LyingServer.SignInAsync(Host, patient);
        var path = $"/api/organizations/{pharmacy}/professionals";
        JsonNode Outsider(JsonNode list) => new JsonObject { ["userId"] = outsider.Id.ToString(), ["role"] = list[0]!["role"]!.DeepClone() };

        // The directory lists only another pharmacy's (verified) pharmacist: nothing is shared, no grant is sent.
        liar.Lie = (req, json) => req.RequestUri!.AbsolutePath == path ? new JsonArray(Outsider(json)) : null;
        var from = liar.Sent.Count;
        var e = await Assert.ThrowsAsync<OrderCheckException>(() => client.SharePrescriptionWithPharmacyAsync(pharmacy, rx.PrescriptionId));
        Assert.Contains("no pharmacist an admin verified", e.Message, StringComparison.Ordinal);
        Assert.Empty(liar.WritesSince(from));

        // The directory slips the outsider in beside the real pharmacist: only the real one gets the grant.
        liar.Lie = (req, json) =>
        {
            if (req.RequestUri!.AbsolutePath != path)
            {
                return null;
            }
            json.AsArray().Add(Outsider(json));
            return json;
        };
        Assert.Equal([pharmacist.Id], await client.SharePrescriptionWithPharmacyAsync(pharmacy, rx.PrescriptionId));
        var grants = (await patient.Client.GrantsAsync()).Where(g => g.Active && g.Items.Contains(rx.RecordId.ToString())).ToList();
        Assert.Equal(pharmacist.Id, Assert.Single(grants).GranteeId);
    }

    [Fact]
    public async Task The_pharmacists_client_refuses_an_unverified_prescriber_a_missing_anchor_and_altered_limits()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Rx Liar General", 1);
        var doctor = doctors[0];
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id);
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Rx Liar Pharmacy");
        var rx = (await doctor.Client.WritePrescriptionAsync(DispensingTests.MedicationRequest(), patient.Id)).Info;
        await DispensingTests.ShareAsync(patient, pharmacist);
        var item = await DispensingTests.StockAsync(pharmacist);
        var (client, liar) = await LyingServer.SignInAsync(Host, pharmacist);

        async Task Refused<TException>(Func<HttpRequestMessage, JsonNode, JsonNode?> lie, string fragment) where TException : Exception
        {
            liar.Lie = lie;
            var from = liar.Sent.Count;
            var e = await Assert.ThrowsAsync<TException>(() => client.DispenseAsync(rx.PrescriptionId, item, 10));
            Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
            Assert.Empty(liar.WritesSince(from));
        }

        // The prescriber's card without the admin's signed verification: not a verified doctor.
        await Refused<PrescriptionCheckException>((req, json) =>
        {
            if (req.RequestUri!.AbsolutePath != $"/api/users/{doctor.Id}/card")
            {
                return null;
            }
            json["verification"] = null;
            return json;
        }, "not an admin-verified doctor");
        // The MedicationRequest without its records.write anchor.
        await Refused<PrescriptionCheckException>((req, json) =>
        {
            if (req.RequestUri!.AbsolutePath != $"/api/records/{rx.RecordId}/versions/{rx.RecordVersion}")
            {
                return null;
            }
            json["anchor"] = null;
            return json;
        }, "anchor");
        // Limits other than the ones the prescriber signed on the ledger.
        await Refused<MedLedgerVerificationException>((req, json) =>
        {
            if (req.RequestUri!.AbsolutePath != $"/api/prescriptions/{rx.PrescriptionId}")
            {
                return null;
            }
            json["totalUnits"] = 900;
            return json;
        }, "prescriptions.issue");

        liar.Lie = null;
        Assert.Equal(10, (await client.DispenseAsync(rx.PrescriptionId, item, 10)).Dispensed);
    }
}
