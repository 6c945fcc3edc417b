using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedLedger.Crypto.Tests;

/// <summary>
/// Generator for testdata/crypto-vectors.json, the cross-language vectors the browser client checks too.
/// Every input is a fixed constant below, given in hex in the file; every output except ECDSA signatures
/// (randomized) is a pure function of those inputs. Regenerate with
///   MEDLEDGER_REGENERATE_VECTORS=1 dotnet test tests/MedLedger.Crypto.Tests --filter CryptoVectorTests
/// </summary>
internal static class CryptoVectors
{
    public const string FileName = "crypto-vectors.json";

    /// <summary>Keys that hold randomized values; checked by verification instead of equality.</summary>
    public static readonly HashSet<string> RandomizedKeys = ["signature", "tamperedSignature", "envelopeJson", "tamperedEnvelopeJson", "relabelledEnvelopeJson"];

    private static byte[] H(string hex) => Convert.FromHexString(hex);
    private static string X(byte[] b) => Convert.ToHexStringLower(b);
    private static byte[] Seq(int start, int count) => Enumerable.Range(start, count).Select(i => (byte)i).ToArray();

    // Fixed inputs. Scalars come from HPKE DeriveKeyPair over simple ikm so they are reproducible anywhere.
    private static readonly byte[] AuthorEncIkm = Seq(0x00, 32);
    private static readonly byte[] AuthorSigIkm = Seq(0x20, 32);
    private static readonly byte[] PatientEncIkm = Seq(0x40, 32);
    private static readonly byte[] DoctorEncIkm = Seq(0x60, 32);

    public static JsonObject Build()
    {
        var authorEnc = UserKeyPair.FromPrivateKey(Hpke.DeriveKeyPair(AuthorEncIkm).PrivateKey);
        var authorSig = UserKeyPair.FromPrivateKey(Hpke.DeriveKeyPair(AuthorSigIkm).PrivateKey);
        var patientEnc = UserKeyPair.FromPrivateKey(Hpke.DeriveKeyPair(PatientEncIkm).PrivateKey);
        var doctorEnc = UserKeyPair.FromPrivateKey(Hpke.DeriveKeyPair(DoctorEncIkm).PrivateKey);
        var author = new KeyBundle(authorEnc, authorSig);

        return new JsonObject
        {
            ["description"] = "MedLedger cross-language crypto vectors (docs/crypto-format.md). All byte strings are lower-case hex unless the field name ends in Json. ECDSA signatures are randomized: check that 'signature' verifies and 'tamperedSignature' does not; every other output must be reproduced exactly.",
            ["generator"] = "tests/MedLedger.Crypto.Tests/CryptoVectors.cs; regenerate with MEDLEDGER_REGENERATE_VECTORS=1 dotnet test tests/MedLedger.Crypto.Tests --filter CryptoVectorTests",
            ["canonical"] = Canonical(),
            ["keys"] = Keys(author, patientEnc, doctorEnc),
            ["hpke"] = HpkeVectors(patientEnc),
            ["signature"] = SignatureVector(authorSig),
            ["envelope"] = Envelope(author, patientEnc, doctorEnc, category: null),
            ["envelopeV2"] = Envelope(author, patientEnc, doctorEnc, category: "Observation"),
            ["sealedSecret"] = Sealed(doctorEnc),
            ["password"] = Password(author),
            ["protocol"] = Protocol(),
        };
    }

    private static JsonArray Canonical()
    {
        var list = new JsonArray();
        void Add(string description, JsonArray fields, CanonicalWriter w) =>
            list.Add(new JsonObject { ["description"] = description, ["fields"] = fields, ["hex"] = X(w.ToArray()) });

        Add("tag only", [new JsonObject { ["type"] = "tag", ["value"] = "t" }], new CanonicalWriter("t"));
        Add("every field type",
            [
                new JsonObject { ["type"] = "tag", ["value"] = "medledger/v1/example" },
                new JsonObject { ["type"] = "string", ["value"] = "h\u00e9llo \u2695" },
                new JsonObject { ["type"] = "string", ["value"] = "" },
                new JsonObject { ["type"] = "bytes", ["hex"] = "00ff10" },
                new JsonObject { ["type"] = "int64", ["value"] = "-2" },
                new JsonObject { ["type"] = "int64", ["value"] = "1732406400000" },
                new JsonObject { ["type"] = "bool", ["value"] = true },
                new JsonObject { ["type"] = "optionalString", ["value"] = null },
                new JsonObject { ["type"] = "optionalString", ["value"] = "x" },
                new JsonObject { ["type"] = "optionalBytes", ["hex"] = null },
                new JsonObject { ["type"] = "stringList", ["value"] = new JsonArray("a", "bc") },
            ],
            new CanonicalWriter("medledger/v1/example")
                .String("h\u00e9llo \u2695").String("").Bytes(H("00ff10")).Int64(-2).Int64(1_732_406_400_000).Bool(true)
                .OptionalString(null).OptionalString("x").OptionalBytes(null).StringList(["a", "bc"]));
        return list;
    }

