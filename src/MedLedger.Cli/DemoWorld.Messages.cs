using MedLedger.Client;

namespace MedLedger.Cli;

public static partial class DemoWorld
{
    // A 1×1 PNG made in code: the demo's "photo" attachment.
    private static readonly byte[] DemoPhoto = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==");

    /// <summary>
    /// A message thread between patient2 and Dr. Sofia Rossi (doctor21), who holds patient2's consent for their documents,
    /// with an attached image and a reply, all sealed and signed through the SDK (docs/messages.md). A consent grant
    /// rather than a care assignment: the demo-based tests assign doctors themselves and would meet a duplicate.
    /// </summary>
    private static async Task SeedMessagesAsync(Func<HttpClient> http, IReadOnlyList<DemoUser> users, CancellationToken ct)
    {
        var doctor = users.Single(u => u.Email == "doctor21@demo.medledger.local");
        var patient = users.Single(u => u.Email == "patient2@demo.medledger.local");
        using var doctorClient = new MedLedgerClient(http(), ownsHttp: true);
        using var patientClient = new MedLedgerClient(http(), ownsHttp: true);
        var doctorMe = await doctorClient.LoginWithDevOutboxAsync(doctor.Email, doctor.Password, ct);
        await patientClient.LoginWithDevOutboxAsync(patient.Email, patient.Password, ct);
        await patientClient.GrantConsentAsync(doctorMe.Id, ConsentScope.Categories, ["DocumentReference"], ct: ct);
        var conversation = await patientClient.StartConversationAsync([doctorMe.Id], "Rash after starting the new blood-pressure tablets", null, ct);
        await patientClient.SendMessageAsync(conversation.Id, "Since Monday I have a red rash on my forearm. Photo attached — should I stop the tablets?",
            [new OutgoingAttachment("forearm.png", "image/png", DemoPhoto)], null, ct);
        var first = (await doctorClient.MessagesAsync(conversation.Id, 0, ct))[^1];
        await doctorClient.MarkReadAsync(conversation.Id, first.Seq, ct);
        await doctorClient.SendMessageAsync(conversation.Id, "Thank you for the photo. Please pause the tablets and come to the clinic tomorrow morning.", null, null, ct);
    }
}
