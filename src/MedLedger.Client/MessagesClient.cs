using MedLedger.Crypto;

namespace MedLedger.Client;

// End-to-end encrypted conversations (docs/messages.md): every message is sealed here under a fresh key wrapped for
// each participant's ledger-registered key (doctors: admin-verified cards), signed with the sender's key, and checked
// here on reading. The server sees ids, sizes and times only.

public sealed record MessageKeyWrapDto(Guid ReaderId, string RecipientKeyId, byte[] Enc, byte[] WrappedKey);

public sealed record ConversationParticipantInfo(Guid UserId, Role Role, long ReadUpTo);

/// <summary>A conversation as the server serves it (sealed subject, the caller's wrap).</summary>
public sealed record ConversationInfo(Guid Id, Guid PatientId, Guid CreatedBy, Guid? AppointmentId, DateTimeOffset CreatedAt,
    byte[] SubjectNonce, byte[] SubjectCiphertext, byte[] SubjectSignature, MessageKeyWrapDto SubjectWrap,
    IReadOnlyList<ConversationParticipantInfo> Participants, long LastSeq, long Unread);

/// <summary>A stored message as the server serves it, with the caller's wrap.</summary>
public sealed record MessageInfo(Guid ConversationId, long Seq, Guid ClientMessageId, Guid SenderId, DateTimeOffset SentAt,
    byte[] Nonce, byte[] Ciphertext, byte[] Signature, IReadOnlyList<string> AttachmentHashes, MessageKeyWrapDto Wrap);

public sealed record AttachmentInfo(string Hash, long Size, byte[]? Content);

public sealed record ReadState(Guid ConversationId, long ReadUpTo, long Unread);

/// <summary>A conversation after this client's checks: the subject is signed by the creator over exactly these participants.</summary>
public sealed record OpenedConversation(Guid Id, Guid PatientId, Guid CreatedBy, Guid? AppointmentId, DateTimeOffset CreatedAt, string Subject,
    IReadOnlyList<ConversationParticipantInfo> Participants, long LastSeq, long Unread);

/// <summary>A message after this client's checks: signed by its sender's ledger-registered key for this conversation and client message id.</summary>
public sealed record OpenedMessage(Guid ConversationId, long Seq, Guid ClientMessageId, Guid SenderId, DateTimeOffset SentAt, string Text, IReadOnlyList<MessageAttachmentInfo> Attachments)
{
    /// <summary>The message's content key, kept to open its attachments.</summary>
    internal byte[] ContentKey { get; init; } = [];
}

/// <summary>A file to attach: its name and content type travel sealed inside the message.</summary>
public sealed record OutgoingAttachment(string FileName, string ContentType, byte[] Content);

public sealed partial class MedLedgerClient
{
    /// <summary>
    /// Opens a conversation with the given people (the caller is added): one patient and one or more doctors. Every
    /// participant's keys are checked against the ledger and every doctor's card must be admin-verified; if any fails,
    /// nothing is sent.
    /// </summary>
    public async Task<OpenedConversation> StartConversationAsync(IReadOnlyList<Guid> otherParticipantIds, string subject, Guid? appointmentId = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(otherParticipantIds);
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        var participants = otherParticipantIds.Append(UserId).Distinct().ToList();
        var me = Tokens!.User.Role;
        // Who is the patient is decided here, from the caller's side: a patient talks to doctors; a doctor names one patient.
        var patientId = me == Role.Patient ? UserId : otherParticipantIds.FirstOrDefault();
        var checkedKeys = await ParticipantKeysAsync(participants, patientId, ct);
        var conversationId = Guid.NewGuid();
        var key = ConversationMessages.NewKey();
        var sealedSubject = ConversationMessages.SealSubject(conversationId.ToString(), UserId.ToString(), participants.Select(p => p.ToString()).ToList(),
            appointmentId?.ToString(), subject, key, keys.Signing.PrivateKey);
        var wraps = participants.Select(p => ToDto(p, ConversationMessages.WrapSubjectKey(checkedKeys[p].EncryptionPublicKey, conversationId.ToString(), key))).ToList();
        var info = await SendAsync<ConversationInfo>(HttpMethod.Post, "/api/conversations", new
        {
            conversationId, participantIds = participants, appointmentId,
            subjectNonce = sealedSubject.Nonce, subjectCiphertext = sealedSubject.Ciphertext, subjectSignature = sealedSubject.Signature, subjectWraps = wraps,
        }, authorize: true, ct);
        return await OpenConversationAsync(info, conversationId, ct);
    }

    /// <summary>The caller's conversations, checked and opened, newest first, with unread counts.</summary>
    public async Task<IReadOnlyList<OpenedConversation>> ConversationsAsync(CancellationToken ct = default)
    {
        var infos = await SendAsync<IReadOnlyList<ConversationInfo>>(HttpMethod.Get, "/api/conversations", null, authorize: true, ct);
        var result = new List<OpenedConversation>(infos.Count);
        foreach (var i in infos)
        {
            result.Add(await OpenConversationAsync(i, i.Id, ct));
        }
        return result;
    }

