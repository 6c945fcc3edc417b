using MedLedger.Crypto;
using MedLedger.Server.Infrastructure.Errors;

namespace MedLedger.Server.Features.Amendments;

/// <summary>Checks a sealed note's shape and that it is the one the signed transaction anchors; the server never opens it.</summary>
internal static class AmendmentNotes
{
    /// <summary>A 4,000-character note sealed as JSON stays well below this.</summary>
    private const int MaxSealedBytes = 24 * 1024;

    public static void Check(SealedNoteDto? note, string field, string purpose, string requestId, string? anchoredHash)
    {
        if (note?.ForPatient is not { Length: > 0 and <= MaxSealedBytes } || note.ForAuthor is not { Length: > 0 and <= MaxSealedBytes })
        {
            throw ProblemException.Invalid(field, $"A sealed note for the patient and for the author (each at most {MaxSealedBytes / 1024} KiB) is required.");
        }
        AmendmentNote parsed;
        try
        {
            parsed = new AmendmentNote(SealedSecret.FromJson(note.ForPatient), SealedSecret.FromJson(note.ForAuthor));
        }
        catch (CryptoFormatException)
        {
            throw ProblemException.Invalid(field, "Each copy must be a sealed secret (recipientKeyId, enc, ciphertext).");
        }
        if (parsed.Hash(purpose, requestId) != anchoredHash)
        {
            throw ProblemException.Invalid(field, "The sealed note is not the one the signed transaction anchors.");
        }
    }
}
