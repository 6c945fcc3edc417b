using System.Globalization;
using Resource = Hl7.Fhir.Model.Resource;
using Hl7.Fhir.Serialization;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

public sealed record Wrap(Guid ReaderId, string ReaderKeyId, byte[] Enc, byte[] WrappedKey);

public sealed record RecordUpload(int Version, Guid PatientId, string Category, string ContentType, long CreatedAtMs, byte[] Nonce, byte[] KeyCommitment,
    byte[] Signature, byte[] Ciphertext, IReadOnlyList<Wrap> Wraps, SignedTransaction Transaction);

public sealed record RecordVersionInfo(Guid RecordId, int Version, Guid PatientId, Guid AuthorId, string Category, string ContentType, long CreatedAtMs,
    string CiphertextHash, long CiphertextLength, string LedgerTransactionId, MedLedger.Ledger.LedgerReceipt? Receipt);

public sealed record RecordSummary(Guid RecordId, Guid PatientId, string Category, int LatestVersion, Guid LatestAuthorId, string ContentType, long CreatedAtMs, long UpdatedAtMs);

public sealed record SealedRecord(Guid RecordId, int Version, Guid PatientId, Guid AuthorId, string Category, string ContentType, long CreatedAtMs,
    byte[] Nonce, byte[] KeyCommitment, byte[] Signature, byte[] Ciphertext, Wrap Wrap, string LedgerTransactionId, byte[] AuthorSigningPublicKey)
{
    public RecordEnvelope ToEnvelope() => new(
        new RecordHeader(RecordId.ToString(), Version, PatientId.ToString(), AuthorId.ToString(), ContentType, CreatedAtMs),
        Nonce, KeyCommitment, Ciphertext, Signature, [new KeyWrap(Wrap.ReaderKeyId, Wrap.Enc, Wrap.WrappedKey)]);
}

/// <summary>A record decrypted on this device.</summary>
public sealed record DecryptedRecord(Guid RecordId, int Version, Guid PatientId, Guid AuthorId, string Category, string ContentType, DateTimeOffset CreatedAt, byte[] Content, string LedgerTransactionId);

public sealed record Reader(Guid UserId, Role Role, byte[] EncryptionPublicKey, byte[] SigningPublicKey, Guid? GrantId);

/// <summary>The FHIR resource failed strict parsing on this device; nothing was sent.</summary>
public sealed class FhirValidationException(string message, Exception inner) : Exception(message, inner);