    private static JsonObject Pair(string ikmName, byte[] ikm, UserKeyPair pair) => new()
    {
        [ikmName] = X(ikm),
        ["privateKey"] = X(pair.PrivateKey),
        ["publicKey"] = X(pair.PublicKey),
    };

    private static JsonObject Keys(KeyBundle author, UserKeyPair patientEnc, UserKeyPair doctorEnc) => new()
    {
        ["note"] = "privateKey = HPKE DeriveKeyPair(ikm) for DHKEM(P-256, HKDF-SHA256); the same scalars are used for ECDSA where the pair is a signing key.",
        ["authorEncryption"] = Pair("ikm", AuthorEncIkm, author.Encryption),
        ["authorSigning"] = Pair("ikm", AuthorSigIkm, author.Signing),
        ["patientEncryption"] = Pair("ikm", PatientEncIkm, patientEnc),
        ["doctorEncryption"] = Pair("ikm", DoctorEncIkm, doctorEnc),
        ["authorFingerprint"] = new JsonObject
        {
            ["encryptionPublicKey"] = X(author.Encryption.PublicKey),
            ["signingPublicKey"] = X(author.Signing.PublicKey),
            ["canonicalInput"] = X(new CanonicalWriter("medledger/v1/key-fingerprint").Bytes(author.Encryption.PublicKey).Bytes(author.Signing.PublicKey).ToArray()),
            ["fingerprint"] = X(author.Public.Fingerprint()),
            ["display"] = author.Public.DisplayFingerprint(),
        },
        ["encryptionKeyIds"] = new JsonObject
        {
            ["authorEncryption"] = author.Public.EncryptionKeyId,
            ["patientEncryption"] = KeyFingerprints.EncryptionKeyId(patientEnc.PublicKey),
            ["doctorEncryption"] = KeyFingerprints.EncryptionKeyId(doctorEnc.PublicKey),
        },
    };

    private static JsonArray HpkeVectors(UserKeyPair recipient)
    {
        var list = new JsonArray();
        foreach (var aead in new[] { HpkeAead.Aes256Gcm, HpkeAead.Aes128Gcm })
        {
            var ikmE = Seq(0x80 + (int)aead, 32);
            var info = Encoding.ASCII.GetBytes("medledger test info");
            var aad = Encoding.ASCII.GetBytes("medledger test aad");
            var pt = Encoding.ASCII.GetBytes("a 32-byte data key would go here");
            var (enc, ct) = Hpke.SealBase(recipient.PublicKey, info, aad, pt, aead, ikmE);
            list.Add(new JsonObject
            {
                ["mode"] = 0, ["kem_id"] = 16, ["kdf_id"] = 1, ["aead_id"] = (int)aead,
                ["skRm"] = X(recipient.PrivateKey), ["pkRm"] = X(recipient.PublicKey),
                ["ikmE"] = X(ikmE), ["pkEm"] = X(Hpke.DeriveKeyPair(ikmE).PublicKey),
                ["info"] = X(info), ["aad"] = X(aad), ["pt"] = X(pt),
                ["enc"] = X(enc), ["ct"] = X(ct),
            });
        }
        return list;
    }

    private static JsonObject SignatureVector(UserKeyPair signer)
    {
        var message = Encoding.UTF8.GetBytes("medledger signature vector");
        var signature = Signatures.Sign(signer.PrivateKey, message);
        var tampered = (byte[])signature.Clone();
        tampered[^1] ^= 0x01;
        return new JsonObject
        {
            ["algorithm"] = "ECDSA P-256 SHA-256, IEEE P1363 r||s",
            ["publicKey"] = X(signer.PublicKey),
            ["message"] = X(message),
            ["signature"] = X(signature),
            ["tamperedSignature"] = X(tampered),
        };
    }

