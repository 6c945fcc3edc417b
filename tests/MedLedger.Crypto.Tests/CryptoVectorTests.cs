using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedLedger.Crypto.Tests;

/// <summary>Checks testdata/crypto-vectors.json against the implementation (and rewrites it when MEDLEDGER_REGENERATE_VECTORS=1).</summary>
public class CryptoVectorTests
{
    private static readonly Lazy<(JsonNode File, JsonNode Fresh)> Vectors = new(() =>
    {
        var fresh = CryptoVectors.Build();
        var path = TestData.PathOf(CryptoVectors.FileName);
        if (Environment.GetEnvironmentVariable("MEDLEDGER_REGENERATE_VECTORS") == "1")
        {
            File.WriteAllText(path, CryptoVectors.Serialize(fresh));
        }
        return (JsonNode.Parse(File.ReadAllText(path))!, fresh);
    });

    private static JsonNode FileVectors => Vectors.Value.File;

    private static byte[] Hex(JsonNode? n) => Convert.FromHexString((string)n!);

    [Fact]
    public void Every_deterministic_output_matches_the_file()
    {
        var mismatches = new List<string>();
        Compare(Vectors.Value.File, Vectors.Value.Fresh, "$", mismatches);
        Assert.Empty(mismatches);
    }

    private static void Compare(JsonNode? file, JsonNode? fresh, string path, List<string> mismatches)
    {
        switch (fresh)
        {
            case JsonObject o:
                if (file is not JsonObject f || f.Count != o.Count)
                {
                    mismatches.Add(path + " (shape)");
                    return;
                }
                foreach (var (key, value) in o)
                {
                    if (!CryptoVectors.RandomizedKeys.Contains(key))
                    {
                        Compare(f[key], value, path + "." + key, mismatches);
                    }
                }
                break;
            case JsonArray a:
                if (file is not JsonArray fa || fa.Count != a.Count)
                {
                    mismatches.Add(path + " (length)");
                    return;
                }
                for (var i = 0; i < a.Count; i++)
                {
                    Compare(fa[i], a[i], $"{path}[{i}]", mismatches);
                }
                break;
            default:
                if (!JsonNode.DeepEquals(file, fresh))
                {
                    mismatches.Add($"{path}: file {file?.ToJsonString()} != computed {fresh?.ToJsonString()}");
                }
                break;
        }
    }

    [Fact]
    public void Canonical_vectors_follow_their_field_descriptions()
    {
        // Interprets the language-neutral description, as the browser test does, so the description and hex agree.
        foreach (var v in FileVectors["canonical"]!.AsArray())
        {
            var fields = v!["fields"]!.AsArray();
            var w = new CanonicalWriter((string)fields[0]!["value"]!);
            foreach (var f in fields.Skip(1))
            {
                var value = f!["value"];
                _ = (string)f["type"]! switch
                {
                    "string" => w.String((string)value!),
                    "bytes" => w.Bytes(Hex(f["hex"])),
                    "int64" => w.Int64(long.Parse((string)value!, System.Globalization.CultureInfo.InvariantCulture)),
                    "bool" => w.Bool((bool)value!),
                    "optionalString" => w.OptionalString((string?)value),
                    "optionalBytes" => w.OptionalBytes(f["hex"] is null ? null : Hex(f["hex"])),
                    "stringList" => w.StringList(value!.AsArray().Select(x => (string)x!).ToList()),
                    var t => throw new InvalidOperationException("unknown field type " + t),
                };
            }
            Assert.Equal((string)v["hex"]!, Convert.ToHexStringLower(w.ToArray()));
        }
        Assert.Equal("00000001" + "74", (string)FileVectors["canonical"]![0]!["hex"]!);
    }

    [Fact]
    public void Signature_vector_verifies_and_its_tampered_copy_does_not()
    {
        var s = FileVectors["signature"]!;
        var signature = Hex(s["signature"]);
        var tampered = Hex(s["tamperedSignature"]);
        Assert.True(Signatures.Verify(Hex(s["publicKey"]), Hex(s["message"]), signature));
        Assert.False(Signatures.Verify(Hex(s["publicKey"]), Hex(s["message"]), tampered));
        Assert.Equal(1, signature.Zip(tampered, (a, b) => System.Numerics.BitOperations.PopCount((uint)(a ^ b))).Sum());
    }

