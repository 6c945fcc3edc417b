using System.Globalization;
using System.Net;
using Resource = Hl7.Fhir.Model.Resource;
using Hl7.Fhir.Serialization;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

public sealed record Wrap(Guid ReaderId, string ReaderKeyId, byte[] Enc, byte[] WrappedKey);

public sealed record RecordUpload(int Version, Guid PatientId, string Category, string ContentType, long CreatedAtMs, byte[] Nonce, byte[] KeyCommitment,
    byte[] Signature, byte[] Ciphertext, IReadOnlyList<Wrap> Wraps, SignedTransaction Transaction, int HeaderVersion, string? ReadersFingerprint = null);

/// <summary>
/// The metadata part of a binary upload (docs/records-upload.md): <see cref="RecordUpload"/> without the ciphertext, which
/// follows it in the body; <paramref name="CiphertextLength"/> and <paramref name="CiphertextHash"/> (lowercase hex SHA-256) declare it.
/// </summary>
public sealed record RecordUploadMetadata(int Version, Guid PatientId, string Category, string ContentType, long CreatedAtMs, byte[] Nonce, byte[] KeyCommitment,
    byte[] Signature, long CiphertextLength, string CiphertextHash, IReadOnlyList<Wrap> Wraps, SignedTransaction Transaction, int HeaderVersion,
    string? ReadersFingerprint = null);

/// <summary>
/// A binary upload body: <c>application/octet-stream</c>, the metadata JSON then the ciphertext, written straight from the
/// two arrays (no base64, no joined copy); <c>Record-Metadata-Length</c> tells the server where the ciphertext starts.
/// </summary>
internal sealed class RecordUploadContent : HttpContent
{
    public const string MetadataLengthHeader = "Record-Metadata-Length";
    private readonly byte[] _metadata;
    private readonly byte[] _ciphertext;

    public RecordUploadContent(byte[] metadata, byte[] ciphertext)
    {
        _metadata = metadata;
        _ciphertext = ciphertext;
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        Headers.Add(MetadataLengthHeader, metadata.Length.ToString(CultureInfo.InvariantCulture));
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) => await SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(_metadata, cancellationToken);
        await stream.WriteAsync(_ciphertext, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _metadata.Length + (long)_ciphertext.Length;
        return true;
    }
}

public sealed record RecordVersionInfo(Guid RecordId, int Version, Guid PatientId, Guid AuthorId, string Category, string ContentType, long CreatedAtMs,
    string CiphertextHash, long CiphertextLength, string LedgerTransactionId, MedLedger.Ledger.LedgerReceipt? Receipt,
    IReadOnlyList<MedLedger.Ledger.ConsistencyProofResult>? Proofs = null);

public sealed record RecordSummary(Guid RecordId, Guid PatientId, string Category, int LatestVersion, Guid LatestAuthorId, string ContentType, long CreatedAtMs, long UpdatedAtMs);

public sealed record SealedRecord(Guid RecordId, int Version, Guid PatientId, Guid AuthorId, string Category, string ContentType, long CreatedAtMs,
    byte[] Nonce, byte[] KeyCommitment, byte[] Signature, byte[] Ciphertext, Wrap Wrap, string LedgerTransactionId, byte[] AuthorSigningPublicKey,
    MedLedger.Ledger.LedgerReceipt? Anchor = null, MedLedger.Ledger.LedgerReceipt? Latest = null, int HeaderVersion = 1,
    IReadOnlyList<MedLedger.Ledger.ConsistencyProofResult>? Proofs = null)
{
    /// <summary>
    /// The header as the author must have signed it: v2 binds <see cref="Category"/>, so a relabelled version fails the
    /// signature and anchor checks; v1 (legacy versions) leaves the category to the server's label.
    /// </summary>
    public RecordHeader Header() => HeaderVersion switch
    {
        1 => new RecordHeader(RecordId.ToString(), Version, PatientId.ToString(), AuthorId.ToString(), ContentType, CreatedAtMs),
        2 => new RecordHeader(RecordId.ToString(), Version, PatientId.ToString(), AuthorId.ToString(), ContentType, CreatedAtMs, Category),
        _ => throw new CryptoFormatException($"Record header version {HeaderVersion} is not one this client knows."),
    };

    public RecordEnvelope ToEnvelope() => new(Header(), Nonce, KeyCommitment, Ciphertext, Signature, [new KeyWrap(Wrap.ReaderKeyId, Wrap.Enc, Wrap.WrappedKey)]);

    /// <summary>
    /// When the signature does not verify as served, the other known category under which it does (the server relabelled
    /// a v2 version), or null.
    /// </summary>
    public string? SignedCategoryIfRelabelled(byte[] authorSigningPublicKey)
    {
        var envelope = ToEnvelope();
        if (HeaderVersion != 2 || RecordCrypto.VerifySignature(envelope, authorSigningPublicKey))
        {
            return null;
        }
        return RecordCategories.All.Where(c => c != Category).FirstOrDefault(c => RecordCrypto.VerifySignature(
            new RecordEnvelope(envelope.Header with { Category = c }, Nonce, KeyCommitment, Ciphertext, Signature, envelope.Wraps), authorSigningPublicKey));
    }
}