    public async Task<OpenedConversation> ConversationAsync(Guid conversationId, CancellationToken ct = default) =>
        await OpenConversationAsync(await SendAsync<ConversationInfo>(HttpMethod.Get, $"/api/conversations/{conversationId}", null, authorize: true, ct), conversationId, ct);

    /// <summary>
    /// Seals, signs and sends a message (attachments sealed and uploaded first). Pass the same <paramref name="clientMessageId"/>
    /// when retrying: the server stores the message once and answers the first result.
    /// </summary>
    public async Task<OpenedMessage> SendMessageAsync(Guid conversationId, string text, IReadOnlyList<OutgoingAttachment>? attachments = null, Guid? clientMessageId = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        var conversation = await ConversationAsync(conversationId, ct);
        var participants = conversation.Participants.Select(p => p.UserId).ToList();
        var checkedKeys = await ParticipantKeysAsync(participants, conversation.PatientId, ct);
        var id = clientMessageId ?? Guid.NewGuid();
        var key = ConversationMessages.NewKey();
        var infos = new List<MessageAttachmentInfo>();
        foreach (var (a, index) in (attachments ?? []).Select((a, i) => (a, i)))
        {
            var blob = ConversationMessages.SealAttachment(key, conversationId.ToString(), id.ToString(), index, a.Content);
            var uploaded = await SendAsync<AttachmentInfo>(HttpMethod.Post, $"/api/conversations/{conversationId}/attachments", new { content = blob }, authorize: true, ct);
            infos.Add(new MessageAttachmentInfo(uploaded.Hash, a.ContentType, a.FileName, a.Content.Length));
        }
        var message = ConversationMessages.Seal(conversationId.ToString(), id.ToString(), UserId.ToString(), new MessageContent(text, infos), key, keys.Signing.PrivateKey);
        var wraps = participants.Select(p => ToDto(p, ConversationMessages.WrapKey(checkedKeys[p].EncryptionPublicKey, conversationId.ToString(), id.ToString(), key))).ToList();
        var stored = await SendAsync<MessageInfo>(HttpMethod.Post, $"/api/conversations/{conversationId}/messages", new
        {
            clientMessageId = id, nonce = message.Nonce, ciphertext = message.Ciphertext, signature = message.Signature, attachmentHashes = message.AttachmentHashes, wraps,
        }, authorize: true, ct);
        return await OpenMessageAsync(stored, conversation, ct);
    }

    /// <summary>Messages after <paramref name="afterSeq"/>, each checked and opened; any message that does not check out throws.</summary>
    public async Task<IReadOnlyList<OpenedMessage>> MessagesAsync(Guid conversationId, long afterSeq = 0, CancellationToken ct = default)
    {
        var conversation = await ConversationAsync(conversationId, ct);
        var result = new List<OpenedMessage>();
        while (true)
        {
            var page = await SendAsync<IReadOnlyList<MessageInfo>>(HttpMethod.Get, $"/api/conversations/{conversationId}/messages?after={afterSeq}", null, authorize: true, ct);
            foreach (var m in page)
            {
                result.Add(await OpenMessageAsync(m, conversation, ct));
            }
            if (page.Count == 0 || page[^1].Seq <= afterSeq)
            {
                return result;
            }
            afterSeq = page[^1].Seq;
        }
    }

    /// <summary>An attachment of an opened message, fetched, checked against the signed hash and decrypted.</summary>
    public async Task<byte[]> AttachmentAsync(OpenedMessage message, int index, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var a = message.Attachments[index];
        var blob = await SendAsync<AttachmentInfo>(HttpMethod.Get, $"/api/conversations/{message.ConversationId}/attachments/{a.Hash}", null, authorize: true, ct);
        try
        {
            return ConversationMessages.OpenAttachment(message.ContentKey, message.ConversationId.ToString(), message.ClientMessageId.ToString(), index,
                blob.Content ?? throw new MedLedgerVerificationException("The server sent no attachment content."), a.Hash);
        }
        catch (Exception e) when (e is CryptoIntegrityException or CryptoFormatException)
        {
            throw new MedLedgerVerificationException($"Attachment {a.Hash} does not check out: {e.Message}");
        }
    }

    /// <summary>Moves the caller's read marker to <paramref name="upToSeq"/> (the server never moves it back).</summary>
    public Task<ReadState> MarkReadAsync(Guid conversationId, long upToSeq, CancellationToken ct = default) =>
        SendAsync<ReadState>(HttpMethod.Post, $"/api/conversations/{conversationId}/read", new { upTo = upToSeq }, authorize: true, ct);

