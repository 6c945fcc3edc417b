namespace MedLedger.Server.Features.Messages;

/// <summary>A key sealed for one participant (a SealedSecret: recipient key id, HPKE enc, ciphertext).</summary>
public sealed record MessageKeyWrapDto(Guid ReaderId, string RecipientKeyId, byte[] Enc, byte[] WrappedKey);

/// <summary>
/// A new conversation: its id is chosen by the creator's client because the signed subject names it. Participants are
/// every member (the creator included); exactly one is a patient.
/// </summary>
public sealed record StartConversationRequest(Guid ConversationId, IReadOnlyList<Guid> ParticipantIds, Guid? AppointmentId,
    byte[] SubjectNonce, byte[] SubjectCiphertext, byte[] SubjectSignature, IReadOnlyList<MessageKeyWrapDto> SubjectWraps);

public sealed record ParticipantDto(Guid UserId, Accounts.Role Role, long ReadUpTo);

/// <summary>A conversation as one participant sees it: metadata, the sealed subject with the caller's wrap, and the caller's unread count.</summary>
public sealed record ConversationResponse(Guid Id, Guid PatientId, Guid CreatedBy, Guid? AppointmentId, DateTimeOffset CreatedAt,
    byte[] SubjectNonce, byte[] SubjectCiphertext, byte[] SubjectSignature, MessageKeyWrapDto SubjectWrap,
    IReadOnlyList<ParticipantDto> Participants, long LastSeq, long Unread);

/// <summary>A message sealed and signed on the sender's device, its key wrapped for every participant.</summary>
public sealed record SendMessageRequest(Guid ClientMessageId, byte[] Nonce, byte[] Ciphertext, byte[] Signature,
    IReadOnlyList<string> AttachmentHashes, IReadOnlyList<MessageKeyWrapDto> Wraps);

/// <summary>A stored message with the caller's wrap of its key.</summary>
public sealed record MessageResponse(Guid ConversationId, long Seq, Guid ClientMessageId, Guid SenderId, DateTimeOffset SentAt,
    byte[] Nonce, byte[] Ciphertext, byte[] Signature, IReadOnlyList<string> AttachmentHashes, MessageKeyWrapDto Wrap);

/// <summary>A sealed attachment blob (nonce || AES-GCM ciphertext); its content type and name are sealed in the message.</summary>
public sealed record AttachmentUploadRequest(byte[] Content);

public sealed record AttachmentResponse(string Hash, long Size, byte[]? Content);

public sealed record MarkReadRequest(long UpTo);

public sealed record ReadStateResponse(Guid ConversationId, long ReadUpTo, long Unread);

/// <summary>Live events carry ids only: "message" (a new message in a conversation) and "read" (someone's read marker moved).</summary>
public sealed record MessageEvent(Guid ConversationId, long Seq, Guid ClientMessageId, Guid SenderId);

public sealed record ReadEvent(Guid ConversationId, Guid UserId, long ReadUpTo);
