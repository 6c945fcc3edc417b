using System.Net;
using MedLedger.Client;

namespace MedLedger.Cli;

public static partial class DemoWorld
{
    // A 1×1 PNG made in code: the demo's "photo" attachment.
    private static readonly byte[] DemoPhoto = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==");

    /// <summary>
    /// A message thread between patient1 and their doctor (doctor11, assigned by staff1), with an attached image and a
    /// reply, all sealed and signed through the SDK (docs/messages.md).
    /// </summary>
    private static async Task SeedMessagesAsync(Func<HttpClient> http, IReadOnlyList<DemoUser> users, CancellationToken ct)
    {
        var staff = users.Single(u => u.Email == "staff1@demo.medledger.local");
        var doctor = users.Single(u => u.Email == "doctor11@demo.medledger.local");
        var patient = users.Single(u => u.Email == "patient1@demo.medledger.local");
        using var staffClient = new MedLedgerClient(http(), ownsHttp: true);
        using var doctorClient = new MedLedgerClient(http(), ownsHttp: true);
        using var patientClient = new MedLedgerClient(http(), ownsHttp: true);
        await staffClient.LoginWithDevOutboxAsync(staff.Email, staff.Password, ct);
        var doctorMe = await doctorClient.LoginWithDevOutboxAsync(doctor.Email, doctor.Password, ct);
        var patientMe = await patientClient.LoginWithDevOutboxAsync(patient.Email, patient.Password, ct);
        try
        {
            await staffClient.AssignDoctorAsync(doctorMe.Id, patientMe.Id, null, ct);
        }
        catch (MedLedgerApiException e) when (e.Status == HttpStatusCode.Conflict)
        {
            // Another part of the demo assigned them already.
        }
        var conversation = await patientClient.StartConversationAsync([doctorMe.Id], "Rash after starting the new blood-pressure tablets", null, ct);
        await patientClient.SendMessageAsync(conversation.Id, "Since Monday I have a red rash on my forearm. Photo attached — should I stop the tablets?",
            [new OutgoingAttachment("forearm.png", "image/png", DemoPhoto)], null, ct);
        var first = (await doctorClient.MessagesAsync(conversation.Id, 0, ct))[^1];
        await doctorClient.MarkReadAsync(conversation.Id, first.Seq, ct);
        await doctorClient.SendMessageAsync(conversation.Id, "Thank you for the photo. Please pause the tablets and come to the clinic tomorrow morning.", null, null, ct);
    }
}
