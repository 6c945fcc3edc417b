using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Messages;

/// <summary>A conversation between one patient and one or more doctors: ids, the creator's sealed, signed subject, and a message counter.</summary>
public sealed class Conversation
{
    public Guid Id { get; set; }
    public Guid PatientId { get; set; }
    public Guid CreatedBy { get; set; }
    /// <summary>Opaque until the appointments feature is merged; signed into the subject by the creator.</summary>
    public Guid? AppointmentId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required byte[] SubjectNonce { get; set; }
    public required byte[] SubjectCiphertext { get; set; }
    public required byte[] SubjectSignature { get; set; }
    /// <summary>Sequence number of the newest message; the next send takes LastSeq + 1 under the row's write lock.</summary>
    public long LastSeq { get; set; }
}

/// <summary>A participant, their wrap of the subject key, and how far they have read (only ever moves forward).</summary>
public sealed class ConversationParticipant
{
    public Guid ConversationId { get; set; }
    public Guid UserId { get; set; }
    public required string SubjectRecipientKeyId { get; set; }
    public required byte[] SubjectEnc { get; set; }
    public required byte[] SubjectWrappedKey { get; set; }
    public long ReadUpTo { get; set; }
}

/// <summary>One message: ciphertext, signature and metadata (who, when, which blobs); (ConversationId, ClientMessageId) is unique so a retried send is stored once.</summary>
public sealed class ConversationMessage
{
    public Guid ConversationId { get; set; }
    public long Seq { get; set; }
    public Guid ClientMessageId { get; set; }
    public Guid SenderId { get; set; }
    public DateTimeOffset SentAt { get; set; }
    public required byte[] Nonce { get; set; }
    public required byte[] Ciphertext { get; set; }
    public required byte[] Signature { get; set; }
    /// <summary>Blob hashes of the sealed attachments in order, comma-separated (signed by the sender).</summary>
    public required string AttachmentHashes { get; set; }
}

/// <summary>A message key sealed for one participant.</summary>
public sealed class MessageWrap
{
    public Guid ConversationId { get; set; }
    public Guid ClientMessageId { get; set; }
    public Guid ReaderId { get; set; }
    public required string RecipientKeyId { get; set; }
    public required byte[] Enc { get; set; }
    public required byte[] WrappedKey { get; set; }
}

/// <summary>A sealed attachment uploaded into a conversation; served only to its participants, and only once a message names it.</summary>
public sealed class MessageAttachment
{
    public Guid ConversationId { get; set; }
    public required string BlobHash { get; set; }
    public Guid UploadedBy { get; set; }
    public long Size { get; set; }
    public DateTimeOffset UploadedAt { get; set; }
    /// <summary>The message that names it; null while uploaded but not yet sent.</summary>
    public Guid? ClientMessageId { get; set; }
}

internal sealed class ConversationConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> b)
    {
        b.ToTable("conversations");
        b.HasKey(x => x.Id);
        b.HasIndex(x => x.PatientId);
    }
}

internal sealed class ConversationParticipantConfiguration : IEntityTypeConfiguration<ConversationParticipant>
{
    public void Configure(EntityTypeBuilder<ConversationParticipant> b)
    {
        b.ToTable("conversation_participants");
        b.HasKey(x => new { x.ConversationId, x.UserId });
        b.HasIndex(x => x.UserId);
        b.Property(x => x.SubjectRecipientKeyId).HasMaxLength(64);
    }
}

internal sealed class ConversationMessageConfiguration : IEntityTypeConfiguration<ConversationMessage>
{
    public void Configure(EntityTypeBuilder<ConversationMessage> b)
    {
        b.ToTable("conversation_messages");
        b.HasKey(x => new { x.ConversationId, x.Seq });
        b.HasIndex(x => new { x.ConversationId, x.ClientMessageId }).IsUnique();
        b.Property(x => x.AttachmentHashes).HasMaxLength(65 * 16);
    }
}

internal sealed class MessageWrapConfiguration : IEntityTypeConfiguration<MessageWrap>
{
    public void Configure(EntityTypeBuilder<MessageWrap> b)
    {
        b.ToTable("message_wraps");
        b.HasKey(x => new { x.ConversationId, x.ClientMessageId, x.ReaderId });
        b.Property(x => x.RecipientKeyId).HasMaxLength(64);
    }
}

internal sealed class MessageAttachmentConfiguration : IEntityTypeConfiguration<MessageAttachment>
{
    public void Configure(EntityTypeBuilder<MessageAttachment> b)
    {
        b.ToTable("message_attachments");
        b.HasKey(x => new { x.ConversationId, x.BlobHash });
        b.Property(x => x.BlobHash).HasMaxLength(64);
    }
}
