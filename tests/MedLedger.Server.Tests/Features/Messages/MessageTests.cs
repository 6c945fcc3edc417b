using System.Net;
using System.Net.Http.Json;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Server.Features.Messages;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Messages;

/// <summary>
/// End-to-end encrypted conversations: sealed and signed on the sender's device for every participant, stored once
/// per client message id, with unread counts per participant and read markers that only move forward, readable in
/// full from a new device, and closed to everyone who is not a participant.
/// </summary>
public sealed class MessageTests : RecordTestBase
{
    [Fact]
    public async Task Patient_and_assigned_doctor_exchange_messages_with_an_attachment_and_a_new_device_reads_the_whole_history()
    {
        var s = await MessageScene.CreateAsync(World, Admin, "Messages General");
        var conversation = await s.Patient.Client.StartConversationAsync([s.Doctor.Id], "Rash after the new tablets");
        Assert.Equal(s.Patient.Id, conversation.PatientId);
        var sent = await s.Patient.Client.SendMessageAsync(conversation.Id, "The rash is spreading, photo attached.",
            [new OutgoingAttachment("rash.png", "image/png", MessageScene.Png)]);
        await s.Doctor.Client.SendMessageAsync(conversation.Id, "Stop the tablets; come in tomorrow at 9.");

        var seen = Assert.Single(await s.Doctor.Client.ConversationsAsync());
        Assert.Equal("Rash after the new tablets", seen.Subject);
        var messages = await s.Doctor.Client.MessagesAsync(conversation.Id);
        Assert.Equal(["The rash is spreading, photo attached.", "Stop the tablets; come in tomorrow at 9."], messages.Select(m => m.Text));
        Assert.Equal([1L, 2L], messages.Select(m => m.Seq));
        var attachment = Assert.Single(messages[0].Attachments);
        Assert.Equal(("rash.png", "image/png", (long)MessageScene.Png.Length), (attachment.FileName, attachment.ContentType, attachment.Size));
        Assert.Equal(MessageScene.Png, await s.Doctor.Client.AttachmentAsync(messages[0], 0));
        Assert.Equal(sent.ClientMessageId, messages[0].ClientMessageId);

        // A new device: a fresh client that only knows the password reads the subject, every message and the attachment.
        var newDevice = await World.LoginAsync(s.Patient.Email, s.Patient.Password, Role.Patient, null);
        Assert.Equal("Rash after the new tablets", Assert.Single(await newDevice.Client.ConversationsAsync()).Subject);
        var history = await newDevice.Client.MessagesAsync(conversation.Id);
        Assert.Equal(messages.Select(m => (m.Seq, m.Text, m.SenderId)), history.Select(m => (m.Seq, m.Text, m.SenderId)));
        Assert.Equal(MessageScene.Png, await newDevice.Client.AttachmentAsync(history[0], 0));
    }

    [Fact]
    public async Task The_same_client_message_id_sent_twice_is_stored_once_and_answers_the_first_result()
    {
        var s = await MessageScene.CreateAsync(World, Admin, "Retry General");
        var conversation = await s.Patient.Client.StartConversationAsync([s.Doctor.Id], "Retry");
        var id = Guid.NewGuid();
        var first = await s.Patient.Client.SendMessageAsync(conversation.Id, "first attempt", clientMessageId: id);
        // The retry is sealed afresh (a new key, nonce and text): the server still answers what it stored first.
        var retry = await s.Patient.Client.SendMessageAsync(conversation.Id, "second attempt", clientMessageId: id);
        Assert.Equal((first.Seq, first.SentAt, "first attempt"), (retry.Seq, retry.SentAt, retry.Text));
        Assert.Equal(1, await Db(db => db.Set<ConversationMessage>().CountAsync(m => m.ConversationId == conversation.Id)));
        Assert.Single(await s.Doctor.Client.MessagesAsync(conversation.Id));

        // The doctor cannot reuse the patient's id in this conversation: a clear conflict, nothing stored.
        var taken = await Assert.ThrowsAsync<MedLedgerApiException>(() => s.Doctor.Client.SendMessageAsync(conversation.Id, "mine", clientMessageId: id));
        Assert.Equal(HttpStatusCode.Conflict, taken.Status);
        Assert.Equal(1, await Db(db => db.Set<ConversationMessage>().CountAsync(m => m.ConversationId == conversation.Id)));
    }