    [Theory]
    [InlineData("envelope")]
    [InlineData("envelopeV2")]
    public void Envelope_vector_opens_for_every_reader_and_its_tampered_copy_does_not(string name)
    {
        var e = FileVectors[name]!;
        var keys = FileVectors["keys"]!;
        UserKeyPair Pair(string name) => new(Hex(keys[name]!["privateKey"]), Hex(keys[name]!["publicKey"]));
        var authorSigning = Hex(e["authorSigningPublicKey"]);
        var env = RecordEnvelope.FromJson((string)e["envelopeJson"]!);

        Assert.Equal(Hex(e["signature"]), env.Signature);
        Assert.Equal(Hex(e["ciphertext"]), env.Ciphertext);
        Assert.True(Signatures.Verify(authorSigning, Hex(e["signedBytes"]), env.Signature));
        Assert.True(RecordCrypto.VerifySignature(env, authorSigning));
        var plaintext = Hex(e["plaintext"]);
        Assert.Equal(plaintext, RecordCrypto.Open(env, Pair("patientEncryption"), authorSigning));
        Assert.Equal(plaintext, RecordCrypto.Open(env, Pair("authorEncryption"), authorSigning));

        var added = e["addedReaderWrap"]!;
        var shared = env.WithWrap(new KeyWrap((string)added["readerKeyId"]!, Hex(added["enc"]), Hex(added["wrappedKey"])));
        Assert.Equal(plaintext, RecordCrypto.Open(shared, Pair("doctorEncryption"), authorSigning));

        var tampered = RecordEnvelope.FromJson((string)e["tamperedEnvelopeJson"]!);
        Assert.Throws<CryptoIntegrityException>(() => RecordCrypto.Open(tampered, Pair("patientEncryption"), authorSigning));

        // The header layout the file describes is the one the envelope's format names.
        Assert.Equal(Hex(e["headerCanonical"]), env.Header.ToCanonicalBytes());
        Assert.Equal((string?)e["header"]!["category"], env.Header.Category);
        if (env.Header.Category is not null)
        {
            Assert.Equal(RecordEnvelope.FormatV2, env.Format);
            var relabelled = RecordEnvelope.FromJson((string)e["relabelledEnvelopeJson"]!);
            Assert.Equal("MedicationRequest", relabelled.Header.Category);
            Assert.False(RecordCrypto.VerifySignature(relabelled, authorSigning));
            Assert.Throws<CryptoIntegrityException>(() => RecordCrypto.Open(relabelled, Pair("patientEncryption"), authorSigning));
        }
        else
        {
            Assert.Equal(RecordEnvelope.FormatV1, env.Format);
        }
    }

    [Fact]
    public void Password_vector_unlocks_the_stored_bundle_with_password_and_recovery_code()
    {
        var p = FileVectors["password"]!;
        var keys = FileVectors["keys"]!;
        var stored = EncryptedKeyBundle.FromJson((string)p["privateKeyWrap"]!["storedBundleJson"]!);
        var expectedSigning = Hex(keys["authorSigning"]!["privateKey"]);
        Assert.Equal(expectedSigning, KeyVault.UnlockWithKeyEncryptionKey(stored, Hex(p["keyEncryptionKey"])).Signing.PrivateKey);
        Assert.Equal(expectedSigning, KeyVault.UnlockWithRecoveryCode(stored, (string)p["recovery"]!["code"]!).Signing.PrivateKey);
        Assert.NotEqual(Hex(p["passwordNfcUtf8"]), Encoding.UTF8.GetBytes((string)p["password"]!));
        Assert.Equal(Hex(p["passwordNfcUtf8"]), Encoding.UTF8.GetBytes(MedLedger.Crypto.Unicode.Nfc.Normalize((string)p["password"]!)));
    }