/// <summary>
/// A record decrypted on this device. <paramref name="LedgerLatestVersion"/> is the newest version the ledger (or this
/// client, earlier) showed for the record; when it is above <paramref name="Version"/> this version has been superseded.
/// </summary>
public sealed record DecryptedRecord(Guid RecordId, int Version, Guid PatientId, Guid AuthorId, string Category, string ContentType, DateTimeOffset CreatedAt, byte[] Content, string LedgerTransactionId,
    int LedgerLatestVersion = 0)
{
    public bool IsSuperseded => LedgerLatestVersion > Version;
}

/// <summary>A reader the server names for a new version; a grantee comes with the grant's scope and the receipt of its consent.grant.</summary>
public sealed record Reader(Guid UserId, Role Role, byte[] EncryptionPublicKey, byte[] SigningPublicKey, Guid? GrantId,
    string? GrantScope = null, IReadOnlyList<string>? GrantItems = null, MedLedger.Ledger.LedgerReceipt? GrantReceipt = null);

/// <summary>The client refused to wrap a record key for a reader no ledger-proven consent covers; nothing was sent.</summary>
public sealed class UnconsentedReaderException(Guid readerId, string message) : Exception(message)
{
    public Guid ReaderId { get; } = readerId;
}

/// <summary>Only a record's author writes its next version; others file an amendment request. Nothing was sent.</summary>
public sealed class NotRecordAuthorException(string message) : Exception(message);

/// <summary>The FHIR resource failed strict parsing on this device; nothing was sent.</summary>
public sealed class FhirValidationException(string message, Exception inner) : Exception(message, inner);

