using System.Text;

namespace MedLedger.Crypto.Tests;

public class RecordEnvelopeTests
{
    internal static readonly KeyBundle Author = KeyBundle.Generate();
    internal static readonly KeyBundle Patient = KeyBundle.Generate();
    internal static readonly KeyBundle Doctor = KeyBundle.Generate();
    internal static readonly KeyBundle Stranger = KeyBundle.Generate();

    internal static RecordHeader Header(string id = "rec-1", long version = 1) =>
        new(id, version, "patient-1", "author-1", "application/fhir+json", 1_732_406_400_000);

    private static readonly byte[] Fhir = Encoding.UTF8.GetBytes("{\"resourceType\":\"Observation\",\"status\":\"final\"}");

    private static RecordEnvelope SealForPatientAndAuthor(byte[]? plaintext = null, RecordHeader? header = null) =>
        RecordCrypto.Seal(header ?? Header(), plaintext ?? Fhir, Author.Signing, [Patient.Encryption.PublicKey, Author.Encryption.PublicKey]);

    [Fact]
    public void Every_listed_reader_opens_and_others_cannot()
    {
        var env = SealForPatientAndAuthor();
        Assert.Equal(Fhir, RecordCrypto.Open(env, Patient.Encryption, Author.Signing.PublicKey));
        Assert.Equal(Fhir, RecordCrypto.Open(env, Author.Encryption, Author.Signing.PublicKey));
        Assert.Throws<CryptoIntegrityException>(() => RecordCrypto.Open(env, Stranger.Encryption, Author.Signing.PublicKey));
        Assert.Equal(2, env.Wraps.Count);
    }

    [Fact]
    public void Wrong_author_key_fails_before_any_decryption()
    {
        var env = SealForPatientAndAuthor();
        Assert.Throws<CryptoIntegrityException>(() => RecordCrypto.Open(env, Patient.Encryption, Stranger.Signing.PublicKey));
        Assert.True(RecordCrypto.VerifySignature(env, Author.Signing.PublicKey));
        Assert.False(RecordCrypto.VerifySignature(env, Author.Encryption.PublicKey));
        Assert.False(RecordCrypto.VerifySignature(env, null));
    }

    [Fact]
    public void Each_version_gets_a_fresh_data_key_and_nonce()
    {
        var a = SealForPatientAndAuthor();
        var b = SealForPatientAndAuthor();
        Assert.NotEqual(a.KeyCommitment, b.KeyCommitment);
        Assert.NotEqual(a.Nonce, b.Nonce);
        Assert.NotEqual(a.Ciphertext, b.Ciphertext);
    }

    [Fact]
    public void Adding_a_reader_does_not_touch_ciphertext_and_revocation_removes_access()
    {
        var env = SealForPatientAndAuthor();
        var dataKey = RecordCrypto.UnwrapDataKey(env, Patient.Encryption, Author.Signing.PublicKey);
        var wrap = RecordCrypto.AddReader(env, dataKey, Doctor.Encryption.PublicKey);
        Assert.Equal(Doctor.Public.EncryptionKeyId, wrap.ReaderKeyId);
        var shared = env.WithWrap(wrap);
        Assert.Same(env.Ciphertext, shared.Ciphertext);
        Assert.Equal(env.Signature, shared.Signature);
        Assert.Equal(Fhir, RecordCrypto.Open(RecordEnvelope.FromJson(shared.ToJson()), Doctor.Encryption, Author.Signing.PublicKey));

        var revoked = shared.WithoutWrap(Doctor.Public.EncryptionKeyId);
        Assert.Null(revoked.FindWrap(Doctor.Public.EncryptionKeyId));
        Assert.Throws<CryptoIntegrityException>(() => RecordCrypto.Open(revoked, Doctor.Encryption, Author.Signing.PublicKey));
        Assert.Equal(Fhir, RecordCrypto.Open(revoked, Patient.Encryption, Author.Signing.PublicKey));
    }