    [Fact]
    public async Task Concurrent_sends_with_the_same_client_message_id_store_one_message_and_all_answer_it()
    {
        var s = await MessageScene.CreateAsync(World, Admin, "Concurrent General");
        var conversation = await s.Patient.Client.StartConversationAsync([s.Doctor.Id], "Race");
        var id = Guid.NewGuid();
        var devices = new List<MedLedgerClient>();
        for (var i = 0; i < 6; i++)
        {
            devices.Add((await World.LoginAsync(s.Patient.Email, s.Patient.Password, Role.Patient, null)).Client);
        }
        var results = await Task.WhenAll(devices.Select((c, i) => c.SendMessageAsync(conversation.Id, $"attempt {i}", clientMessageId: id)));
        Assert.Single(results.Select(r => (r.Seq, r.Text)).Distinct());
        Assert.Equal(1, await Db(db => db.Set<ConversationMessage>().CountAsync(m => m.ConversationId == conversation.Id)));
        Assert.Equal(1, await Db(db => db.Set<MessageWrap>().CountAsync(w => w.ClientMessageId == id && w.ReaderId == s.Doctor.Id)));

        // Different ids sent at once all land, each with its own sequence number.
        var distinct = await Task.WhenAll(devices.Select((c, i) => c.SendMessageAsync(conversation.Id, $"distinct {i}")));
        Assert.Equal(Enumerable.Range(2, devices.Count).Select(i => (long)i), distinct.Select(r => r.Seq).Order());
    }

    [Fact]
    public async Task Unread_counts_are_right_per_participant_and_read_markers_only_move_forward()
    {
        var s = await MessageScene.CreateAsync(World, Admin, "Unread General");
        var conversation = await s.Patient.Client.StartConversationAsync([s.Doctor.Id], "Unread");
        for (var i = 1; i <= 3; i++)
        {
            await s.Patient.Client.SendMessageAsync(conversation.Id, $"patient {i}");
        }
        await s.Doctor.Client.SendMessageAsync(conversation.Id, "doctor 1");

        // The sender's own messages are never unread for them; the doctor's send moved the doctor's marker to 4.
        Assert.Equal(1, (await s.Patient.Client.ConversationAsync(conversation.Id)).Unread);
        Assert.Equal(0, (await s.Doctor.Client.ConversationAsync(conversation.Id)).Unread);
        await s.Patient.Client.SendMessageAsync(conversation.Id, "patient 4");
        Assert.Equal(1, (await s.Doctor.Client.ConversationAsync(conversation.Id)).Unread);

        var read = await s.Patient.Client.MarkReadAsync(conversation.Id, 5);
        Assert.Equal((5L, 0L), (read.ReadUpTo, read.Unread));
        // Backwards is ignored, beyond the newest message is capped.
        Assert.Equal(5, (await s.Patient.Client.MarkReadAsync(conversation.Id, 2)).ReadUpTo);
        Assert.Equal(5, (await s.Patient.Client.MarkReadAsync(conversation.Id, 99)).ReadUpTo);
        Assert.Equal(0, (await s.Patient.Client.ConversationAsync(conversation.Id)).Unread);

        // Concurrent markers from two devices: the highest wins, whatever order they land in.
        var other = await World.LoginAsync(s.Doctor.Email, s.Doctor.Password, Role.Doctor, null);
        await Task.WhenAll(s.Doctor.Client.MarkReadAsync(conversation.Id, 5), other.Client.MarkReadAsync(conversation.Id, 3), s.Doctor.Client.MarkReadAsync(conversation.Id, 1));
        var doctorView = await s.Doctor.Client.ConversationAsync(conversation.Id);
        Assert.Equal(0, doctorView.Unread);
        Assert.Equal(5, doctorView.Participants.Single(p => p.UserId == s.Doctor.Id).ReadUpTo);
    }

    [Fact]
    public async Task Non_participants_cannot_read_a_conversation_its_messages_or_its_attachments()
    {
        var s = await MessageScene.CreateAsync(World, Admin, "Private General");
        var (otherStaff, _) = await World.HospitalAsync(Admin, "Other Clinic", 0);
        var otherPatient = await World.RegisterAsync(Role.Patient);
        var conversation = await s.Patient.Client.StartConversationAsync([s.Doctor.Id], "Private");
        var sent = await s.Patient.Client.SendMessageAsync(conversation.Id, "private", [new OutgoingAttachment("x.png", "image/png", MessageScene.Png)]);
        var hash = sent.Attachments[0].Hash;
        var paths = new[]
        {
            $"/api/conversations/{conversation.Id}", $"/api/conversations/{conversation.Id}/messages", $"/api/conversations/{conversation.Id}/attachments/{hash}",
        };
        // Another patient and another doctor of the same hospital: the same 404 as an unknown conversation.
        foreach (var outsider in new[] { otherPatient, s.OtherDoctor })
        {
            using var raw = await MessageScene.RawAsync(Host, outsider);
            foreach (var path in paths)
            {
                var res = await raw.GetAsync(path);
                Assert.True(res.StatusCode == HttpStatusCode.NotFound, $"{outsider.Role} on {path}: {res.StatusCode}");
            }
            var send = await raw.PostAsJsonAsync($"/api/conversations/{conversation.Id}/read", new { upTo = 1 });
            Assert.Equal(HttpStatusCode.NotFound, send.StatusCode);
            Assert.Empty(await outsider.Client.ConversationsAsync());
        }
        // Staff (of another hospital or the patient's own) and the admin are outside the role policy: 403.
        foreach (var outsider in new[] { otherStaff, s.Staff, Admin })
        {
            using var raw = await MessageScene.RawAsync(Host, outsider);
            foreach (var path in paths.Append("/api/conversations"))
            {
                var res = await raw.GetAsync(path);
                Assert.True(res.StatusCode == HttpStatusCode.Forbidden, $"{outsider.Role} on {path}: {res.StatusCode}");
            }
        }
        // A participant may fetch it.
        using var doctor = await MessageScene.RawAsync(Host, s.Doctor);
        Assert.Equal(HttpStatusCode.OK, (await doctor.GetAsync(paths[2])).StatusCode);
    }

