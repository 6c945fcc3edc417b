using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.Features.Messages;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// A server that alters a message's signature, moves a message from one conversation into another, relabels its
/// client message id, or serves a participant key that is not the ledger's is caught by the client: the reader refuses
/// the message, the sender refuses to send (and sends nothing).
/// </summary>
public sealed class MessageLyingServerTests : SdkTestBase
{
    private sealed record Scene(IdentityLyingServer Server, MedLedgerClient Patient, MessageScene People, Guid First, Guid Second);

    private async Task<Scene> SceneAsync()
    {
        var admin = await World.AdminAsync();
        var people = await MessageScene.CreateAsync(World, admin, "Lying Messages General");
        var first = await people.Patient.Client.StartConversationAsync([people.Doctor.Id], "First");
        var second = await people.Patient.Client.StartConversationAsync([people.Doctor.Id], "Second");
        await people.Doctor.Client.SendMessageAsync(first.Id, "first thread");
        await people.Doctor.Client.SendMessageAsync(second.Id, "second thread");
        var server = new IdentityLyingServer(Host);
        var client = server.NewClient();
        await client.LoginWithDevOutboxAsync(people.Patient.Email, people.Patient.Password);
        return new Scene(server, client, people, first.Id, second.Id);
    }

    private static string Messages(Guid conversationId) => $"/api/conversations/{conversationId}/messages?after=0";

    [Fact]
    public async Task The_honest_path_opens_both_threads()
    {
        var s = await SceneAsync();
        Assert.Equal("first thread", Assert.Single(await s.Patient.MessagesAsync(s.First)).Text);
        Assert.Equal("second thread", Assert.Single(await s.Patient.MessagesAsync(s.Second)).Text);
    }

    [Fact]
    public async Task A_message_whose_signature_was_altered_is_refused()
    {
        var s = await SceneAsync();
        s.Server.Rewrite = (path, honest, ask) =>
        {
            if (path != Messages(s.First))
            {
                return Task.FromResult<JsonNode?>(null);
            }
            var signature = Convert.FromBase64String((string)honest[0]!["signature"]!);
            signature[7] ^= 0x01;
            honest[0]!["signature"] = Convert.ToBase64String(signature);
            return Task.FromResult<JsonNode?>(honest);
        };
        var e = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Patient.MessagesAsync(s.First));
        Assert.Contains("signed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_moved_from_another_conversation_or_relabelled_is_refused()
    {
        var s = await SceneAsync();
        // The other thread's message, served here as it is and then relabelled as this conversation's.
        s.Server.Rewrite = async (path, honest, ask) => path == Messages(s.First) ? await ask(Messages(s.Second)) : null;
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Patient.MessagesAsync(s.First));
        s.Server.Rewrite = async (path, honest, ask) =>
        {
            if (path != Messages(s.First))
            {
                return null;
            }
            var lie = await ask(Messages(s.Second));
            lie[0]!["conversationId"] = s.First.ToString();
            return lie;
        };
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Patient.MessagesAsync(s.First));
        // The same message under another client message id (a "new" message the sender never wrote).
        s.Server.Rewrite = (path, honest, ask) =>
        {
            if (path != Messages(s.First))
            {
                return Task.FromResult<JsonNode?>(null);
            }
            honest[0]!["clientMessageId"] = Guid.NewGuid().ToString();
            return Task.FromResult<JsonNode?>(honest);
        };
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Patient.MessagesAsync(s.First));
    }

    [Fact]
    public async Task A_participant_key_that_is_not_on_the_ledger_stops_the_send_before_anything_is_sent()
    {
        var s = await SceneAsync();
        var impostor = MedLedger.Crypto.KeyBundle.Generate();
        s.Server.Rewrite = (path, honest, ask) =>
        {
            if (path != $"/api/users/{s.People.Doctor.Id}/card")
            {
                return Task.FromResult<JsonNode?>(null);
            }
            honest["encryptionPublicKey"] = Convert.ToBase64String(impostor.Encryption.PublicKey);
            return Task.FromResult<JsonNode?>(honest);
        };
        var before = s.Server.Sent.Count;
        var e = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Patient.SendMessageAsync(s.First, "for the doctor only"));
        Assert.Contains(s.People.Doctor.Id.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Empty(s.Server.WritesSince(before));
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Patient.StartConversationAsync([s.People.Doctor.Id], "New thread"));
        Assert.Empty(s.Server.WritesSince(before));
    }
}