    [Fact]
    public void Add_reader_refuses_a_key_that_is_not_the_records()
    {
        var env = SealForPatientAndAuthor();
        Assert.Throws<CryptoIntegrityException>(() => RecordCrypto.AddReader(env, new byte[32], Doctor.Encryption.PublicKey));
        Assert.Throws<CryptoIntegrityException>(() => RecordCrypto.Decrypt(env, new byte[32], Author.Signing.PublicKey));
    }

    [Fact]
    public void A_wrap_forged_by_the_server_with_another_key_is_rejected_by_the_commitment()
    {
        // Anyone can HPKE-encrypt to a public key, so a wrap alone proves nothing; the signed commitment does.
        var env = SealForPatientAndAuthor();
        var (enc, ct) = Hpke.SealBase(Patient.Encryption.PublicKey, RecordCrypto.RecordKeyInfo(env.Header), [], new byte[32], HpkeAead.Aes256Gcm);
        var forged = env.WithWrap(new KeyWrap(Patient.Public.EncryptionKeyId, enc, ct));
        Assert.Throws<CryptoIntegrityException>(() => RecordCrypto.Open(forged, Patient.Encryption, Author.Signing.PublicKey));
    }

    [Fact]
    public void Wraps_cannot_be_moved_between_records_or_versions()
    {
        var v1 = SealForPatientAndAuthor(header: Header("rec-1", 1));
        var v2 = SealForPatientAndAuthor(header: Header("rec-1", 2));
        var moved = v2.WithWrap(v1.FindWrap(Patient.Public.EncryptionKeyId)!);
        Assert.Throws<CryptoIntegrityException>(() => RecordCrypto.Open(moved, Patient.Encryption, Author.Signing.PublicKey));
    }

    [Theory]
    [InlineData("recordId")]
    [InlineData("version")]
    [InlineData("patientId")]
    [InlineData("authorId")]
    [InlineData("contentType")]
    [InlineData("createdAt")]
    public void Changing_any_header_field_fails(string field)
    {
        var env = SealForPatientAndAuthor();
        var h = env.Header;
        var changed = field switch
        {
            "recordId" => h with { RecordId = "rec-2" },
            "version" => h with { Version = 2 },
            "patientId" => h with { PatientId = "patient-2" },
            "authorId" => h with { AuthorId = "author-2" },
            "contentType" => h with { ContentType = "application/pdf" },
            _ => h with { CreatedAtUnixMs = h.CreatedAtUnixMs + 1 },
        };
        var tampered = new RecordEnvelope(changed, env.Nonce, env.KeyCommitment, env.Ciphertext, env.Signature, env.Wraps);
        Assert.Throws<CryptoIntegrityException>(() => RecordCrypto.Open(tampered, Patient.Encryption, Author.Signing.PublicKey));
    }

    [Fact]
    public void Header_canonical_bytes_are_length_prefixed_and_unambiguous()
    {
        var a = new RecordHeader("ab", 1, "c", "d", "e", 0).ToCanonicalBytes();
        var b = new RecordHeader("a", 1, "bc", "d", "e", 0).ToCanonicalBytes();
        Assert.NotEqual(a, b);
        Assert.Throws<CryptoFormatException>(() => new RecordHeader("", 1, "c", "d", "e", 0).ToCanonicalBytes());
        Assert.Throws<CryptoFormatException>(() => new RecordHeader("a", -1, "c", "d", "e", 0).ToCanonicalBytes());
    }

