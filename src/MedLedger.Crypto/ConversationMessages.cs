using System.Security.Cryptography;
using System.Text.Json;

namespace MedLedger.Crypto;

/// <summary>One attachment as the message names it: the SHA-256 of its sealed blob and its sealed metadata.</summary>
public sealed record MessageAttachmentInfo(string Hash, string ContentType, string FileName, long Size);

/// <summary>What a message says: its text and its attachments (content type and file name travel sealed here, never in metadata).</summary>
public sealed record MessageContent(string Text, IReadOnlyList<MessageAttachmentInfo> Attachments);

/// <summary>A message as stored: metadata in the clear (ids, nonce, attachment blob hashes), content sealed, signed by the sender.</summary>
public sealed record SealedMessage(string ConversationId, string ClientMessageId, string SenderId, byte[] Nonce, byte[] Ciphertext, IReadOnlyList<string> AttachmentHashes, byte[] Signature);

/// <summary>A conversation's subject sealed by its creator, with the signed participant list and optional appointment id.</summary>
public sealed record SealedSubject(string ConversationId, string CreatorId, IReadOnlyList<string> ParticipantIds, string? AppointmentId, byte[] Nonce, byte[] Ciphertext, byte[] Signature);

/// <summary>
/// End-to-end encrypted conversation messages (docs/messages.md, docs/crypto-format.md section 15). Each message has a
/// fresh 32-byte content key: the content is AES-256-GCM under it with associated data naming the conversation, the
/// client message id and the sender; attachments are sealed blobs under the same key (associated data adds their
/// index); the key is wrapped for each participant as a <see cref="SealedSecret"/>. The sender signs the ids, nonce,
/// ciphertext and the attachment blob hashes, so a reader knows who wrote it, for which conversation, under which id.
/// </summary>
public static class ConversationMessages
{
    public const int KeyLength = 32;
    /// <summary>AES-GCM nonce and tag sizes, public here for the server's shape checks.</summary>
    public const int NonceLength = 12;
    public const int TagLength = 16;

    /// <summary>canonical(<see cref="ProtocolTags.Message"/>).String(conversationId).String(clientMessageId).String(senderId).</summary>
    public static byte[] AssociatedData(string conversationId, string clientMessageId, string senderId) =>
        new CanonicalWriter(ProtocolTags.Message).String(conversationId).String(clientMessageId).String(senderId).ToArray();

    /// <summary>The associated data plus Bytes(nonce).Bytes(ciphertext).StringList(attachment hashes in order): what the sender signs.</summary>
    public static byte[] SignedBytes(string conversationId, string clientMessageId, string senderId, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, IReadOnlyCollection<string> attachmentHashes) =>
        new CanonicalWriter(ProtocolTags.Message).String(conversationId).String(clientMessageId).String(senderId).Bytes(nonce).Bytes(ciphertext).StringList(attachmentHashes).ToArray();

    /// <summary>The sealed-secret context of a message key: "{conversationId}/{clientMessageId}", so a wrap opens only for its own message.</summary>
    public static string WrapContext(string conversationId, string clientMessageId) => $"{conversationId}/{clientMessageId}";

    /// <summary>canonical(<see cref="ProtocolTags.MessageAttachment"/>).String(conversationId).String(clientMessageId).Int64(index).</summary>
    public static byte[] AttachmentAssociatedData(string conversationId, string clientMessageId, long index) =>
        new CanonicalWriter(ProtocolTags.MessageAttachment).String(conversationId).String(clientMessageId).Int64(index).ToArray();