    [Fact]
    public void Protocol_vectors_reproduce_the_password_material_layout_and_keep_its_two_tags_apart()
    {
        var m = FileVectors["protocol"]!["passwordMaterial"]!;
        var kdf = new PasswordParameters((string)m["algorithm"]!, (int)m["iterations"]!, Hex(m["salt"]));
        var userId = Guid.Parse((string)m["userId"]!);
        var nonce = (string)m["nonce"]!;
        var change = PasswordMaterial.SignedBytes(ProtocolTags.PasswordChange, userId, nonce, Hex(m["newAuthKey"]), kdf, Hex(m["newPasswordWrap"]));
        var recovery = PasswordMaterial.SignedBytes(ProtocolTags.Recovery, userId, nonce, Hex(m["newAuthKey"]), kdf, Hex(m["newPasswordWrap"]));
        Assert.Equal(Hex(m["passwordChangeSignedBytes"]), change);
        Assert.Equal(Hex(m["recoverySignedBytes"]), recovery);
        // Same fields, different tag: a password-change signature can never pass as a recovery one.
        Assert.Equal(change.AsSpan(4 + ProtocolTags.PasswordChange.Length).ToArray(), recovery.AsSpan(4 + ProtocolTags.Recovery.Length).ToArray());
        Assert.NotEqual(change, recovery);
        // Same material under another server nonce: a signature for one attempt is no good for the next.
        Assert.NotEqual(change, PasswordMaterial.SignedBytes(ProtocolTags.PasswordChange, userId, nonce + "0", Hex(m["newAuthKey"]), kdf, Hex(m["newPasswordWrap"])));
    }

    [Fact]
    public void Protocol_vectors_list_every_record_category_and_the_hospital_emergency_key_info()
    {
        var p = FileVectors["protocol"]!;
        var categories = p["recordCategories"]!.AsArray().Select(c => (string)c!).ToList();
        Assert.Equal(RecordCategories.All, categories);
        Assert.All(categories, c => Assert.True(RecordCategories.IsKnown(c)));
        Assert.False(RecordCategories.IsKnown("file"));
        Assert.False(RecordCategories.IsKnown(null));
        var h = p["hospitalEmergencyKey"]!;
        Assert.Equal(ProtocolTags.HospitalEmergencyKey, (string)h["purpose"]!);
        Assert.Equal(Hex(h["info"]), SealedSecret.Info(ProtocolTags.HospitalEmergencyKey, (string)h["context"]!));
    }

    [Fact]
    public void Patient_profile_vector_opens_for_the_wrapped_reader_and_refuses_another_patient_id_or_signer()
    {
        var v = FileVectors["protocol"]!["patientProfile"]!;
        var keys = FileVectors["keys"]!;
        var patientId = (string)v["patientId"]!;
        var version = (long)v["version"]!;
        var signer = Hex(keys["authorSigning"]!["publicKey"]);
        var sealedProfile = new SealedProfile(patientId, version, Hex(v["nonce"]), Hex(v["ciphertext"]), Hex(v["signature"]));
        Assert.Equal(Hex(v["signedBytes"]), PatientProfiles.SignedBytes(patientId, version, sealedProfile.Nonce, sealedProfile.Ciphertext));
        var doctor = UserKeyPair.FromPrivateKey(Hex(keys["doctorEncryption"]!["privateKey"]));
        var w = v["wrap"]!;
        var key = PatientProfiles.UnwrapKey(new SealedSecret((string)w["recipientKeyId"]!, Hex(w["enc"]), Hex(w["ciphertext"])), doctor, patientId, version);
        Assert.Equal(Hex(v["key"]), key);
        var profile = PatientProfiles.Open(sealedProfile, key, patientId, signer);
        Assert.Equal(new PatientProfile((string)v["name"]!, (string)v["birthDate"]!, (string)v["sex"]!, (string)v["phone"]!), profile);
        // A server handing this profile out as another patient's, or one signed by someone else, is caught.
        var other = Guid.NewGuid().ToString();
        Assert.Throws<CryptoIntegrityException>(() => PatientProfiles.Open(sealedProfile with { PatientId = other }, key, other, signer));
        Assert.Throws<CryptoIntegrityException>(() => PatientProfiles.Open(sealedProfile, key, Guid.NewGuid().ToString(), signer));
        Assert.Throws<CryptoIntegrityException>(() => PatientProfiles.Open(sealedProfile, key, patientId, Hex(keys["patientEncryption"]!["publicKey"])));
        // The wrap opens only for its own version.
        Assert.ThrowsAny<Exception>(() => PatientProfiles.UnwrapKey(new SealedSecret((string)w["recipientKeyId"]!, Hex(w["enc"]), Hex(w["ciphertext"])), doctor, patientId, version + 1));
        Assert.Equal(54, PatientProfiles.AgeOn("1972-03-14", new DateOnly(2026, 11, 30)));
        Assert.Equal(53, PatientProfiles.AgeOn("1972-12-14", new DateOnly(2026, 11, 30)));
    }