    [Fact]
    public async Task Opening_a_conversation_with_someone_not_eligible_is_refused_and_a_consent_grant_makes_them_eligible()
    {
        var s = await MessageScene.CreateAsync(World, Admin, "Eligible General");
        var otherPatient = await World.RegisterAsync(Role.Patient);
        var refused = await Assert.ThrowsAsync<MedLedgerApiException>(() => s.Patient.Client.StartConversationAsync([s.OtherDoctor.Id], "Not my doctor"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        // A doctor cannot open a follow-up thread with a patient who is not theirs, nor add a second patient.
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<MedLedgerApiException>(() => s.Doctor.Client.StartConversationAsync([otherPatient.Id], "Follow-up"))).Status);
        // Two patients: the doctor's client refuses before sending (the second is no verified doctor); the server would too.
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Doctor.Client.StartConversationAsync([s.Patient.Id, otherPatient.Id], "Two patients"));
        Assert.Equal(0, await Db(db => db.Set<Conversation>().CountAsync()));

        await s.Patient.Client.GrantConsentAsync(s.OtherDoctor.Id, ConsentScope.All);
        var followUp = await s.OtherDoctor.Client.StartConversationAsync([s.Patient.Id], "Second opinion follow-up");
        Assert.Equal((s.Patient.Id, s.OtherDoctor.Id), (followUp.PatientId, followUp.CreatedBy));
        Assert.Equal("Second opinion follow-up", (await s.Patient.Client.ConversationAsync(followUp.Id)).Subject);
    }

    [Fact]
    public async Task Live_events_reach_participants_only_and_carry_ids_not_content()
    {
        var s = await MessageScene.CreateAsync(World, Admin, "Live General");
        var outsiderScene = await MessageScene.CreateAsync(World, Admin, "Live Elsewhere");
        var conversation = await s.Patient.Client.StartConversationAsync([s.Doctor.Id], "Live");
        var outsiderConversation = await outsiderScene.Patient.Client.StartConversationAsync([outsiderScene.Doctor.Id], "Elsewhere");

        var doctorEvents = new List<MessageEvent>();
        var outsiderEvents = new List<MessageEvent>();
        var doctorGot = new TaskCompletionSource();
        var outsiderGot = new TaskCompletionSource();
        await using var doctorHub = await ConnectAsync(s.Doctor);
        await using var outsiderHub = await ConnectAsync(outsiderScene.Doctor);
        doctorHub.On<MessageEvent>(MessagesHub.MessageEventName, e => { lock (doctorEvents) { doctorEvents.Add(e); } doctorGot.TrySetResult(); });
        outsiderHub.On<MessageEvent>(MessagesHub.MessageEventName, e => { lock (outsiderEvents) { outsiderEvents.Add(e); } outsiderGot.TrySetResult(); });

        var sent = await s.Patient.Client.SendMessageAsync(conversation.Id, "live text");
        await doctorGot.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The outsider's own conversation gets a message after ours: events are ordered per connection, so if ours had
        // reached the outsider it would be there before this one.
        await outsiderScene.Patient.Client.SendMessageAsync(outsiderConversation.Id, "elsewhere");
        await outsiderGot.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new MessageEvent(conversation.Id, sent.Seq, sent.ClientMessageId, s.Patient.Id), Assert.Single(doctorEvents));
        Assert.Equal(outsiderConversation.Id, Assert.Single(outsiderEvents).ConversationId);
    }

    private async Task<HubConnection> ConnectAsync(SdkUser user)
    {
        var token = await user.Client.GetAccessTokenAsync();
        var server = Host.App.GetTestServer();
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, MessagesHub.Path.TrimStart('/')), o =>
            {
                o.HttpMessageHandlerFactory = _ => server.CreateHandler();
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        await connection.StartAsync();
        await connection.InvokeAsync("Watch");
        return connection;
    }
}
