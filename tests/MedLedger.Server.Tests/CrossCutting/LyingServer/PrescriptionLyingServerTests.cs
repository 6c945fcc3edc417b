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