public sealed partial class MedLedgerClient
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, byte[]> _verifiedSigningKeys = new();

    public const long MaxRecordBytes = 20L * 1024 * 1024;

    /// <summary>
    /// Validates a FHIR R4 resource with the Firely SDK (strict parsing) before anything is sealed;
    /// returns its resource type, which becomes the record category.
    /// </summary>
    public static string ValidateFhir(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.StartsWith('\uFEFF'))
        {
            throw new FhirValidationException("The FHIR JSON starts with a byte-order mark; read it as text (which strips the mark) before sealing.", new FormatException("BOM"));
        }
        try
        {
            // The default deserializer settings are strict: unknown elements, wrong cardinality or types fail.
            var resource = new FhirJsonDeserializer().Deserialize<Resource>(json);
            return resource.TypeName;
        }
        catch (Exception e) when (e is FormatException or DeserializationFailedException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            throw new FhirValidationException("The FHIR resource is not valid R4: " + e.Message, e);
        }
    }

    /// <summary>Creates a record from a FHIR R4 resource (validated locally first).</summary>
    public Task<RecordVersionInfo> CreateFhirRecordAsync(string json, Guid? patientId = null, CancellationToken ct = default)
    {
        var category = ValidateFhir(json);
        return WriteVersionAsync(Guid.NewGuid(), 1, patientId ?? UserId, category, "application/fhir+json", System.Text.Encoding.UTF8.GetBytes(json), ct);
    }

    /// <summary>Creates a record from a file (PDF, image…), up to 20 MiB.</summary>
    public Task<RecordVersionInfo> CreateFileRecordAsync(byte[] content, string contentType, Guid? patientId = null, string category = RecordCategories.File, CancellationToken ct = default) =>
        WriteVersionAsync(Guid.NewGuid(), 1, patientId ?? UserId, category, contentType, content, ct);

    /// <summary>A new version that links the previous one (same record id, version + 1).</summary>
    public async Task<RecordVersionInfo> AddVersionAsync(Guid recordId, byte[] content, string? contentType = null, CancellationToken ct = default)
    {
        var current = await SendAsync<SealedRecord>(HttpMethod.Get, $"/api/records/{recordId}", null, authorize: true, ct);
        if (current.Category != RecordCategories.File && (contentType ?? current.ContentType) == "application/fhir+json")
        {
            var category = ValidateFhir(System.Text.Encoding.UTF8.GetString(content));
            if (category != current.Category)
            {
                throw new FhirValidationException($"A new version must stay a {current.Category} (got {category}).", new InvalidOperationException());
            }
        }
        return await WriteVersionAsync(recordId, current.Version + 1, current.PatientId, current.Category, contentType ?? current.ContentType, content, ct);
    }

    public async Task<RecordVersionInfo> WriteVersionAsync(Guid recordId, int version, Guid patientId, string category, string contentType, byte[] content, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.Length > MaxRecordBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(content), $"Records are limited to {MaxRecordBytes / (1024 * 1024)} MiB.");
        }
        var keys = Keys ?? throw new InvalidOperationException("Sign in first.");
        var readers = await SendAsync<IReadOnlyList<Reader>>(HttpMethod.Get,
            $"/api/records/readers?patientId={patientId}&recordId={recordId}&category={Uri.EscapeDataString(category)}", null, authorize: true, ct);
        // Every key we encrypt for must be the one its owner registered on the ledger.
        foreach (var r in readers.Where(r => r.UserId != UserId))
        {
            await EnsureKeysOnLedgerAsync(r.UserId, r.SigningPublicKey, r.EncryptionPublicKey, ct);
        }
        var header = new RecordHeader(recordId.ToString(), version, patientId.ToString(), UserId.ToString(), contentType, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var envelope = RecordCrypto.Seal(header, content, keys.Signing, readers.Select(r => r.EncryptionPublicKey));
        var byKeyId = readers.ToDictionary(r => KeyFingerprints.EncryptionKeyId(r.EncryptionPublicKey), r => r.UserId);
        var tx = NewTransaction(RecordWriteContract.TypeName, new Dictionary<string, string>
        {
            ["recordId"] = recordId.ToString(),
            ["version"] = version.ToString(CultureInfo.InvariantCulture),
            ["patientId"] = patientId.ToString(),
            ["ciphertextHash"] = Convert.ToHexStringLower(envelope.CiphertextHash()),
            ["headerHash"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(header.ToCanonicalBytes())),
        });
        var upload = new RecordUpload(version, patientId, category, contentType, header.CreatedAtUnixMs, envelope.Nonce, envelope.KeyCommitment, envelope.Signature,
            envelope.Ciphertext, envelope.Wraps.Select(w => new Wrap(byKeyId[w.ReaderKeyId], w.ReaderKeyId, w.Enc, w.WrappedKey)).ToList(), Sign(tx));
        var info = await SendAsync<RecordVersionInfo>(HttpMethod.Post, $"/api/records/{recordId}/versions", upload, authorize: true, ct);
        if (info.Receipt is null || info.Receipt.TransactionId != tx.Id)
        {
            throw new MedLedgerVerificationException("The server did not return a receipt for our records.write transaction.");
        }
        await VerifyReceiptAsync(info.Receipt, ct);
        return info;
    }

    public Task<IReadOnlyList<RecordSummary>> ListRecordsAsync(Guid? patientId = null, string? category = null, DateTimeOffset? from = null, DateTimeOffset? to = null, Guid? author = null, CancellationToken ct = default)
    {
        var q = new List<string>();
        if (patientId is { } p) { q.Add($"patientId={p}"); }
        if (category is not null) { q.Add($"category={Uri.EscapeDataString(category)}"); }
        if (from is { } f) { q.Add($"from={Uri.EscapeDataString(f.ToString("O", CultureInfo.InvariantCulture))}"); }
        if (to is { } t) { q.Add($"to={Uri.EscapeDataString(t.ToString("O", CultureInfo.InvariantCulture))}"); }
        if (author is { } a) { q.Add($"author={a}"); }
        return SendAsync<IReadOnlyList<RecordSummary>>(HttpMethod.Get, "/api/records" + (q.Count > 0 ? "?" + string.Join('&', q) : ""), null, authorize: true, ct);
    }

    public Task<IReadOnlyList<int>> RecordVersionsAsync(Guid recordId, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<int>>(HttpMethod.Get, $"/api/records/{recordId}/versions", null, authorize: true, ct);

    public Task<SealedRecord> FetchSealedAsync(Guid recordId, int? version = null, CancellationToken ct = default) =>
        SendAsync<SealedRecord>(HttpMethod.Get, version is null ? $"/api/records/{recordId}" : $"/api/records/{recordId}/versions/{version}", null, authorize: true, ct);

    /// <summary>Fetches ciphertext and our wrap, checks the author's key against the ledger and the signature, then decrypts locally.</summary>
    public async Task<DecryptedRecord> OpenRecordAsync(Guid recordId, int? version = null, CancellationToken ct = default)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in first.");
        var sealedRecord = await FetchSealedAsync(recordId, version, ct);
        var author = await AuthorKeyAsync(sealedRecord, ct);
        var plaintext = RecordCrypto.Open(sealedRecord.ToEnvelope(), keys.Encryption, author);
        return new DecryptedRecord(sealedRecord.RecordId, sealedRecord.Version, sealedRecord.PatientId, sealedRecord.AuthorId, sealedRecord.Category, sealedRecord.ContentType,
            DateTimeOffset.FromUnixTimeMilliseconds(sealedRecord.CreatedAtMs), plaintext, sealedRecord.LedgerTransactionId);
    }

    private async Task<byte[]> AuthorKeyAsync(SealedRecord r, CancellationToken ct)
    {
        if (r.AuthorId == UserId)
        {
            return Keys!.Signing.PublicKey;
        }
        // A key already checked against the ledger in this session need not be fetched again.
        if (_verifiedSigningKeys.TryGetValue(r.AuthorId, out var known) && known.AsSpan().SequenceEqual(r.AuthorSigningPublicKey))
        {
            return known;
        }
        var author = await GetVerifiedPublicKeysAsync(r.AuthorId, ct);
        _verifiedSigningKeys[r.AuthorId] = author.SigningPublicKey;
        if (!author.SigningPublicKey.AsSpan().SequenceEqual(r.AuthorSigningPublicKey))
        {
            throw new MedLedgerVerificationException("The server returned an author key that differs from the ledger's.");
        }
        return author.SigningPublicKey;
    }

}