    [Fact]
    public void Amendment_note_vectors_open_for_patient_and_author_only_and_hash_as_anchored()
    {
        var keys = FileVectors["keys"]!;
        var patient = UserKeyPair.FromPrivateKey(Hex(keys["patientEncryption"]!["privateKey"]));
        var author = UserKeyPair.FromPrivateKey(Hex(keys["authorEncryption"]!["privateKey"]));
        var doctor = UserKeyPair.FromPrivateKey(Hex(keys["doctorEncryption"]!["privateKey"]));
        var notes = FileVectors["protocol"]!["amendmentNotes"]!.AsArray();
        Assert.Equal(2, notes.Count);
        foreach (var v in notes)
        {
            var purpose = (string)v!["purpose"]!;
            var requestId = (string)v["requestId"]!;
            SealedSecret Copy(JsonNode c) => new((string)c["recipientKeyId"]!, Hex(c["enc"]), Hex(c["ciphertext"]));
            var note = new AmendmentNote(Copy(v["forPatient"]!), Copy(v["forAuthor"]!));
            Assert.Equal((string)v["hash"]!, note.Hash(purpose, requestId));
            var text = ((string)v["text"]!).Normalize(NormalizationForm.FormC);
            Assert.Equal(text, note.Open(patient, purpose, requestId));
            Assert.Equal(text, note.Open(author, purpose, requestId));
            Assert.Throws<CryptoIntegrityException>(() => note.Open(doctor, purpose, requestId));
            Assert.ThrowsAny<Exception>(() => note.Open(patient, purpose, "another-request"));
            // The hash binds the purpose: a request text cannot be passed off as a decline reason.
            var other = purpose == ProtocolTags.AmendmentRequestText ? ProtocolTags.AmendmentDeclineReason : ProtocolTags.AmendmentRequestText;
            Assert.NotEqual(note.Hash(purpose, requestId), note.Hash(other, requestId));
        }
    }

