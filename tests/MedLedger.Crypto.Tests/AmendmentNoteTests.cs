namespace MedLedger.Crypto.Tests;

public class AmendmentNoteTests
{
    private static readonly KeyBundle Patient = KeyBundle.Generate();
    private static readonly KeyBundle Author = KeyBundle.Generate();
    private static readonly KeyBundle Stranger = KeyBundle.Generate();

    [Fact]
    public void A_note_opens_for_the_patient_and_the_author_only_and_its_hash_binds_both_copies()
    {
        var id = Guid.NewGuid().ToString();
        var note = AmendmentNote.Seal(ProtocolTags.AmendmentRequestText, id, "The onset date is wrong.", Patient.Encryption.PublicKey, Author.Encryption.PublicKey);
        Assert.Equal("The onset date is wrong.", note.Open(Patient.Encryption, ProtocolTags.AmendmentRequestText, id));
        Assert.Equal("The onset date is wrong.", note.Open(Author.Encryption, ProtocolTags.AmendmentRequestText, id));
        Assert.Throws<CryptoIntegrityException>(() => note.Open(Stranger.Encryption, ProtocolTags.AmendmentRequestText, id));
        // A request's text does not open as a decline reason, nor under another request id.
        Assert.Throws<CryptoIntegrityException>(() => note.Open(Patient.Encryption, ProtocolTags.AmendmentDeclineReason, id));
        Assert.Throws<CryptoIntegrityException>(() => note.Open(Patient.Encryption, ProtocolTags.AmendmentRequestText, Guid.NewGuid().ToString()));

        var hash = note.Hash(ProtocolTags.AmendmentRequestText, id);
        Assert.Matches("^[0-9a-f]{64}$", hash);
        var ct = (byte[])note.ForAuthor.Ciphertext.Clone();
        ct[^1] ^= 1;
        Assert.NotEqual(hash, (note with { ForAuthor = note.ForAuthor with { Ciphertext = ct } }).Hash(ProtocolTags.AmendmentRequestText, id));
        Assert.NotEqual(hash, note.Hash(ProtocolTags.AmendmentRequestText, Guid.NewGuid().ToString()));
        // Same text, fresh seal: an unrelated hash, so a hash says nothing about the text.
        Assert.NotEqual(hash, AmendmentNote.Seal(ProtocolTags.AmendmentRequestText, id, "The onset date is wrong.", Patient.Encryption.PublicKey, Author.Encryption.PublicKey).Hash(ProtocolTags.AmendmentRequestText, id));
    }

    [Fact]
    public void Empty_or_overlong_notes_and_unknown_purposes_are_refused()
    {
        var id = Guid.NewGuid().ToString();
        Assert.Throws<ArgumentOutOfRangeException>(() => AmendmentNote.Seal(ProtocolTags.AmendmentRequestText, id, "  ", Patient.Encryption.PublicKey, Author.Encryption.PublicKey));
        Assert.Throws<ArgumentOutOfRangeException>(() => AmendmentNote.Seal(ProtocolTags.AmendmentRequestText, id, new string('x', AmendmentNote.MaxLength + 1), Patient.Encryption.PublicKey, Author.Encryption.PublicKey));
        Assert.Throws<ArgumentException>(() => AmendmentNote.Seal(ProtocolTags.HospitalEmergencyKey, id, "text", Patient.Encryption.PublicKey, Author.Encryption.PublicKey));
    }
}