    /// <summary>
    /// The keys to wrap for: the patient's as registered on the ledger; every other participant must be a doctor whose
    /// card an admin verified (its keys are the ledger's too). Throws, naming who failed, before anything is sent.
    /// </summary>
    private async Task<Dictionary<Guid, PublicKeys>> ParticipantKeysAsync(IReadOnlyList<Guid> participants, Guid patientId, CancellationToken ct)
    {
        var result = new Dictionary<Guid, PublicKeys>();
        foreach (var p in participants)
        {
            try
            {
                if (p == patientId)
                {
                    result[p] = await GetVerifiedPublicKeysAsync(p, ct);
                    continue;
                }
                var card = RequireTrusted(await IdentityCardAsync(p, ct), null);
                if (card.Card.Role != Role.Doctor)
                {
                    throw new MedLedgerVerificationException($"Refused: {card.DisplayLine} is not a doctor.");
                }
                result[p] = new PublicKeys(p, Role.Doctor, card.Card.SigningPublicKey, card.Card.EncryptionPublicKey);
            }
            catch (MedLedgerApiException e)
            {
                throw new MedLedgerVerificationException($"Refused: the keys of participant {p} could not be checked ({e.Message}); nothing was sent.");
            }
        }
        return result;
    }

    private async Task<OpenedConversation> OpenConversationAsync(ConversationInfo info, Guid expectedId, CancellationToken ct)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        var participants = info.Participants.Select(p => p.UserId.ToString()).ToList();
        var sealedSubject = new SealedSubject(info.Id.ToString(), info.CreatedBy.ToString(), participants, info.AppointmentId?.ToString(), info.SubjectNonce, info.SubjectCiphertext, info.SubjectSignature);
        if (!info.Participants.Any(p => p.UserId == UserId) || !info.Participants.Any(p => p.UserId == info.PatientId) || !info.Participants.Any(p => p.UserId == info.CreatedBy))
        {
            throw new MedLedgerVerificationException($"Conversation {info.Id} as served does not include you, its patient and its creator.");
        }
        try
        {
            var creator = await GetVerifiedPublicKeysAsync(info.CreatedBy, ct);
            var key = ConversationMessages.UnwrapSubjectKey(ToSealedSecret(info.SubjectWrap), keys.Encryption, info.Id.ToString());
            var subject = ConversationMessages.OpenSubject(sealedSubject, key, expectedId.ToString(), creator.SigningPublicKey);
            return new OpenedConversation(info.Id, info.PatientId, info.CreatedBy, info.AppointmentId, info.CreatedAt, subject, info.Participants, info.LastSeq, info.Unread);
        }
        catch (Exception e) when (e is CryptoIntegrityException or CryptoFormatException)
        {
            throw new MedLedgerVerificationException($"Conversation {info.Id} does not check out: {e.Message}");
        }
    }

    private async Task<OpenedMessage> OpenMessageAsync(MessageInfo m, OpenedConversation conversation, CancellationToken ct)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        if (!conversation.Participants.Any(p => p.UserId == m.SenderId))
        {
            throw new MedLedgerVerificationException($"Message {m.ClientMessageId} names sender {m.SenderId}, who is not in conversation {conversation.Id}.");
        }
        var sender = await GetVerifiedPublicKeysAsync(m.SenderId, ct);
        var sealedMessage = new SealedMessage(m.ConversationId.ToString(), m.ClientMessageId.ToString(), m.SenderId.ToString(), m.Nonce, m.Ciphertext, m.AttachmentHashes, m.Signature);
        try
        {
            // The signature names conversation and message id: a message moved from another conversation, or relabelled, fails here.
            if (!Signatures.Verify(sender.SigningPublicKey, ConversationMessages.SignedBytes(conversation.Id.ToString(), m.ClientMessageId.ToString(), m.SenderId.ToString(), m.Nonce, m.Ciphertext, m.AttachmentHashes), m.Signature))
            {
                throw new CryptoIntegrityException("It is not signed by its sender's registered key for this conversation and message id.");
            }
            var key = ConversationMessages.UnwrapKey(ToSealedSecret(m.Wrap), keys.Encryption, conversation.Id.ToString(), m.ClientMessageId.ToString());
            var content = ConversationMessages.Open(sealedMessage, key, conversation.Id.ToString(), m.ClientMessageId.ToString(), sender.SigningPublicKey);
            return new OpenedMessage(conversation.Id, m.Seq, m.ClientMessageId, m.SenderId, m.SentAt, content.Text, content.Attachments) { ContentKey = key };
        }
        catch (Exception e) when (e is CryptoIntegrityException or CryptoFormatException)
        {
            throw new MedLedgerVerificationException($"Message {m.ClientMessageId} in conversation {conversation.Id} does not check out: {e.Message}");
        }
    }

    private static MessageKeyWrapDto ToDto(Guid readerId, SealedSecret s) => new(readerId, s.RecipientKeyId, s.Enc, s.Ciphertext);

    private static SealedSecret ToSealedSecret(MessageKeyWrapDto w) => new(w.RecipientKeyId, w.Enc, w.WrappedKey);
}