    /// <summary>Compact JSON {"text","attachments":[{"hash","contentType","fileName","size"}]} (UTF-8, non-ASCII unescaped).</summary>
    public static byte[] Plaintext(MessageContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return StrictJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("text", content.Text);
            w.WriteStartArray("attachments");
            foreach (var a in content.Attachments)
            {
                w.WriteStartObject();
                w.WriteString("hash", a.Hash);
                w.WriteString("contentType", a.ContentType);
                w.WriteString("fileName", a.FileName);
                w.WriteNumber("size", a.Size);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyLength);

    /// <summary>Seals an attachment under the message key: nonce (12) || AES-GCM ciphertext. Its SHA-256 is the blob hash the message names.</summary>
    public static byte[] SealAttachment(byte[] key, string conversationId, string clientMessageId, long index, ReadOnlySpan<byte> content) =>
        SealAttachment(key, conversationId, clientMessageId, index, content, RandomNumberGenerator.GetBytes(Aead.NonceLength));

    /// <summary>Deterministic form for vectors (never reuse a nonce under one key).</summary>
    public static byte[] SealAttachment(byte[] key, string conversationId, string clientMessageId, long index, ReadOnlySpan<byte> content, byte[] nonce)
    {
        RequireKey(key);
        var ciphertext = Aead.Seal(key, nonce, AttachmentAssociatedData(conversationId, clientMessageId, index), content);
        return [.. nonce, .. ciphertext];
    }

    /// <summary>Opens an attachment blob: its hash must be the one the (signed) message names, then AES-GCM must check.</summary>
    public static byte[] OpenAttachment(byte[] key, string conversationId, string clientMessageId, long index, byte[] blob, string expectedHash)
    {
        RequireKey(key);
        ArgumentNullException.ThrowIfNull(blob);
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(blob)), expectedHash, StringComparison.Ordinal))
        {
            throw new CryptoIntegrityException("The attachment is not the one the message names.");
        }
        if (blob.Length < Aead.NonceLength + Aead.TagLength)
        {
            throw new CryptoFormatException("An attachment blob is at least 28 bytes.");
        }
        return Aead.Open(key, blob.AsSpan(0, Aead.NonceLength), AttachmentAssociatedData(conversationId, clientMessageId, index), blob.AsSpan(Aead.NonceLength));
    }

    /// <summary>Seals and signs a message; the content's attachment hashes become the signed metadata list.</summary>
    public static SealedMessage Seal(string conversationId, string clientMessageId, string senderId, MessageContent content, byte[] key, byte[] signingPrivateKey) =>
        Seal(conversationId, clientMessageId, senderId, content, key, signingPrivateKey, RandomNumberGenerator.GetBytes(Aead.NonceLength));

    public static SealedMessage Seal(string conversationId, string clientMessageId, string senderId, MessageContent content, byte[] key, byte[] signingPrivateKey, byte[] nonce)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentException.ThrowIfNullOrEmpty(clientMessageId);
        ArgumentException.ThrowIfNullOrEmpty(senderId);
        ArgumentNullException.ThrowIfNull(content);
        RequireKey(key);
        var ciphertext = Aead.Seal(key, nonce, AssociatedData(conversationId, clientMessageId, senderId), Plaintext(content));
        var hashes = content.Attachments.Select(a => a.Hash).ToList();
        var signature = Signatures.Sign(signingPrivateKey, SignedBytes(conversationId, clientMessageId, senderId, nonce, ciphertext, hashes));
        return new SealedMessage(conversationId, clientMessageId, senderId, nonce, ciphertext, hashes, signature);
    }

    /// <summary>
    /// Opens a message for a reader: it must name the conversation and client message id asked for, be signed by the
    /// sender's registered signing key, and its sealed attachment list must be the signed one. Anything else throws
    /// <see cref="CryptoIntegrityException"/>.
    /// </summary>
    public static MessageContent Open(SealedMessage message, byte[] key, string expectedConversationId, string expectedClientMessageId, byte[] senderSigningPublicKey)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.ConversationId != expectedConversationId || message.ClientMessageId != expectedClientMessageId)
        {
            throw new CryptoIntegrityException($"Asked for message {expectedClientMessageId} of conversation {expectedConversationId}, got {message.ClientMessageId} of {message.ConversationId}.");
        }
        if (!Signatures.Verify(senderSigningPublicKey, SignedBytes(message.ConversationId, message.ClientMessageId, message.SenderId, message.Nonce, message.Ciphertext, message.AttachmentHashes), message.Signature))
        {
            throw new CryptoIntegrityException("The message is not signed by its sender's registered key for this conversation and message id.");
        }
        RequireKey(key);
        if (message.Nonce.Length != Aead.NonceLength)
        {
            throw new CryptoFormatException("A message nonce is 12 bytes.");
        }
        var plaintext = Aead.Open(key, message.Nonce, AssociatedData(message.ConversationId, message.ClientMessageId, message.SenderId), message.Ciphertext);
        using var doc = StrictJson.Parse(plaintext);
        var e = doc.RootElement;
        StrictJson.RequireMembers(e, "message", "text", "attachments");
        var list = e.GetProperty("attachments");
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new CryptoFormatException("'attachments' must be an array.");
        }
        var attachments = new List<MessageAttachmentInfo>();
        foreach (var a in list.EnumerateArray())
        {
            StrictJson.RequireMembers(a, "attachment", "hash", "contentType", "fileName", "size");
            attachments.Add(new MessageAttachmentInfo(StrictJson.LowerHex(a, "hash", 32), StrictJson.String(a, "contentType"), StrictJson.String(a, "fileName"), StrictJson.Int64(a, "size")));
        }
        if (!attachments.Select(a => a.Hash).SequenceEqual(message.AttachmentHashes, StringComparer.Ordinal))
        {
            throw new CryptoIntegrityException("The sealed attachment list differs from the signed one.");
        }
        return new MessageContent(StrictJson.String(e, "text"), attachments);
    }

    public static SealedSecret WrapKey(byte[] readerEncryptionPublicKey, string conversationId, string clientMessageId, byte[] key) =>
        SealedSecret.Seal(readerEncryptionPublicKey, ProtocolTags.MessageKey, WrapContext(conversationId, clientMessageId), key);

    public static byte[] UnwrapKey(SealedSecret wrap, UserKeyPair reader, string conversationId, string clientMessageId)
    {
        ArgumentNullException.ThrowIfNull(wrap);
        var key = wrap.Open(reader, ProtocolTags.MessageKey, WrapContext(conversationId, clientMessageId));
        return key.Length == KeyLength ? key : throw new CryptoFormatException("A message key is 32 bytes.");
    }

    // ---------- conversation subject ----------

    /// <summary>canonical(<see cref="ProtocolTags.ConversationSubject"/>).String(conversationId).String(creatorId).</summary>
    public static byte[] SubjectAssociatedData(string conversationId, string creatorId) =>
        new CanonicalWriter(ProtocolTags.ConversationSubject).String(conversationId).String(creatorId).ToArray();

    /// <summary>
    /// The associated data plus StringList(participant ids, sorted ordinal).OptionalString(appointmentId).Bytes(nonce).Bytes(ciphertext):
    /// the creator signs who is in the conversation, so a server adding a participant is caught.
    /// </summary>
    public static byte[] SubjectSignedBytes(string conversationId, string creatorId, IEnumerable<string> participantIds, string? appointmentId, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext) =>
        new CanonicalWriter(ProtocolTags.ConversationSubject).String(conversationId).String(creatorId)
            .StringList(participantIds.Order(StringComparer.Ordinal).ToList()).OptionalString(appointmentId).Bytes(nonce).Bytes(ciphertext).ToArray();

    public static SealedSubject SealSubject(string conversationId, string creatorId, IReadOnlyList<string> participantIds, string? appointmentId, string subject, byte[] key, byte[] signingPrivateKey) =>
        SealSubject(conversationId, creatorId, participantIds, appointmentId, subject, key, signingPrivateKey, RandomNumberGenerator.GetBytes(Aead.NonceLength));

    public static SealedSubject SealSubject(string conversationId, string creatorId, IReadOnlyList<string> participantIds, string? appointmentId, string subject, byte[] key, byte[] signingPrivateKey, byte[] nonce)
    {
        ArgumentNullException.ThrowIfNull(participantIds);
        ArgumentNullException.ThrowIfNull(subject);
        RequireKey(key);
        var ciphertext = Aead.Seal(key, nonce, SubjectAssociatedData(conversationId, creatorId), System.Text.Encoding.UTF8.GetBytes(subject));
        var signature = Signatures.Sign(signingPrivateKey, SubjectSignedBytes(conversationId, creatorId, participantIds, appointmentId, nonce, ciphertext));
        return new SealedSubject(conversationId, creatorId, participantIds.Order(StringComparer.Ordinal).ToList(), appointmentId, nonce, ciphertext, signature);
    }

    /// <summary>Opens a subject: it must name the conversation asked for and be signed by its creator over exactly this participant list.</summary>
    public static string OpenSubject(SealedSubject s, byte[] key, string expectedConversationId, byte[] creatorSigningPublicKey)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.ConversationId != expectedConversationId)
        {
            throw new CryptoIntegrityException($"Asked for conversation {expectedConversationId}, got {s.ConversationId}.");
        }
        if (!Signatures.Verify(creatorSigningPublicKey, SubjectSignedBytes(s.ConversationId, s.CreatorId, s.ParticipantIds, s.AppointmentId, s.Nonce, s.Ciphertext), s.Signature))
        {
            throw new CryptoIntegrityException("The conversation is not signed by its creator's registered key over these participants.");
        }
        RequireKey(key);
        var plaintext = Aead.Open(key, s.Nonce, SubjectAssociatedData(s.ConversationId, s.CreatorId), s.Ciphertext);
        try
        {
            return new System.Text.UTF8Encoding(false, true).GetString(plaintext);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new CryptoFormatException("The subject is not UTF-8.", e);
        }
    }

    public static SealedSecret WrapSubjectKey(byte[] readerEncryptionPublicKey, string conversationId, byte[] key) =>
        SealedSecret.Seal(readerEncryptionPublicKey, ProtocolTags.ConversationSubjectKey, conversationId, key);

    public static byte[] UnwrapSubjectKey(SealedSecret wrap, UserKeyPair reader, string conversationId)
    {
        ArgumentNullException.ThrowIfNull(wrap);
        var key = wrap.Open(reader, ProtocolTags.ConversationSubjectKey, conversationId);
        return key.Length == KeyLength ? key : throw new CryptoFormatException("A subject key is 32 bytes.");
    }

    private static void RequireKey(byte[]? key)
    {
        if (key is not { Length: KeyLength })
        {
            throw new CryptoFormatException($"A message key is {KeyLength} bytes.");
        }
    }
}
