using MedLedger.Crypto;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Messages;

/// <summary>
/// Opening a conversation (participants checked by <see cref="ConversationEligibility"/>, subject signed by the creator
/// over the participant list, its key wrapped for each participant's registered key) and listing the caller's
/// conversations with their unread counts. A non-participant gets the same 404 as for an unknown conversation.
/// </summary>
public sealed class ConversationService(MedLedgerDbContext db, AccountDirectory accounts, ConversationEligibility eligibility, TimeProvider clock)
{
    public const int MaxParticipants = 10;
    private const int MaxSubjectBytes = 4 * 1024;

    public async Task<ConversationResponse> StartAsync(Caller creator, StartConversationRequest r, CancellationToken ct)
    {
        new Validator()
            .Require(r.ConversationId != Guid.Empty, "conversationId", "Choose a new random conversation id.")
            .Require(r.ParticipantIds.Count is >= 2 and <= MaxParticipants, "participantIds", $"A conversation has 2 to {MaxParticipants} participants.")
            .Require(r.ParticipantIds.Distinct().Count() == r.ParticipantIds.Count, "participantIds", "Each participant once.")
            .Require(r.ParticipantIds.Contains(creator.Id), "participantIds", "Include yourself.")
            .Require(r.SubjectNonce.Length == ConversationMessages.NonceLength, "subjectNonce", "The nonce is 12 bytes.")
            .Require(r.SubjectCiphertext.Length is >= ConversationMessages.TagLength and <= MaxSubjectBytes, "subjectCiphertext", $"The sealed subject is 16 to {MaxSubjectBytes} bytes.")
            .Require(r.SubjectSignature.Length == Signatures.SignatureLength, "subjectSignature", "The signature is 64 bytes.")
            .ThrowIfInvalid();

        var standings = new List<AccountStanding>();
        foreach (var id in r.ParticipantIds)
        {
            var s = await accounts.FindAsync(id, ct);
            if (s is null || !s.CanAct || s.Role is not (Role.Patient or Role.Doctor))
            {
                throw ProblemException.Invalid("participantIds", $"{id} is not a patient or verified doctor who can take part in a conversation.");
            }
            standings.Add(s);
        }
        var patients = standings.Where(s => s.Role == Role.Patient).ToList();
        if (patients.Count != 1)
        {
            throw ProblemException.Invalid("participantIds", "A conversation has exactly one patient and one or more doctors.");
        }
        var patientId = patients[0].Id;
        foreach (var doctor in standings.Where(s => s.Role == Role.Doctor))
        {
            if (!await eligibility.MayTalkAsync(patientId, doctor.Id, ct))
            {
                throw ProblemException.Forbidden($"Doctor {doctor.Id} is neither assigned to patient {patientId} nor holds their consent; they cannot share a conversation.");
            }
        }

        var signingKey = await accounts.SigningKeyOfAsync(creator.Id, ct);
        var signed = ConversationMessages.SubjectSignedBytes(r.ConversationId.ToString(), creator.Id.ToString(), r.ParticipantIds.Select(p => p.ToString()),
            r.AppointmentId?.ToString(), r.SubjectNonce, r.SubjectCiphertext);
        if (!Signatures.Verify(signingKey, signed, r.SubjectSignature))
        {
            throw ProblemException.Invalid("subjectSignature", "The subject is not signed with your registered signing key over this conversation and its participants.");
        }
        var wraps = await MessageWrapRules.CheckAsync(accounts, r.ParticipantIds, r.SubjectWraps, "subjectWraps", ct);

        var now = clock.GetUtcNow();
        db.Add(new Conversation
        {
            Id = r.ConversationId, PatientId = patientId, CreatedBy = creator.Id, AppointmentId = r.AppointmentId, CreatedAt = now,
            SubjectNonce = r.SubjectNonce, SubjectCiphertext = r.SubjectCiphertext, SubjectSignature = r.SubjectSignature,
        });
        db.AddRange(wraps.Select(w => new ConversationParticipant
        {
            ConversationId = r.ConversationId, UserId = w.ReaderId, SubjectRecipientKeyId = w.RecipientKeyId, SubjectEnc = w.Enc, SubjectWrappedKey = w.WrappedKey,
        }));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw ProblemException.Conflict($"Conversation {r.ConversationId} already exists; choose a new random id.");
        }
        return await GetAsync(creator, r.ConversationId, ct);
    }

    public async Task<ConversationResponse> GetAsync(Caller caller, Guid conversationId, CancellationToken ct) =>
        (await ListAsync(caller, conversationId, ct)).SingleOrDefault() ?? throw ProblemException.NotFound($"Conversation {conversationId}");

    public Task<IReadOnlyList<ConversationResponse>> MineAsync(Caller caller, CancellationToken ct) => ListAsync(caller, null, ct);

    private async Task<IReadOnlyList<ConversationResponse>> ListAsync(Caller caller, Guid? only, CancellationToken ct)
    {
        var mine = await db.Set<ConversationParticipant>().AsNoTracking()
            .Where(p => p.UserId == caller.Id && (only == null || p.ConversationId == only)).OrderBy(p => p.ConversationId).Take(500).ToListAsync(ct);
        var ids = mine.Select(p => p.ConversationId).ToList();
        var conversations = await db.Set<Conversation>().AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var participants = (await db.Set<ConversationParticipant>().AsNoTracking().Where(p => ids.Contains(p.ConversationId))
            .Select(p => new { p.ConversationId, p.UserId, p.ReadUpTo }).ToListAsync(ct)).ToLookup(p => p.ConversationId);
        var userIds = participants.SelectMany(g => g.Select(p => p.UserId)).Distinct().ToList();
        var roles = (await accounts.ActiveKeysAsync(userIds, ct)).ToDictionary(k => k.Id, k => k.Role);
        var result = new List<ConversationResponse>();
        foreach (var p in mine.OrderByDescending(p => conversations[p.ConversationId].CreatedAt))
        {
            var c = conversations[p.ConversationId];
            // Unread: others' messages after the caller's read marker (the caller's own sends move their marker).
            var unread = await db.Set<ConversationMessage>().AsNoTracking()
                .CountAsync(m => m.ConversationId == c.Id && m.Seq > p.ReadUpTo && m.SenderId != caller.Id, ct);
            result.Add(new ConversationResponse(c.Id, c.PatientId, c.CreatedBy, c.AppointmentId, c.CreatedAt, c.SubjectNonce, c.SubjectCiphertext, c.SubjectSignature,
                new MessageKeyWrapDto(p.UserId, p.SubjectRecipientKeyId, p.SubjectEnc, p.SubjectWrappedKey),
                participants[c.Id].Select(x => new ParticipantDto(x.UserId, roles.GetValueOrDefault(x.UserId, x.UserId == c.PatientId ? Role.Patient : Role.Doctor), x.ReadUpTo)).ToList(),
                c.LastSeq, unread));
        }
        return result;
    }
}