    [Fact]
    public void Message_vector_opens_for_the_wrapped_reader_with_its_attachment_and_refuses_another_conversation_id_or_signer()
    {
        var v = FileVectors["protocol"]!["message"]!;
        var keys = FileVectors["keys"]!;
        var (conversationId, messageId, senderId) = ((string)v["conversationId"]!, (string)v["clientMessageId"]!, (string)v["senderId"]!);
        var signer = Hex(keys["authorSigning"]!["publicKey"]);
        var hashes = v["attachmentHashes"]!.AsArray().Select(h => (string)h!).ToList();
        var message = new SealedMessage(conversationId, messageId, senderId, Hex(v["nonce"]), Hex(v["ciphertext"]), hashes, Hex(v["signature"]));
        Assert.Equal(Hex(v["associatedData"]), ConversationMessages.AssociatedData(conversationId, messageId, senderId));
        Assert.Equal(Hex(v["signedBytes"]), ConversationMessages.SignedBytes(conversationId, messageId, senderId, message.Nonce, message.Ciphertext, hashes));
        var doctor = UserKeyPair.FromPrivateKey(Hex(keys["doctorEncryption"]!["privateKey"]));
        var w = v["wrap"]!;
        var wrap = new SealedSecret((string)w["recipientKeyId"]!, Hex(w["enc"]), Hex(w["ciphertext"]));
        Assert.Equal(Hex(w["info"]), SealedSecret.Info(ProtocolTags.MessageKey, (string)w["context"]!));
        var key = ConversationMessages.UnwrapKey(wrap, doctor, conversationId, messageId);
        Assert.Equal(Hex(v["key"]), key);
        var content = ConversationMessages.Open(message, key, conversationId, messageId, signer);
        Assert.Equal((string)v["text"]!, content.Text);
        Assert.Equal(Hex(v["plaintext"]), ConversationMessages.Plaintext(content));
        var a = v["attachment"]!;
        Assert.Equal(Hex(a["associatedData"]), ConversationMessages.AttachmentAssociatedData(conversationId, messageId, 0));
        Assert.Equal(Hex(a["blob"]), ConversationMessages.SealAttachment(key, conversationId, messageId, 0, Hex(a["content"]), Hex(a["nonce"])));
        Assert.Equal(Hex(a["content"]), ConversationMessages.OpenAttachment(key, conversationId, messageId, 0, Hex(a["blob"]), (string)a["hash"]!));
        Assert.Equal(((string)a["contentType"]!, (string)a["fileName"]!), (content.Attachments[0].ContentType, content.Attachments[0].FileName));
        // Moved to another conversation, relabelled, signed by someone else, or another attachment: caught.
        var other = Guid.NewGuid().ToString();
        Assert.Throws<CryptoIntegrityException>(() => ConversationMessages.Open(message with { ConversationId = other }, key, other, messageId, signer));
        Assert.Throws<CryptoIntegrityException>(() => ConversationMessages.Open(message with { ClientMessageId = other }, key, conversationId, other, signer));
        Assert.Throws<CryptoIntegrityException>(() => ConversationMessages.Open(message, key, other, messageId, signer));
        Assert.Throws<CryptoIntegrityException>(() => ConversationMessages.Open(message, key, conversationId, messageId, Hex(keys["patientEncryption"]!["publicKey"])));
        Assert.Throws<CryptoIntegrityException>(() => ConversationMessages.Open(message with { AttachmentHashes = [] }, key, conversationId, messageId, signer));
        Assert.Throws<CryptoIntegrityException>(() => ConversationMessages.OpenAttachment(key, conversationId, messageId, 0, [.. Hex(a["blob"]), 0], (string)a["hash"]!));
        // The wrap opens only for its own message.
        Assert.ThrowsAny<Exception>(() => ConversationMessages.UnwrapKey(wrap, doctor, conversationId, other));
    }