public sealed partial class MedLedgerClient
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, byte[]> _verifiedSigningKeys = new();
    // The newest version of each record this client has seen anchored on the ledger: a server cannot roll it back later.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, int> _newestSeenVersion = new();

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
        if (current.AuthorId != UserId)
        {
            throw new NotRecordAuthorException($"Record {recordId} was written by {current.AuthorId}; only its author writes the next version. File an amendment request instead.");
        }
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

    public async Task<RecordVersionInfo> WriteVersionAsync(Guid recordId, int version, Guid patientId, string category, string contentType, byte[] content, CancellationToken ct = default) =>
        await WriteVersionAsync(recordId, version, patientId, category, contentType, content, appointmentId: null, ct);

    /// <summary>
    /// As above; with <paramref name="appointmentId"/> the records.write names the appointment it was written in (a
    /// doctor during a visit: the contract accepts the appointment's doctor then, and links the record to it).
    /// </summary>
    public Task<RecordVersionInfo> WriteVersionAsync(Guid recordId, int version, Guid patientId, string category, string contentType, byte[] content, Guid? appointmentId, CancellationToken ct = default) =>
        WriteVersionAsync(recordId, version, patientId, category, contentType, content,
            appointmentId is { } a ? new Dictionary<string, string> { ["appointmentId"] = a.ToString() } : null, ct);

    /// <summary>The write itself; <paramref name="links"/> are extra records.write fields the contract checks (appointmentId; prescriptionId + fillNumber).</summary>
    private async Task<RecordVersionInfo> WriteVersionAsync(Guid recordId, int version, Guid patientId, string category, string contentType, byte[] content,
        IReadOnlyDictionary<string, string>? links, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.Length > MaxRecordBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(content), $"Records are limited to {MaxRecordBytes / (1024 * 1024)} MiB.");
        }
        var keys = Keys ?? throw new InvalidOperationException("Sign in first.");
        // A reader list checked for an earlier write to the same place is reused; the server refuses (409 readers-changed)
        // if it is out of date, and one fresh list is then fetched and checked. A lying server gains nothing from this: it
        // could name the same readers with the same receipts on a fresh fetch.
        var listKey = (patientId, category, version == 1 ? (Guid?)null : recordId);
        var reused = _readerLists.TryGetValue(listKey, out var checkedList) && checkedList.ValidUntilMs > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()
            ? checkedList : null;
        try
        {
            return await UploadVersionAsync(recordId, version, patientId, category, contentType, content, links, keys,
                reused ?? await CheckedReadersAsync(listKey, recordId, ct), reused is not null, ct);
        }
        catch (MedLedgerApiException e) when (reused is not null && e.Status == HttpStatusCode.Conflict && e.ProblemType?.EndsWith("readers-changed", StringComparison.Ordinal) == true)
        {
            _readerLists.TryRemove(listKey, out _);
            return await UploadVersionAsync(recordId, version, patientId, category, contentType, content, links, keys,
                await CheckedReadersAsync(listKey, recordId, ct), false, ct);
        }
    }

    private sealed record CheckedReaders(IReadOnlyList<Reader> Readers, string Fingerprint, long ValidUntilMs);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(Guid Patient, string Category, Guid? Record), CheckedReaders> _readerLists = new();

    /// <summary>
    /// The server's reader list for a new version, checked: every key we encrypt for must be the one its owner registered
    /// on the ledger, and every reader other than the patient and us must hold a patient-signed grant covering this record,
    /// proven by its ledger receipt. Kept for reuse until the first grant in it expires.
    /// </summary>
    private async Task<CheckedReaders> CheckedReadersAsync((Guid Patient, string Category, Guid? Record) listKey, Guid recordId, CancellationToken ct)
    {
        var (patientId, category, _) = listKey;
        var readers = await SendAsync<IReadOnlyList<Reader>>(HttpMethod.Get,
            $"/api/records/readers?patientId={patientId}&recordId={recordId}&category={Uri.EscapeDataString(category)}", null, authorize: true, ct);
        var validUntil = long.MaxValue;
        foreach (var r in readers.Where(r => r.UserId != UserId))
        {
            if (r.UserId != patientId)
            {
                var expires = await CheckReaderGrantAsync(r, patientId, recordId, category, ct);
                validUntil = Math.Min(validUntil, expires == 0 ? long.MaxValue : expires);
            }
            await EnsureKeysOnLedgerAsync(r.UserId, r.SigningPublicKey, r.EncryptionPublicKey, ct);
        }
        var result = new CheckedReaders(readers,
            RecordReaderSet.Fingerprint(readers.Select(r => (r.UserId, KeyFingerprints.EncryptionKeyId(r.EncryptionPublicKey), r.GrantId))), validUntil);
        if (_readerLists.Count >= 1024)
        {
            _readerLists.Clear();
        }
        _readerLists[listKey] = result;
        return result;
    }

    private async Task<RecordVersionInfo> UploadVersionAsync(Guid recordId, int version, Guid patientId, string category, string contentType, byte[] content,
        IReadOnlyDictionary<string, string>? links, KeyBundle keys, CheckedReaders checkedReaders, bool reused, CancellationToken ct)
    {
        var readers = checkedReaders.Readers;
        // Header v2: the category is signed, so no one downstream has to trust the server's label for it.
        var header = new RecordHeader(recordId.ToString(), version, patientId.ToString(), UserId.ToString(), contentType, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), category);
        var envelope = RecordCrypto.Seal(header, content, keys.Signing, readers.Select(r => r.EncryptionPublicKey));
        var byKeyId = readers.ToDictionary(r => KeyFingerprints.EncryptionKeyId(r.EncryptionPublicKey), r => r.UserId);
        var payload = new Dictionary<string, string>
        {
            ["recordId"] = recordId.ToString(),
            ["version"] = version.ToString(CultureInfo.InvariantCulture),
            ["patientId"] = patientId.ToString(),
            ["ciphertextHash"] = Convert.ToHexStringLower(envelope.CiphertextHash()),
            ["headerHash"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(header.ToCanonicalBytes())),
            ["authorId"] = UserId.ToString(),
        };
        foreach (var (k, v) in links ?? new Dictionary<string, string>())
        {
            payload[k] = v;
        }
        var tx = NewTransaction(RecordWriteContract.TypeName, payload);
        // The binary form (docs/records-upload.md): metadata as a small JSON part, then the ciphertext as raw bytes.
        var metadata = new RecordUploadMetadata(version, patientId, category, contentType, header.CreatedAtUnixMs, envelope.Nonce, envelope.KeyCommitment,
            envelope.Signature, envelope.Ciphertext.Length, payload["ciphertextHash"],
            envelope.Wraps.Select(w => new Wrap(byKeyId[w.ReaderKeyId], w.ReaderKeyId, w.Enc, w.WrappedKey)).ToList(), Sign(tx), header.HeaderVersion,
            reused ? checkedReaders.Fingerprint : null);
        var metadataJson = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(metadata, ApiJson.Options);
        var info = await SendAsync<RecordVersionInfo>(HttpMethod.Post, $"/api/records/{recordId}/versions",
            () => new RecordUploadContent(metadataJson, envelope.Ciphertext), ct);
        if (info.Receipt is null || info.Receipt.TransactionId != tx.Id)
        {
            throw new MedLedgerVerificationException("The server did not return a receipt for our records.write transaction.");
        }
        await VerifyReceiptAsync(info.Receipt, info.Proofs, ct);
        RememberVersion(recordId, version);
        return info;
    }

    /// <summary>
    /// The reader rule: a reader other than the patient and the author must hold an active consent.grant signed by the
    /// patient, naming this reader, whose anchored scope covers the record — checked on its verified ledger receipt.
    /// </summary>
    /// <returns>When the grant expires (Unix ms; 0 = no expiry).</returns>
    private async Task<long> CheckReaderGrantAsync(Reader r, Guid patientId, Guid recordId, string category, CancellationToken ct)
    {
        var who = $"{r.Role} {r.UserId}";
        if (r.GrantId is not { } grantId || r.GrantReceipt is not { } receipt || r.GrantScope is not { } scope || r.GrantItems is not { } items)
        {
            throw new UnconsentedReaderException(r.UserId, $"Refusing to wrap the record key for {who}: the server names them as a reader but shows no consent grant from the patient.");
        }
        try
        {
            await VerifyReceiptAsync(receipt, ct);
        }
        catch (MedLedgerVerificationException e)
        {
            throw new UnconsentedReaderException(r.UserId, $"Refusing to wrap the record key for {who}: their consent grant's ledger receipt does not verify ({e.Message}).");
        }
        var tx = receipt.Transaction();
        var covers = scope switch
        {
            "all" => true,
            "categories" => items.Contains(category, StringComparer.Ordinal),
            "records" => items.Contains(recordId.ToString(), StringComparer.Ordinal),
            _ => false,
        };
        var expires = long.TryParse(tx.Get("expiresAtMs"), NumberStyles.None, CultureInfo.InvariantCulture, out var e2) ? e2 : -1;
        if (tx.Type != ConsentGrantContract.TypeName || tx.ActorId != patientId.ToString() || tx.Get("patientId") != patientId.ToString()
            || tx.Get("granteeId") != r.UserId.ToString() || tx.Get("grantId") != grantId.ToString() || tx.Get("scope") != scope
            || tx.Get("scopeHash") != ConsentScopeHash.Compute(scope, items) || !covers
            || expires < 0 || (expires != 0 && expires <= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
        {
            throw new UnconsentedReaderException(r.UserId, $"Refusing to wrap the record key for {who}: no active patient-signed consent on the ledger covers record {recordId}.");
        }
        return expires;
    }

    private static string HeaderHash(RecordHeader header) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(header.ToCanonicalBytes()));

    private int RememberVersion(Guid recordId, int version) => _newestSeenVersion.AddOrUpdate(recordId, version, (_, v) => Math.Max(v, version));

    /// <summary>
    /// Read checks: the version's records.write anchor (a verified receipt naming this record, version, patient, author,
    /// ciphertext hash and header hash), and the newest version the ledger shows for the record. Returns that newest version.
    /// </summary>
    private async Task<int> CheckAnchorAsync(SealedRecord r, CancellationToken ct)
    {
        var what = $"version {r.Version} of record {r.RecordId}";
        var anchor = r.Anchor ?? throw new MedLedgerVerificationException($"The server sent {what} without its records.write anchor.");
        await VerifyReceiptAsync(anchor, r.Proofs, ct);
        var tx = anchor.Transaction();
        var header = r.Header();
        if (tx.Type != RecordWriteContract.TypeName || tx.Id != r.LedgerTransactionId || tx.ActorId != r.AuthorId.ToString()
            || tx.Get("recordId") != r.RecordId.ToString() || tx.Get("patientId") != r.PatientId.ToString()
            || tx.Get("version") != r.Version.ToString(CultureInfo.InvariantCulture)
            || tx.Get("ciphertextHash") != Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(r.Ciphertext)))
        {
            throw new MedLedgerVerificationException($"The server sent {what}, which does not match its records.write anchor on the ledger.");
        }
        if (tx.Get("headerHash") != HeaderHash(header))
        {
            // Everything else matches the anchor: name the lie when it is the category label or the header layout.
            var signed = RecordCategories.All.FirstOrDefault(c => tx.Get("headerHash") == HeaderHash(header with { Category = c }));
            throw new MedLedgerVerificationException(signed is null
                ? $"The server sent {what}, whose header does not match its records.write anchor on the ledger."
                : r.HeaderVersion == 2
                    ? $"The server labels {what} as '{r.Category}', but its signed header says '{signed}'."
                    : $"The server presents {what} as a legacy v1 header, but its author signed header v2 (category '{signed}').");
        }
        var newest = r.Version;
        if (r.Latest is { } latest)
        {
            await VerifyReceiptAsync(latest, r.Proofs, ct);
            var ltx = latest.Transaction();
            if (ltx.Type != RecordWriteContract.TypeName || ltx.Get("recordId") != r.RecordId.ToString()
                || !int.TryParse(ltx.Get("version"), NumberStyles.None, CultureInfo.InvariantCulture, out var lv))
            {
                throw new MedLedgerVerificationException($"The server's newest anchor for record {r.RecordId} is not a records.write of that record.");
            }
            newest = Math.Max(newest, lv);
        }
        RememberVersion(r.RecordId, r.Version);
        return RememberVersion(r.RecordId, newest);
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
        if (sealedRecord.RecordId != recordId || (version is { } asked && sealedRecord.Version != asked))
        {
            throw new MedLedgerVerificationException($"Asked for record {recordId} version {version?.ToString(CultureInfo.InvariantCulture) ?? "latest"}, the server sent {sealedRecord.RecordId} version {sealedRecord.Version}.");
        }
        var newest = await CheckAnchorAsync(sealedRecord, ct);
        if (version is null && newest > sealedRecord.Version)
        {
            throw new MedLedgerVerificationException($"Rollback: the server sent version {sealedRecord.Version} of record {recordId} as the latest, but the ledger has version {newest}.");
        }
        var author = await AuthorKeyAsync(sealedRecord, ct);
        var plaintext = RecordCrypto.Open(sealedRecord.ToEnvelope(), keys.Encryption, author);
        return new DecryptedRecord(sealedRecord.RecordId, sealedRecord.Version, sealedRecord.PatientId, sealedRecord.AuthorId, sealedRecord.Category, sealedRecord.ContentType,
            DateTimeOffset.FromUnixTimeMilliseconds(sealedRecord.CreatedAtMs), plaintext, sealedRecord.LedgerTransactionId, newest);
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