    /// <summary>A v1 envelope (<paramref name="category"/> null: the layout old records keep) or a v2 one that binds the category.</summary>
    private static JsonObject Envelope(KeyBundle author, UserKeyPair patientEnc, UserKeyPair doctorEnc, string? category)
    {
        var header = new RecordHeader("rec-0001", 3, "pat-0001", "doc-0001", "application/fhir+json", 1_732_406_400_123, category);
        var plaintext = Encoding.UTF8.GetBytes("{\"resourceType\":\"Observation\",\"status\":\"final\",\"valueQuantity\":{\"value\":38.2,\"unit\":\"Cel\"}}");
        var dataKey = Seq(0xa0, 32);
        var nonce = Seq(0xc0, 12);
        var patientIkmE = Seq(0x10, 32);
        var authorIkmE = Seq(0x11, 32);
        var doctorIkmE = Seq(0x12, 32);
        var env = RecordCrypto.Seal(header, plaintext, author.Signing,
            [(patientEnc.PublicKey, patientIkmE), (author.Encryption.PublicKey, authorIkmE)], dataKey, nonce);
        var doctorWrap = RecordCrypto.AddReader(env, dataKey, doctorEnc.PublicKey, doctorIkmE);
        var json = env.ToJsonBytes();
        // Same envelope with one ciphertext bit flipped (well-formed JSON, so only the crypto can reject it).
        var badCiphertext = (byte[])env.Ciphertext.Clone();
        badCiphertext[5] ^= 0x01;
        var tampered = new RecordEnvelope(env.Header, env.Nonce, env.KeyCommitment, badCiphertext, env.Signature, env.Wraps).ToJsonBytes();

        JsonObject Wrap(KeyWrap w, byte[] ikmE) => new()
        {
            ["ephemeralIkm"] = X(ikmE), ["readerKeyId"] = w.ReaderKeyId, ["enc"] = X(w.Enc), ["wrappedKey"] = X(w.WrappedKey),
        };

        var headerJson = new JsonObject
        {
            ["recordId"] = header.RecordId, ["version"] = header.Version, ["patientId"] = header.PatientId,
            ["authorId"] = header.AuthorId, ["contentType"] = header.ContentType,
        };
        if (category is not null)
        {
            headerJson["category"] = category;
        }
        headerJson["createdAt"] = header.CreatedAtUnixMs;
        var result = new JsonObject
        {
            ["header"] = headerJson,
            ["plaintext"] = X(plaintext),
            ["dataKey"] = X(dataKey),
            ["nonce"] = X(nonce),
            ["authorSigningPublicKey"] = X(author.Signing.PublicKey),
            ["headerCanonical"] = X(header.ToCanonicalBytes()),
            ["ciphertext"] = X(env.Ciphertext),
            ["ciphertextSha256"] = X(env.CiphertextHash()),
            ["keyCommitment"] = X(env.KeyCommitment),
            ["signedBytes"] = X(RecordCrypto.SignedBytes(header, nonce, env.KeyCommitment, env.CiphertextHash())),
            ["signature"] = X(env.Signature),
            ["recordKeyInfo"] = X(RecordCrypto.RecordKeyInfo(header)),
            ["wraps"] = new JsonArray(
                Wrap(env.Wraps[0], patientIkmE).Also("reader", "patientEncryption"),
                Wrap(env.Wraps[1], authorIkmE).Also("reader", "authorEncryption")),
            ["addedReaderWrap"] = Wrap(doctorWrap, doctorIkmE).Also("reader", "doctorEncryption"),
            ["envelopeJson"] = Encoding.UTF8.GetString(json),
            ["tamperedEnvelopeJson"] = Encoding.UTF8.GetString(tampered),
        };
        if (category is not null)
        {
            // The same v2 envelope relabelled to another category: well-formed, so only the signature can refuse it.
            var relabelled = new RecordEnvelope(header with { Category = "MedicationRequest" }, env.Nonce, env.KeyCommitment, env.Ciphertext, env.Signature, env.Wraps);
            result["relabelledEnvelopeJson"] = relabelled.ToJson();
        }
        return result;
    }

    private static JsonObject Sealed(UserKeyPair doctorEnc)
    {
        var secret = Seq(0xe0, 32);
        var ikmE = Seq(0x13, 32);
        var s = SealedSecret.Seal(doctorEnc.PublicKey, "emergency-key", "hospital-0001", secret, ikmE);
        return new JsonObject
        {
            ["recipient"] = "doctorEncryption",
            ["purpose"] = "emergency-key",
            ["context"] = "hospital-0001",
            ["secret"] = X(secret),
            ["ephemeralIkm"] = X(ikmE),
            ["info"] = X(SealedSecret.Info("emergency-key", "hospital-0001")),
            ["recipientKeyId"] = s.RecipientKeyId,
            ["enc"] = X(s.Enc),
            ["ciphertext"] = X(s.Ciphertext),
        };
    }

    private static JsonObject Password(KeyBundle keys)
    {
        // Given in NFD (e + combining acute, u + combining diaeresis); clients must NFC-normalise before UTF-8.
        const string password = "Gru\u0308\u00dfe, A\u0308rztin! cafe\u0301";
        var parameters = new PasswordParameters(PasswordParameters.Pbkdf2Sha256, PasswordParameters.MinimumIterations, Seq(0x30, 16));
        var derived = PasswordKeys.Derive(password, parameters);
        var recoveryEntropy = H("8f3a5c0e91d2b7466a1f0c3d5e7b9a");
        var code = RecoveryCode.FromEntropy(recoveryEntropy);
        var passwordNonce = Seq(0xd0, 12);
        var recoveryNonce = Seq(0xdc, 12);
        var account = KeyVault.Protect(keys, "user-0001", password, parameters, code, passwordNonce, recoveryNonce);
        return new JsonObject
        {
            ["password"] = password,
            ["passwordNfcUtf8"] = X(Encoding.UTF8.GetBytes(Unicode.Nfc.Normalize(password))),
            ["algorithm"] = parameters.Algorithm,
            ["iterations"] = parameters.Iterations,
            ["salt"] = X(parameters.Salt),
            ["authenticationKey"] = X(derived.AuthenticationKey),
            ["keyEncryptionKey"] = X(derived.KeyEncryptionKey),
            ["recovery"] = new JsonObject
            {
                ["entropy"] = X(recoveryEntropy),
                ["code"] = code,
                ["key"] = X(RecoveryCode.DeriveKey(code)),
            },
            ["privateKeyWrap"] = new JsonObject
            {
                ["userId"] = "user-0001",
                ["keys"] = "authorEncryption + authorSigning",
                ["plaintext"] = X([.. keys.Encryption.PrivateKey, .. keys.Signing.PrivateKey]),
                ["passwordAad"] = X(KeyVault.WrapAad("user-0001", KeyVault.PasswordPurpose, keys.Public)),
                ["passwordNonce"] = X(passwordNonce),
                ["passwordCiphertext"] = X(account.Stored.PasswordWrap.Ciphertext),
                ["recoveryAad"] = X(KeyVault.WrapAad("user-0001", KeyVault.RecoveryPurpose, keys.Public)),
                ["recoveryNonce"] = X(recoveryNonce),
                ["recoveryCiphertext"] = X(account.Stored.RecoveryWrap.Ciphertext),
                ["storedBundleJson"] = account.Stored.ToJson(),
            },
        };
    }

