using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// Issue 12, appointment booking from the attacker's side: the server lies about the doctor the patient is booking
/// (a key the ledger never registered for them, a card the admin did not sign, a verified doctor of another hospital
/// passed off as this one's). The patient's client refuses before sealing the reason, so nothing is POSTed; the honest
/// server then books the same slot.
/// </summary>
public sealed class AppointmentLyingServerTests : RecordTestBase
{
    private static readonly WorkingHours[] EveryDay = Enum.GetValues<DayOfWeek>().Select(d => new WorkingHours(d, new TimeOnly(8, 0), new TimeOnly(18, 0))).ToArray();

    [Fact]
    public async Task A_doctor_served_with_a_swapped_key_an_unsigned_card_or_another_hospital_is_refused_and_nothing_is_posted()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Liar Practice", 2);
        var (_, elsewhere) = await World.HospitalAsync(Admin, "Other Practice", 1);
        var doctor = doctors[0];
        await staff.Client.SetScheduleAsync(doctor.Id, "Europe/Berlin", 30, VisitKind.InPerson, EveryDay);
        var patient = await World.RegisterAsync(Role.Patient);
        var (client, liar) = await LyingServer.SignInAsync(Host, patient);
        var from = new DateTimeOffset(Host.Clock.GetUtcNow().UtcDateTime.Date.AddDays(2), TimeSpan.Zero);
        var listing = Assert.Single(await client.FindDoctorsAsync(hospitalId: staff.OrganizationId), d => d.DoctorId == doctor.Id);
        var slot = (await client.FreeSlotsAsync(doctor.Id, from, from.AddDays(1)))[0];
        Assert.Equal(listing.HospitalId, slot.HospitalId);
        var otherDoctor = await client.GetPublicKeysAsync(doctors[1].Id);
        var cardPath = $"/api/users/{doctor.Id}/card";

        async Task Refused(Func<HttpRequestMessage, JsonNode, JsonNode?> lie, FreeSlot asked, string fragment)
        {
            liar.Lie = lie;
            var before = liar.Sent.Count;
            var e = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.BookAppointmentAsync(asked, "chest pain since Monday"));
            Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
            Assert.Empty(liar.WritesSince(before));
        }

        // The doctor's card with another doctor's keys (the server would read the reason sealed for them).
        await Refused((req, json) =>
        {
            if (req.RequestUri!.AbsolutePath != cardPath)
            {
                return null;
            }
            json["encryptionPublicKey"] = Convert.ToBase64String(otherDoctor.EncryptionPublicKey);
            json["signingPublicKey"] = Convert.ToBase64String(otherDoctor.SigningPublicKey);
            return json;
        }, slot, "ledger");
        // A card the admin did not sign: the specialty changed after the admin's decision.
        await Refused((req, json) =>
        {
            if (req.RequestUri!.AbsolutePath != cardPath)
            {
                return null;
            }
            json["specialty"] = "Neurosurgery";
            return json;
        }, slot, "different card");
        // The card with no admin verification at all.
        await Refused((req, json) =>
        {
            if (req.RequestUri!.AbsolutePath != cardPath)
            {
                return null;
            }
            json["verification"] = null;
            return json;
        }, slot, "Refused");
        // A verified doctor of another hospital listed (and slotted) as this practice's.
        await Refused((_, _) => null, slot with { DoctorId = elsewhere[0].Id }, "is not a verified doctor of hospital");

        liar.Lie = null;
        var sentBefore = liar.Sent.Count;
        var booked = await client.BookAppointmentAsync(slot, "chest pain since Monday");
        Assert.Equal(doctor.Id, booked.DoctorId);
        Assert.Single(liar.WritesSince(sentBefore), r => r.Method == HttpMethod.Post && r.PathAndQuery == "/api/appointments");
    }
}