/// <summary>Wraps of a key for a conversation's participants: exactly one per participant, each sealed to their registered encryption key.</summary>
internal static class MessageWrapRules
{
    public static async Task<List<MessageKeyWrapDto>> CheckAsync(AccountDirectory accounts, IReadOnlyCollection<Guid> participants, IReadOnlyList<MessageKeyWrapDto> wraps, string field, CancellationToken ct)
    {
        new Validator()
            .Require(wraps.Count == participants.Count && wraps.Select(w => w.ReaderId).ToHashSet().SetEquals(participants), field, "Exactly one wrap for each participant.")
            .Require(wraps.All(w => w.Enc.Length == 65 && w.WrappedKey.Length == ConversationMessages.KeyLength + ConversationMessages.TagLength && w.RecipientKeyId.Length == 64),
                field, "A wrap is a 64-hex-digit key id, a 65-byte enc and a 48-byte wrapped key.")
            .ThrowIfInvalid();
        var keys = (await accounts.ActiveKeysAsync(participants, ct)).ToDictionary(k => k.Id);
        foreach (var w in wraps)
        {
            if (!keys.TryGetValue(w.ReaderId, out var k) || w.RecipientKeyId != KeyFingerprints.EncryptionKeyId(k.EncryptionPublicKey))
            {
                throw ProblemException.Invalid(field, $"The wrap for {w.ReaderId} is not sealed to their registered encryption key.");
            }
        }
        return wraps.ToList();
    }
}
