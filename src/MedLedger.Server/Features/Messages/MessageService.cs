using MedLedger.Crypto;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Blobs;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Messages;

/// <summary>
/// Sending (idempotent by client message id), reading, sealed attachments and read markers of one conversation. Every
/// call first checks that the caller is a participant; anyone else gets the same 404 as for an unknown conversation.
/// Live events go to participants only and carry ids, never content.
/// </summary>
public sealed class MessageService(MedLedgerDbContext db, AccountDirectory accounts, IBlobStore blobs, IHubContext<MessagesHub> hub, TimeProvider clock)
{
    public const int MaxCiphertextBytes = 64 * 1024;
    public const int MaxAttachmentBytes = 5 * 1024 * 1024;
    public const int MaxAttachmentsPerMessage = 8;
    private const int PageSize = 200;

    public async Task<MessageResponse> SendAsync(Caller sender, Guid conversationId, SendMessageRequest r, CancellationToken ct)
    {
        new Validator()
            .Require(r.ClientMessageId != Guid.Empty, "clientMessageId", "Choose a random client message id (and reuse it when retrying).")
            .Require(r.Nonce.Length == ConversationMessages.NonceLength, "nonce", "The nonce is 12 bytes.")
            .Require(r.Ciphertext.Length is >= ConversationMessages.TagLength and <= MaxCiphertextBytes, "ciphertext", $"The sealed message is 16 to {MaxCiphertextBytes} bytes.")
            .Require(r.Signature.Length == Signatures.SignatureLength, "signature", "The signature is 64 bytes.")
            .Require(r.AttachmentHashes.Count <= MaxAttachmentsPerMessage, "attachmentHashes", $"At most {MaxAttachmentsPerMessage} attachments.")
            .Require(r.AttachmentHashes.All(BlobHash.IsValid) && r.AttachmentHashes.Distinct().Count() == r.AttachmentHashes.Count, "attachmentHashes", "Distinct lower-case SHA-256 hex hashes.")
            .ThrowIfInvalid();
        var participants = await ParticipantsAsync(sender, conversationId, ct);

        // A retry of a send that was stored answers the first result, whatever the retry carries.
        if (await ExistingAsync(sender, conversationId, r.ClientMessageId, ct) is { } first)
        {
            return first;
        }
        var signingKey = await accounts.SigningKeyOfAsync(sender.Id, ct);
        var signed = ConversationMessages.SignedBytes(conversationId.ToString(), r.ClientMessageId.ToString(), sender.Id.ToString(), r.Nonce, r.Ciphertext, r.AttachmentHashes);
        if (!Signatures.Verify(signingKey, signed, r.Signature))
        {
            throw ProblemException.Invalid("signature", "The message is not signed with your registered signing key for this conversation and message id.");
        }
        var wraps = await MessageWrapRules.CheckAsync(accounts, participants, r.Wraps, "wraps", ct);
        var hashes = r.AttachmentHashes.ToList();
        var uploaded = await db.Set<MessageAttachment>().AsNoTracking()
            .Where(a => a.ConversationId == conversationId && hashes.Contains(a.BlobHash) && a.UploadedBy == sender.Id && a.ClientMessageId == null)
            .CountAsync(ct);
        if (uploaded != hashes.Count)
        {
            throw ProblemException.Invalid("attachmentHashes", "Upload each attachment to this conversation first (an attachment belongs to one message).");
        }

        var now = clock.GetUtcNow();
        long seq;
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // Taking the next number is the first write: it holds the conversation row (PostgreSQL) or the write lock (SQLite) until commit.
            await db.Set<Conversation>().Where(c => c.Id == conversationId).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastSeq, c => c.LastSeq + 1), ct);
            seq = await db.Set<Conversation>().Where(c => c.Id == conversationId).Select(c => c.LastSeq).SingleAsync(ct);
            db.Add(new ConversationMessage
            {
                ConversationId = conversationId, Seq = seq, ClientMessageId = r.ClientMessageId, SenderId = sender.Id, SentAt = now,
                Nonce = r.Nonce, Ciphertext = r.Ciphertext, Signature = r.Signature, AttachmentHashes = string.Join(',', hashes),
            });
            db.AddRange(wraps.Select(w => new MessageWrap
            {
                ConversationId = conversationId, ClientMessageId = r.ClientMessageId, ReaderId = w.ReaderId, RecipientKeyId = w.RecipientKeyId, Enc = w.Enc, WrappedKey = w.WrappedKey,
            }));
            await db.SaveChangesAsync(ct);
            var linked = await db.Set<MessageAttachment>()
                .Where(a => a.ConversationId == conversationId && hashes.Contains(a.BlobHash) && a.ClientMessageId == null)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.ClientMessageId, r.ClientMessageId), ct);
            if (linked != hashes.Count)
            {
                throw ProblemException.Conflict("An attachment was taken by another message meanwhile; upload it again.");
            }
            // The sender has read what they wrote.
            await db.Set<ConversationParticipant>().Where(p => p.ConversationId == conversationId && p.UserId == sender.Id && p.ReadUpTo < seq)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.ReadUpTo, seq), ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent send with the same client message id won the unique index: answer its result.
            db.ChangeTracker.Clear();
            return await ExistingAsync(sender, conversationId, r.ClientMessageId, ct)
                ?? throw ProblemException.Conflict("The conversation changed while sending; send again with the same client message id.");
        }
        var evt = new MessageEvent(conversationId, seq, r.ClientMessageId, sender.Id);
        await hub.Clients.Groups(participants.Select(MessagesHub.UserGroup).ToList()).SendAsync(MessagesHub.MessageEventName, evt, ct);
        return (await ExistingAsync(sender, conversationId, r.ClientMessageId, ct))!;
    }

    /// <summary>Messages after <paramref name="afterSeq"/>, oldest first, each with the caller's wrap (a page of 200).</summary>
    public async Task<IReadOnlyList<MessageResponse>> ListAsync(Caller reader, Guid conversationId, long afterSeq, CancellationToken ct)
    {
        await ParticipantsAsync(reader, conversationId, ct);
        var messages = await db.Set<ConversationMessage>().AsNoTracking().Where(m => m.ConversationId == conversationId && m.Seq > afterSeq)
            .OrderBy(m => m.Seq).Take(PageSize).ToListAsync(ct);
        var ids = messages.Select(m => m.ClientMessageId).ToList();
        var wraps = await db.Set<MessageWrap>().AsNoTracking()
            .Where(w => w.ConversationId == conversationId && w.ReaderId == reader.Id && ids.Contains(w.ClientMessageId)).ToDictionaryAsync(w => w.ClientMessageId, ct);
        return messages.Where(m => wraps.ContainsKey(m.ClientMessageId)).Select(m => ToResponse(m, wraps[m.ClientMessageId])).ToList();
    }

    public async Task<AttachmentResponse> UploadAttachmentAsync(Caller uploader, Guid conversationId, AttachmentUploadRequest r, CancellationToken ct)
    {
        new Validator()
            .Require(r.Content.Length is >= ConversationMessages.NonceLength + ConversationMessages.TagLength and <= MaxAttachmentBytes, "content", $"A sealed attachment is 28 to {MaxAttachmentBytes} bytes.")
            .ThrowIfInvalid();
        await ParticipantsAsync(uploader, conversationId, ct);
        var hash = await blobs.PutAsync(r.Content, ct);
        var exists = await db.Set<MessageAttachment>().AsNoTracking().AnyAsync(a => a.ConversationId == conversationId && a.BlobHash == hash, ct);
        if (!exists)
        {
            db.Add(new MessageAttachment { ConversationId = conversationId, BlobHash = hash, UploadedBy = uploader.Id, Size = r.Content.Length, UploadedAt = clock.GetUtcNow() });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // The same sealed bytes uploaded twice at once: one row is enough.
                db.ChangeTracker.Clear();
            }
        }
        return new AttachmentResponse(hash, r.Content.Length, null);
    }

    /// <summary>A sealed attachment, to participants only and only once a message names it (or to its uploader before).</summary>
    public async Task<AttachmentResponse> ReadAttachmentAsync(Caller reader, Guid conversationId, string hash, CancellationToken ct)
    {
        await ParticipantsAsync(reader, conversationId, ct);
        var found = BlobHash.IsValid(hash) && await db.Set<MessageAttachment>().AsNoTracking()
            .AnyAsync(a => a.ConversationId == conversationId && a.BlobHash == hash && (a.ClientMessageId != null || a.UploadedBy == reader.Id), ct);
        var content = found ? await blobs.GetAsync(hash, ct) : null;
        return content is null ? throw ProblemException.NotFound($"Attachment {hash} of conversation {conversationId}") : new AttachmentResponse(hash, content.Length, content);
    }

    /// <summary>Moves the caller's read marker forward (never back, never past the newest message) and answers where it stands.</summary>
    public async Task<ReadStateResponse> MarkReadAsync(Caller reader, Guid conversationId, MarkReadRequest r, CancellationToken ct)
    {
        new Validator().Require(r.UpTo >= 0, "upTo", "A message sequence number (0 or more).").ThrowIfInvalid();
        var participants = await ParticipantsAsync(reader, conversationId, ct);
        var last = await db.Set<Conversation>().AsNoTracking().Where(c => c.Id == conversationId).Select(c => c.LastSeq).SingleAsync(ct);
        var upTo = Math.Min(r.UpTo, last);
        // The condition makes it forward-only even under concurrent markers: a lower value never overwrites a higher one.
        var moved = await db.Set<ConversationParticipant>().Where(p => p.ConversationId == conversationId && p.UserId == reader.Id && p.ReadUpTo < upTo)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.ReadUpTo, upTo), ct);
        var readUpTo = await db.Set<ConversationParticipant>().AsNoTracking().Where(p => p.ConversationId == conversationId && p.UserId == reader.Id).Select(p => p.ReadUpTo).SingleAsync(ct);
        var unread = await db.Set<ConversationMessage>().AsNoTracking().CountAsync(m => m.ConversationId == conversationId && m.Seq > readUpTo && m.SenderId != reader.Id, ct);
        if (moved > 0)
        {
            await hub.Clients.Groups(participants.Select(MessagesHub.UserGroup).ToList()).SendAsync(MessagesHub.ReadEventName, new ReadEvent(conversationId, reader.Id, readUpTo), ct);
        }
        return new ReadStateResponse(conversationId, readUpTo, unread);
    }

    /// <summary>The conversation's participants, or the same 404 as an unknown conversation when the caller is not one of them.</summary>
    private async Task<IReadOnlyList<Guid>> ParticipantsAsync(Caller caller, Guid conversationId, CancellationToken ct)
    {
        var ids = await db.Set<ConversationParticipant>().AsNoTracking().Where(p => p.ConversationId == conversationId).Select(p => p.UserId).ToListAsync(ct);
        return ids.Contains(caller.Id) ? ids : throw ProblemException.NotFound($"Conversation {conversationId}");
    }

    private async Task<MessageResponse?> ExistingAsync(Caller sender, Guid conversationId, Guid clientMessageId, CancellationToken ct)
    {
        var m = await db.Set<ConversationMessage>().AsNoTracking().FirstOrDefaultAsync(m => m.ConversationId == conversationId && m.ClientMessageId == clientMessageId, ct);
        if (m is null)
        {
            return null;
        }
        if (m.SenderId != sender.Id)
        {
            throw ProblemException.Conflict($"Message id {clientMessageId} is taken in this conversation; choose a new random id.");
        }
        var w = await db.Set<MessageWrap>().AsNoTracking().SingleAsync(w => w.ConversationId == conversationId && w.ClientMessageId == clientMessageId && w.ReaderId == sender.Id, ct);
        return ToResponse(m, w);
    }

    private static MessageResponse ToResponse(ConversationMessage m, MessageWrap w) =>
        new(m.ConversationId, m.Seq, m.ClientMessageId, m.SenderId, m.SentAt, m.Nonce, m.Ciphertext, m.Signature,
            m.AttachmentHashes.Length == 0 ? [] : m.AttachmentHashes.Split(','), new MessageKeyWrapDto(w.ReaderId, w.RecipientKeyId, w.Enc, w.WrappedKey));
}