    [Fact]
    public void Appointment_reason_vector_opens_for_doctor_and_patient_and_its_hash_is_the_doctor_copy_hash()
    {
        var v = FileVectors["protocol"]!["appointmentReason"]!;
        var keys = FileVectors["keys"]!;
        var appointmentId = (string)v["appointmentId"]!;
        Assert.Equal(ProtocolTags.AppointmentReason, (string)v["purpose"]!);
        Assert.Equal(Hex(v["info"]), SealedSecret.Info(ProtocolTags.AppointmentReason, appointmentId));
        var forDoctor = Hex(v["forDoctor"]);
        Assert.Equal((string)v["reasonHash"]!, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(forDoctor)));
        var doctor = UserKeyPair.FromPrivateKey(Hex(keys[(string)v["doctor"]!]!["privateKey"]));
        var patient = UserKeyPair.FromPrivateKey(Hex(keys[(string)v["patient"]!]!["privateKey"]));
        var reason = (string)v["reason"]!;
        Assert.Equal(reason, Encoding.UTF8.GetString(SealedSecret.FromJson(forDoctor).Open(doctor, ProtocolTags.AppointmentReason, appointmentId)));
        Assert.Equal(reason, Encoding.UTF8.GetString(SealedSecret.FromJson(Hex(v["forPatient"])).Open(patient, ProtocolTags.AppointmentReason, appointmentId)));
        // Sealed for the doctor only, and for this appointment only.
        Assert.ThrowsAny<Exception>(() => SealedSecret.FromJson(forDoctor).Open(patient, ProtocolTags.AppointmentReason, appointmentId));
        Assert.ThrowsAny<Exception>(() => SealedSecret.FromJson(forDoctor).Open(doctor, ProtocolTags.AppointmentReason, Guid.NewGuid().ToString()));
    }

    [Fact]
    public void Order_vector_reproduces_the_content_json_opens_for_the_pharmacy_key_and_recomputes_the_hash_and_the_reservation_commitment()
    {
        var v = FileVectors["protocol"]!["order"]!;
        var json = Hex(v["contentJson"]);
        var content = OrderContent.FromJson(json);
        Assert.Equal(json, content.ToJsonBytes());
        Assert.Equal((long)v["total"]!, content.Total);
        Assert.Equal(ProtocolTags.OrderContent, (string)v["purpose"]!);
        var orderId = Guid.Parse((string)v["orderId"]!);
        var pharmacy = UserKeyPair.FromPrivateKey(Hex(FileVectors["keys"]![(string)v["pharmacy"]!]!["privateKey"]));
        var sealedCopy = Hex(v["sealedForPharmacy"]);
        Assert.Equal(content, OrderContent.Open(sealedCopy, pharmacy, orderId), OrderContentComparer.Instance);
        Assert.Equal((string)v["contentHash"]!, Convert.ToHexStringLower(SHA256.HashData(sealedCopy)));
        // Opened under another order id it is refused.
        Assert.ThrowsAny<Exception>(() => OrderContent.Open(sealedCopy, pharmacy, Guid.NewGuid()));
        var n = v["reservationNote"]!;
        Assert.Equal((string)n["commitment"]!, new OrderReservationNote(Guid.Parse((string)n["reservationId"]!), Hex(n["salt"])).Commitment());
        Assert.Equal(ProtocolTags.OrderReservationCommitment, (string)n["commitmentTag"]!);
    }

    [Fact]
    public void Insurance_policy_vector_reproduces_the_canonical_plan_terms_their_hash_and_each_category_tag()
    {
        var v = FileVectors["protocol"]!["insurancePolicy"]!;
        var json = Hex(v["termsJson"]);
        var terms = PlanTerms.FromJson(json);
        Assert.Equal(json, terms.ToCanonicalJson());
        Assert.Equal((string)v["termsHash"]!, terms.Hash());
        Assert.Equal(ProtocolTags.InsuranceCategoryTag, (string)v["tagDomain"]!);
        var policyId = Guid.Parse((string)v["policyId"]!);
        var salt = Hex(v["categorySalt"]);
        var tags = v["tags"]!.AsObject();
        Assert.Equal(terms.Benefits.Select(b => b.Category).Order(StringComparer.Ordinal), tags.Select(t => t.Key));
        foreach (var (category, tag) in tags)
        {
            Assert.Equal((string)tag!, PolicyCard.Tag(policyId, salt, category));
        }
        // Another salt or policy gives other tags: the ledger cannot map a tag to a category without the card.
        Assert.NotEqual((string)tags["Maternity"]!, PolicyCard.Tag(policyId, new byte[PolicyCard.SaltLength], "Maternity"));
        Assert.NotEqual((string)tags["Maternity"]!, PolicyCard.Tag(Guid.NewGuid(), salt, "Maternity"));
    }

    [Fact]
    public void Insurance_claim_line_vector_reproduces_the_canonical_bytes_and_the_one_time_token()
    {
        var v = FileVectors["protocol"]!["insuranceClaimLine"]!;
        Assert.Equal(ProtocolTags.InsuranceClaimLine, (string)v["domain"]!);
        var filer = Guid.Parse((string)v["filerId"]!);
        var reference = (string)v["referenceId"]!;
        var line = (int)v["line"]!;
        var canonical = new CanonicalWriter(ProtocolTags.InsuranceClaimLine).String(filer.ToString()).String(reference).Int64(line).ToArray();
        Assert.Equal(Hex(v["canonical"]), canonical);
        Assert.Equal((string)v["token"]!, InsuranceClaimTokens.Token(filer, reference, line));
        // Another line of the same care, or another filer, is another token.
        Assert.NotEqual((string)v["token"]!, InsuranceClaimTokens.Token(filer, reference, line + 1));
        Assert.NotEqual((string)v["token"]!, InsuranceClaimTokens.Token(Guid.NewGuid(), reference, line));
    }

    /// <summary>OrderContent holds a list, so records compare it by reference: compare what it says.</summary>
    private sealed class OrderContentComparer : IEqualityComparer<OrderContent>
    {
        public static readonly OrderContentComparer Instance = new();

        public bool Equals(OrderContent? x, OrderContent? y) =>
            x is not null && y is not null && x with { Lines = [] } == y with { Lines = [] } && x.Lines.SequenceEqual(y.Lines);

        public int GetHashCode(OrderContent obj) => obj.OrderId.GetHashCode();
    }
}