    [Fact]
    public void Header_v2_binds_the_category_and_its_json_names_the_layout()
    {
        var v2 = Header().WithCategory("Condition");
        Assert.Equal(2, v2.HeaderVersion);
        Assert.NotEqual(Header().ToCanonicalBytes(), v2.ToCanonicalBytes());
        Assert.NotEqual(v2.ToCanonicalBytes(), Header().WithCategory("MedicationRequest").ToCanonicalBytes());
        Assert.Throws<CryptoFormatException>(() => Header().WithCategory("").ToCanonicalBytes());

        var env = SealForPatientAndAuthor(header: v2);
        var json = env.ToJson();
        Assert.Contains("\"format\":\"medledger/v2/record\"", json, StringComparison.Ordinal);
        Assert.Contains("\"contentType\":\"application/fhir+json\",\"category\":\"Condition\",\"createdAt\"", json, StringComparison.Ordinal);
        var parsed = RecordEnvelope.FromJson(json);
        Assert.Equal(json, parsed.ToJson());
        Assert.Equal(Fhir, RecordCrypto.Open(parsed, Patient.Encryption, Author.Signing.PublicKey));

        // Relabelling, dropping the category (a downgrade to v1) or a format that disagrees with the header all fail.
        var relabelled = RecordEnvelope.FromJson(json.Replace("\"Condition\"", "\"MedicationRequest\"", StringComparison.Ordinal));
        Assert.Throws<CryptoIntegrityException>(() => RecordCrypto.Open(relabelled, Patient.Encryption, Author.Signing.PublicKey));
        var downgraded = RecordEnvelope.FromJson(json.Replace(",\"category\":\"Condition\"", "", StringComparison.Ordinal).Replace("medledger/v2/record", "medledger/v1/record", StringComparison.Ordinal));
        Assert.Throws<CryptoIntegrityException>(() => RecordCrypto.Open(downgraded, Patient.Encryption, Author.Signing.PublicKey));
        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson(json.Replace("medledger/v2/record", "medledger/v1/record", StringComparison.Ordinal)));
        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson(json.Replace(",\"category\":\"Condition\"", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void Json_round_trips_and_is_strict()
    {
        var env = SealForPatientAndAuthor();
        var json = env.ToJson();
        Assert.Equal(json, RecordEnvelope.FromJson(json).ToJson());
        Assert.StartsWith("{\"format\":\"medledger/v1/record\",\"header\":{\"recordId\":\"rec-1\",\"version\":1,", json, StringComparison.Ordinal);

        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson(json.Replace("\"wraps\":", "\"extra\":1,\"wraps\":", StringComparison.Ordinal)));
        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson(json.Replace("\"version\":1,", "\"version\":1,\"version\":1,", StringComparison.Ordinal)));
        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson(json.Replace("\"version\":1,", "\"version\":1.0,", StringComparison.Ordinal)));
        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson(json.Replace("\"version\":1,", "\"version\":\"1\",", StringComparison.Ordinal)));
        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson(json.Replace("medledger/v1/record", "medledger/v2/record", StringComparison.Ordinal)));
        var keyId = env.Wraps[0].ReaderKeyId;
        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson(json.Replace(keyId, keyId.ToUpperInvariant(), StringComparison.Ordinal)));
        var nonce = Convert.ToBase64String(env.Nonce);
        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson(json.Replace(nonce, nonce + "AA==", StringComparison.Ordinal)));
        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson(json.Replace("\"wraps\":[", "\"wraps\":[" + JsonWrap(env.Wraps[0]) + ",", StringComparison.Ordinal)));
        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson("[]"));
        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson("{"));
        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson(""));
    }

    [Fact]
    public void Non_canonical_base64_is_rejected()
    {
        // A 32-byte value in base64 ends with one symbol carrying 2 unused bits; setting them must not be accepted.
        var env = SealForPatientAndAuthor();
        var commitment = Convert.ToBase64String(env.KeyCommitment);
        var last = commitment[^2];
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var sibling = alphabet[alphabet.IndexOf(last, StringComparison.Ordinal) ^ 1];
        var json = env.ToJson().Replace(commitment, commitment[..^2] + sibling + "=", StringComparison.Ordinal);
        Assert.Throws<CryptoFormatException>(() => RecordEnvelope.FromJson(json));
    }

    [Fact]
    public void Empty_plaintext_and_no_readers()
    {
        var env = SealForPatientAndAuthor([]);
        Assert.Empty(RecordCrypto.Open(env, Patient.Encryption, Author.Signing.PublicKey));
        Assert.Throws<ArgumentException>(() => RecordCrypto.Seal(Header(), Fhir, Author.Signing, []));
    }

    private static string JsonWrap(KeyWrap w) =>
        $"{{\"readerKeyId\":\"{w.ReaderKeyId}\",\"enc\":\"{Convert.ToBase64String(w.Enc)}\",\"wrappedKey\":\"{Convert.ToBase64String(w.WrappedKey)}\"}}";
}