    private static JsonArray IdentityCardVectors()
    {
        // A full card (non-ASCII name, NFC as given) and a sparse one (absent fields hash as empty strings).
        (string UserId, string Role, string? Name, string? Licence, string? Specialty, string? OrgId, string? OrgName)[] cards =
        [
            ("3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "Doctor", "Dr. Anna Weber", "MD-110042", "Cardiology", "0b9e8f7a-6c5d-4e3f-9a2b-1c0d9e8f7a6b", "Northside General"),
            ("9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "Pharmacist", "Jörg Müller", null, null, null, null),
        ];
        var a = new JsonArray();
        foreach (var c in cards)
        {
            a.Add(new JsonObject
            {
                ["card"] = new JsonObject
                {
                    ["userId"] = c.UserId, ["role"] = c.Role, ["displayName"] = c.Name, ["licenceNumber"] = c.Licence,
                    ["specialty"] = c.Specialty, ["organizationId"] = c.OrgId, ["organizationName"] = c.OrgName,
                },
                ["canonical"] = X(IdentityCards.CanonicalBytes(c.UserId, c.Role, c.Name, c.Licence, c.Specialty, c.OrgId, c.OrgName)),
                ["hash"] = IdentityCards.Hash(c.UserId, c.Role, c.Name, c.Licence, c.Specialty, c.OrgId, c.OrgName),
            });
        }
        return a;
    }

    private static JsonArray OrganizationCardVectors()
    {
        // Non-ASCII name, negative coordinates, a coordinate that needs rounding, and negative zero (written as zero).
        (string Id, string Kind, string Name, string Address, double Lat, double Lon, string Reg)[] cards =
        [
            ("0b9e8f7a-6c5d-4e3f-9a2b-1c0d9e8f7a6b", "Hospital", "Northside General", "1 Charité Street, Berlin", 52.52, 13.405, "HRB 104882 B"),
            ("7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "Pharmacy", "Apotheke Zürich-Süd", "Seestrasse 12, Zürich", -33.86881234567, -0.0000004, "ZH-Apo-0412/Ä"),
            ("1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a", "Insurer", "Keller Mutual", "", -0.0, 151.2093, "AFSL 234567"),
        ];
        var a = new JsonArray();
        foreach (var c in cards)
        {
            a.Add(new JsonObject
            {
                ["card"] = new JsonObject
                {
                    ["organizationId"] = c.Id, ["kind"] = c.Kind, ["name"] = c.Name, ["address"] = c.Address,
                    ["latitude"] = c.Lat, ["longitude"] = c.Lon, ["registrationNumber"] = c.Reg,
                },
                ["latitudeText"] = OrganizationCards.Coordinate(c.Lat),
                ["longitudeText"] = OrganizationCards.Coordinate(c.Lon),
                ["canonical"] = X(OrganizationCards.CanonicalBytes(c.Id, c.Kind, c.Name, c.Address, c.Lat, c.Lon, c.Reg)),
                ["hash"] = OrganizationCards.Hash(c.Id, c.Kind, c.Name, c.Address, c.Lat, c.Lon, c.Reg),
            });
        }
        return a;
    }

    private static JsonObject Protocol()
    {
        // The layouts clients build from ProtocolTags outside this library's own types (docs/crypto-format.md section 13).
        var userId = Guid.Parse("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b");
        var newAuthKey = Seq(0x50, 32);
        var kdf = new PasswordParameters(PasswordParameters.Pbkdf2Sha256, PasswordParameters.MinimumIterations, Seq(0x70, 16));
        var newPasswordWrap = Seq(0x90, 92);
        const string nonce = "3f2a9c4e5b6d4e7f8a9b0c1d2e3f4a5b";
        const string hospitalId = "0b9e8f7a-6c5d-4e3f-9a2b-1c0d9e8f7a6b";
        // Items are given unsorted (as a client may hold them): the hash is over the ordinal sort.
        (string Kind, string[] Items)[] scopes =
        [
            ("all", []),
            ("categories", ["Observation", "AllergyIntolerance", "Condition"]),
            ("records", ["e2c1a0b9-8f7e-4d6c-9b5a-4f3e2d1c0b9a", "1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d"]),
        ];
        var consent = new JsonArray();
        foreach (var (kind, items) in scopes)
        {
            // Ledger ConsentScopeHash.Compute is checked against these by the ledger tests (this project does not reference the ledger).
            var canonical = new CanonicalWriter(ProtocolTags.ConsentScope).String(kind).StringList(items.Order(StringComparer.Ordinal).ToList()).ToArray();
            consent.Add(new JsonObject
            {
                ["kind"] = kind,
                ["items"] = new JsonArray(items.Select(i => (JsonNode?)i).ToArray()),
                ["canonical"] = X(canonical),
                ["hash"] = X(SHA256.HashData(canonical)),
            });
        }
        // Ledger BreakGlassReasonCommitment.Compute is checked against these by the ledger tests.
        var breakGlass = new JsonArray();
        foreach (var (reason, salt) in new[] { ("unconscious", Seq(0xa0, 16)), ("other-emergency", Seq(0xb0, 16)) })
        {
            var canonical = new CanonicalWriter(ProtocolTags.BreakGlassReason).String(reason).Bytes(salt).ToArray();
            breakGlass.Add(new JsonObject { ["reason"] = reason, ["salt"] = X(salt), ["canonical"] = X(canonical), ["commitment"] = X(SHA256.HashData(canonical)) });
        }
        // Salted commitments the ledger carries instead of bed types and consent purposes (FactCommitment).
        var facts = new JsonArray();
        foreach (var (kind, value, salt) in new[] { (FactCommitment.BedType, "icu", Seq(0xa0, 32)), (FactCommitment.ConsentPurpose, "treatment", Seq(0xc0, 32)) })
        {
            facts.Add(new JsonObject
            {
                ["kind"] = kind,
                ["value"] = value,
                ["salt"] = X(salt),
                ["canonical"] = X(FactCommitment.CanonicalBytes(kind, value, salt)),
                ["commitment"] = FactCommitment.Compute(kind, value, salt),
            });
        }
        return new JsonObject
        {
            ["tags"] = new JsonObject
            {
                ["passwordChange"] = ProtocolTags.PasswordChange,
                ["recovery"] = ProtocolTags.Recovery,
                ["hospitalEmergencyKey"] = ProtocolTags.HospitalEmergencyKey,
                ["consentScope"] = ProtocolTags.ConsentScope,
                ["breakGlassReason"] = ProtocolTags.BreakGlassReason,
                ["factCommitment"] = ProtocolTags.FactCommitment,
                ["identityCard"] = ProtocolTags.IdentityCard,
                ["organizationCard"] = ProtocolTags.OrganizationCard,
            },
            ["passwordMaterial"] = new JsonObject
            {
                ["userId"] = userId.ToString(),
                ["nonce"] = nonce,
                ["newAuthKey"] = X(newAuthKey),
                ["algorithm"] = kdf.Algorithm,
                ["iterations"] = kdf.Iterations,
                ["salt"] = X(kdf.Salt),
                ["newPasswordWrap"] = X(newPasswordWrap),
                ["passwordChangeSignedBytes"] = X(PasswordMaterial.SignedBytes(ProtocolTags.PasswordChange, userId, nonce, newAuthKey, kdf, newPasswordWrap)),
                ["recoverySignedBytes"] = X(PasswordMaterial.SignedBytes(ProtocolTags.Recovery, userId, nonce, newAuthKey, kdf, newPasswordWrap)),
            },
            ["hospitalEmergencyKey"] = new JsonObject
            {
                ["purpose"] = ProtocolTags.HospitalEmergencyKey,
                ["context"] = hospitalId,
                ["info"] = X(SealedSecret.Info(ProtocolTags.HospitalEmergencyKey, hospitalId)),
            },
            ["consentScope"] = consent,
            ["breakGlassReason"] = breakGlass,
            ["factCommitment"] = facts,
            ["recordCategories"] = new JsonArray(RecordCategories.All.Select(c => (JsonNode?)c).ToArray()),
            ["identityCards"] = IdentityCardVectors(),
            ["organizationCards"] = OrganizationCardVectors(),
            ["patientProfile"] = PatientProfileVector(
                UserKeyPair.FromPrivateKey(Hpke.DeriveKeyPair(AuthorSigIkm).PrivateKey), UserKeyPair.FromPrivateKey(Hpke.DeriveKeyPair(DoctorEncIkm).PrivateKey)),
            ["amendmentNotes"] = AmendmentNoteVectors(
                UserKeyPair.FromPrivateKey(Hpke.DeriveKeyPair(PatientEncIkm).PrivateKey), UserKeyPair.FromPrivateKey(Hpke.DeriveKeyPair(AuthorEncIkm).PrivateKey)),
            ["message"] = MessageVector(
                UserKeyPair.FromPrivateKey(Hpke.DeriveKeyPair(AuthorSigIkm).PrivateKey), UserKeyPair.FromPrivateKey(Hpke.DeriveKeyPair(DoctorEncIkm).PrivateKey)),
            ["appointmentReason"] = AppointmentReasonVector(
                UserKeyPair.FromPrivateKey(Hpke.DeriveKeyPair(DoctorEncIkm).PrivateKey), UserKeyPair.FromPrivateKey(Hpke.DeriveKeyPair(PatientEncIkm).PrivateKey)),
            ["order"] = OrderVector(UserKeyPair.FromPrivateKey(Hpke.DeriveKeyPair(DoctorEncIkm).PrivateKey)),
            ["insurancePolicy"] = InsurancePolicyVector(),
            ["insuranceClaimLine"] = InsuranceClaimLineVector(),
        };
    }

    /// <summary>
    /// A patient's order as the strict JSON both copies seal, the pharmacy's copy sealed for doctorEncryption standing in for a
    /// pharmacy organization key (fixed ephemeral ikm) and its orders.place contentHash, and an accepted order's reservation note
    /// with its commitment (OrderContent, OrderReservationNote; docs/crypto-format.md "Orders").
    /// </summary>
    private static JsonObject OrderVector(UserKeyPair pharmacyKey)
    {
        var content = new OrderContent(Guid.Parse("5b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f"), Guid.Parse("0a1b2c3d-4e5f-4607-9819-2a3b4c5d6e7f"), "EUR",
            [new OrderLine(Guid.Parse("11111111-2222-4333-8444-555555555555"), 2, 349), new OrderLine(Guid.Parse("66666666-7777-4888-9999-aaaaaaaaaaaa"), 1, 1290)],
            Guid.Parse("bbbbbbbb-cccc-4ddd-8eee-ffffffffffff"));
        var ikm = Seq(0xa7, 32);
        var sealedForPharmacy = SealedSecret.Seal(pharmacyKey.PublicKey, ProtocolTags.OrderContent, content.OrderId.ToString(), content.ToJsonBytes(), ikm).ToJsonBytes();
        var note = new OrderReservationNote(Guid.Parse("c0ffee00-1234-4567-89ab-cdef01234567"), Seq(0x5a, 32));
        return new JsonObject
        {
            ["purpose"] = ProtocolTags.OrderContent,
            ["orderId"] = content.OrderId.ToString(),
            ["contentJson"] = X(content.ToJsonBytes()),
            ["total"] = content.Total,
            ["pharmacy"] = "doctorEncryption",
            ["pharmacyEphemeralIkm"] = X(ikm),
            ["info"] = X(SealedSecret.Info(ProtocolTags.OrderContent, content.OrderId.ToString())),
            ["sealedForPharmacy"] = X(sealedForPharmacy),
            ["contentHash"] = Convert.ToHexStringLower(SHA256.HashData(sealedForPharmacy)),
            ["reservationNote"] = new JsonObject
            {
                ["purpose"] = ProtocolTags.OrderReservationNote,
                ["commitmentTag"] = ProtocolTags.OrderReservationCommitment,
                ["reservationId"] = note.ReservationId.ToString(),
                ["salt"] = X(note.Salt),
                ["commitment"] = note.Commitment(),
            },
        };
    }

    /// <summary>
    /// A plan's terms in canonical JSON and their hash (what insurance.policy "issue" pins as termsHash), and a policy card's
    /// category tags from a fixed salt (what the ledger holds instead of category names; docs/insurance.md).
    /// </summary>
    private static JsonObject InsurancePolicyVector()
    {
        var terms = new PlanTerms(Guid.Parse("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"), 3, "EUR", 2900, "Monthly", 100_000, DependantsAllowed: true,
        [
            new PlanTermsBenefit("Pharmacy", null, 500, 50_000, 0),
            new PlanTermsBenefit("Maternity", 100, null, 80_000, 30),
            new PlanTermsBenefit("Outpatient", 80, null, 100_000, 0),
        ]);
        var policyId = Guid.Parse("7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8");
        var salt = Seq(0x3c, PolicyCard.SaltLength);
        var tags = new JsonObject();
        foreach (var b in terms.Benefits.OrderBy(b => b.Category, StringComparer.Ordinal))
        {
            tags[b.Category] = PolicyCard.Tag(policyId, salt, b.Category);
        }
        return new JsonObject
        {
            ["termsJson"] = X(terms.ToCanonicalJson()),
            ["termsHash"] = terms.Hash(),
            ["tagDomain"] = ProtocolTags.InsuranceCategoryTag,
            ["policyId"] = policyId.ToString(),
            ["categorySalt"] = X(salt),
            ["tags"] = tags,
        };
    }

    /// <summary>A claim line's one-time token (InsuranceClaimTokens; docs/insurance.md "Token scheme"): its canonical bytes and SHA-256.</summary>
    private static JsonObject InsuranceClaimLineVector()
    {
        var filer = Guid.Parse("5b4a3928-1716-4a5b-9c3d-2e1f0a9b8c7d");
        const string reference = "dispense-7f3e2d1c";
        const int line = 2;
        return new JsonObject
        {
            ["domain"] = ProtocolTags.InsuranceClaimLine,
            ["filerId"] = filer.ToString(),
            ["referenceId"] = reference,
            ["line"] = line,
            ["canonical"] = X(new CanonicalWriter(ProtocolTags.InsuranceClaimLine).String(filer.ToString()).String(reference).Int64(line).ToArray()),
            ["token"] = InsuranceClaimTokens.Token(filer, reference, line),
        };
    }

    /// <summary>
    /// An appointment's reason sealed for doctorEncryption and patientEncryption (fixed ephemeral ikms) as the JSON bytes the
    /// server stores, and the appointments.book reasonHash over the doctor's copy (AppointmentsClient.BookAppointmentAsync).
    /// </summary>
    private static JsonObject AppointmentReasonVector(UserKeyPair doctorEnc, UserKeyPair patientEnc)
    {
        const string appointmentId = "3f2e1d0c-9b8a-4776-8564-534231201f0e";
        const string reason = "Schwindel seit zwei Wochen – bitte Blutdruck prüfen.";
        var doctorIkm = Seq(0xd1, 32);
        var patientIkm = Seq(0xe1, 32);
        var words = Encoding.UTF8.GetBytes(reason);
        var forDoctor = SealedSecret.Seal(doctorEnc.PublicKey, ProtocolTags.AppointmentReason, appointmentId, words, doctorIkm).ToJsonBytes();
        var forPatient = SealedSecret.Seal(patientEnc.PublicKey, ProtocolTags.AppointmentReason, appointmentId, words, patientIkm).ToJsonBytes();
        return new JsonObject
        {
            ["purpose"] = ProtocolTags.AppointmentReason,
            ["appointmentId"] = appointmentId,
            ["reason"] = reason,
            ["doctor"] = "doctorEncryption",
            ["patient"] = "patientEncryption",
            ["doctorEphemeralIkm"] = X(doctorIkm),
            ["patientEphemeralIkm"] = X(patientIkm),
            ["info"] = X(SealedSecret.Info(ProtocolTags.AppointmentReason, appointmentId)),
            ["forDoctor"] = X(forDoctor),
            ["forPatient"] = X(forPatient),
            ["reasonHash"] = Convert.ToHexStringLower(SHA256.HashData(forDoctor)),
        };
    }

    /// <summary>A conversation message with one attachment (authorSigning plays the sender) and its key wrapped for doctorEncryption (docs/messages.md).</summary>
    private static JsonObject MessageVector(UserKeyPair senderSig, UserKeyPair doctorEnc)
    {
        const string conversationId = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        const string clientMessageId = "0e1d2c3b-4a59-4867-9a5b-4c3d2e1f0a9b";
        const string senderId = "5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f";
        var key = Seq(0x81, 32);
        var nonce = Seq(0xa1, 12);
        var attachmentNonce = Seq(0xb1, 12);
        var ikmE = Seq(0xc1, 32);
        var attachmentContent = "Lichtbild: Ausschlag am Unterarm, 3 Tage"u8.ToArray();
        var blob = ConversationMessages.SealAttachment(key, conversationId, clientMessageId, 0, attachmentContent, attachmentNonce);
        var attachment = new MessageAttachmentInfo(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(blob)), "text/plain", "befund.txt", attachmentContent.Length);
        var content = new MessageContent("Der Ausschlag breitet sich aus – Foto anbei.", [attachment]);
        var message = ConversationMessages.Seal(conversationId, clientMessageId, senderId, content, key, senderSig.PrivateKey, nonce);
        var wrap = SealedSecret.Seal(doctorEnc.PublicKey, ProtocolTags.MessageKey, ConversationMessages.WrapContext(conversationId, clientMessageId), key, ikmE);
        return new JsonObject
        {
            ["tag"] = ProtocolTags.Message,
            ["wrapPurpose"] = ProtocolTags.MessageKey,
            ["attachmentTag"] = ProtocolTags.MessageAttachment,
            ["subjectTag"] = ProtocolTags.ConversationSubject,
            ["subjectWrapPurpose"] = ProtocolTags.ConversationSubjectKey,
            ["conversationId"] = conversationId,
            ["clientMessageId"] = clientMessageId,
            ["senderId"] = senderId,
            ["signer"] = "authorSigning",
            ["text"] = content.Text,
            ["key"] = X(key),
            ["nonce"] = X(nonce),
            ["plaintext"] = X(ConversationMessages.Plaintext(content)),
            ["associatedData"] = X(ConversationMessages.AssociatedData(conversationId, clientMessageId, senderId)),
            ["ciphertext"] = X(message.Ciphertext),
            ["attachmentHashes"] = new JsonArray(attachment.Hash),
            ["signedBytes"] = X(ConversationMessages.SignedBytes(conversationId, clientMessageId, senderId, nonce, message.Ciphertext, message.AttachmentHashes)),
            ["signature"] = X(message.Signature),
            ["attachment"] = new JsonObject
            {
                ["index"] = 0,
                ["contentType"] = attachment.ContentType,
                ["fileName"] = attachment.FileName,
                ["content"] = X(attachmentContent),
                ["nonce"] = X(attachmentNonce),
                ["associatedData"] = X(ConversationMessages.AttachmentAssociatedData(conversationId, clientMessageId, 0)),
                ["blob"] = X(blob),
                ["hash"] = attachment.Hash,
            },
            ["wrap"] = new JsonObject
            {
                ["recipient"] = "doctorEncryption",
                ["context"] = ConversationMessages.WrapContext(conversationId, clientMessageId),
                ["ephemeralIkm"] = X(ikmE),
                ["info"] = X(SealedSecret.Info(ProtocolTags.MessageKey, ConversationMessages.WrapContext(conversationId, clientMessageId))),
                ["recipientKeyId"] = wrap.RecipientKeyId,
                ["enc"] = X(wrap.Enc),
                ["ciphertext"] = X(wrap.Ciphertext),
            },
        };
    }

    /// <summary>
    /// An amendment request's text and a decline reason (non-ASCII, already NFC), each sealed for patientEncryption and
    /// authorEncryption with fixed ephemeral ikms. Not a decomposed text: with InvariantGlobalization the .NET side does
    /// not NFC-normalize while the browser does (reported; a vector for it would pin today's disagreement).
    /// </summary>
    private static JsonArray AmendmentNoteVectors(UserKeyPair patientEnc, UserKeyPair authorEnc)
    {
        JsonObject One(string purpose, string requestId, string text, byte[] patientIkm, byte[] authorIkm)
        {
            var note = AmendmentNote.Seal(purpose, requestId, text, patientEnc.PublicKey, authorEnc.PublicKey, patientIkm, authorIkm);
            JsonObject Copy(SealedSecret c) => new() { ["recipientKeyId"] = c.RecipientKeyId, ["enc"] = X(c.Enc), ["ciphertext"] = X(c.Ciphertext) };
            return new JsonObject
            {
                ["purpose"] = purpose,
                ["requestId"] = requestId,
                ["text"] = text,
                ["patient"] = "patientEncryption",
                ["author"] = "authorEncryption",
                ["patientEphemeralIkm"] = X(patientIkm),
                ["authorEphemeralIkm"] = X(authorIkm),
                ["info"] = X(SealedSecret.Info(purpose, requestId)),
                ["forPatient"] = Copy(note.ForPatient),
                ["forAuthor"] = Copy(note.ForAuthor),
                ["noteBytes"] = X(new CanonicalWriter(ProtocolTags.AmendmentNote).String(purpose).String(requestId)
                    .Bytes(note.ForPatient.Enc).Bytes(note.ForPatient.Ciphertext).Bytes(note.ForAuthor.Enc).Bytes(note.ForAuthor.Ciphertext).ToArray()),
                ["hash"] = note.Hash(purpose, requestId),
            };
        }
        const string requestId = "8c1d2e3f-4a5b-4c6d-9e7f-102132435465";
        return
        [
            One(ProtocolTags.AmendmentRequestText, requestId, "Bitte korrigieren: Allergie gegen Penicillin, nicht Amoxicillin (Café-Besuch 2019).", Seq(0x81, 32), Seq(0xa1, 32)),
            One(ProtocolTags.AmendmentDeclineReason, requestId, "Der Befund ist korrekt; siehe Laborbericht vom 3. März.", Seq(0x91, 32), Seq(0xb1, 32)),
        ];
    }

    /// <summary>A sealed patient profile (authorSigning plays the patient) and its key wrapped for doctorEncryption.</summary>
    private static JsonObject PatientProfileVector(UserKeyPair patientSig, UserKeyPair doctorEnc)
    {
        const string patientId = "5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f";
        const long version = 2;
        var profile = new PatientProfile("Maria Keller-Ümit", "1972-03-14", "female", "+41 79 555 01 23");
        var key = Seq(0x31, 32);
        var nonce = Seq(0x51, 12);
        var ikmE = Seq(0x71, 32);
        var (sealedProfile, _) = PatientProfiles.Seal(patientId, version, profile, patientSig.PrivateKey, key, nonce);
        var wrap = SealedSecret.Seal(doctorEnc.PublicKey, ProtocolTags.PatientProfileKey, PatientProfiles.WrapContext(patientId, version), key, ikmE);
        return new JsonObject
        {
            ["tag"] = ProtocolTags.PatientProfile,
            ["wrapPurpose"] = ProtocolTags.PatientProfileKey,
            ["patientId"] = patientId,
            ["version"] = version,
            ["name"] = profile.Name,
            ["birthDate"] = profile.BirthDate,
            ["sex"] = profile.Sex,
            ["phone"] = profile.Phone,
            ["signer"] = "authorSigning",
            ["key"] = X(key),
            ["nonce"] = X(nonce),
            ["plaintext"] = X(PatientProfiles.Plaintext(patientId, profile)),
            ["associatedData"] = X(PatientProfiles.AssociatedData(patientId, version)),
            ["ciphertext"] = X(sealedProfile.Ciphertext),
            ["signedBytes"] = X(PatientProfiles.SignedBytes(patientId, version, nonce, sealedProfile.Ciphertext)),
            ["signature"] = X(sealedProfile.Signature),
            ["wrap"] = new JsonObject
            {
                ["recipient"] = "doctorEncryption",
                ["context"] = PatientProfiles.WrapContext(patientId, version),
                ["ephemeralIkm"] = X(ikmE),
                ["info"] = X(SealedSecret.Info(ProtocolTags.PatientProfileKey, PatientProfiles.WrapContext(patientId, version))),
                ["recipientKeyId"] = wrap.RecipientKeyId,
                ["enc"] = X(wrap.Enc),
                ["ciphertext"] = X(wrap.Ciphertext),
            },
        };
    }

    private static JsonObject Also(this JsonObject o, string key, string value)
    {
        o[key] = value;
        return o;
    }

    public static string Serialize(JsonNode node) =>
        node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
}
