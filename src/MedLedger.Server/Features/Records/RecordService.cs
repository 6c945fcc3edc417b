using System.Security.Cryptography;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Consent;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Blobs;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.Auth;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Records;

/// <summary>
/// Stores and serves sealed record versions. The server checks what it can without keys — the
/// author's signature over header and ciphertext hash, the ledger anchor, who the wraps are for —
/// and never sees a data key or plaintext.
/// </summary>
public sealed class RecordService(
    MedLedgerDbContext db,
    RecordAccess access,
    LedgerGateway ledger,
    IBlobStore blobs,
    TimeProvider clock,
    ConsentGrants consent,
    AccountDirectory accounts,
    SealedVersionReader sealedVersions,
    LedgerRollForward rollForward,
    SqliteReadConnections sqliteReads)
{
    /// <summary>Files up to 20 MiB of plaintext; AES-GCM adds a 16-byte tag.</summary>
    public const long MaxPlaintextBytes = 20L * 1024 * 1024;
    public const long MaxCiphertextBytes = MaxPlaintextBytes + 16;
    /// <summary>Room for everything in an upload but the ciphertext (wraps, transaction, fields).</summary>
    public const int MaxMetadataBytes = 256 * 1024;
    /// <summary>Base64 of the largest ciphertext plus room for metadata (the JSON form; the binary form needs less).</summary>
    public const long MaxUploadBodyBytes = (MaxCiphertextBytes + 2) / 3 * 4 + MaxMetadataBytes;


    /// <summary>The JSON form: the ciphertext arrives inside the body (base64), hashed once here.</summary>
    public Task<RecordVersionResponse> WriteAsync(Caller caller, Guid recordId, RecordUpload u, CancellationToken ct, long? viewSize = null)
    {
        var ciphertext = u.Ciphertext ?? [];
        var hash = BlobHash.Of(ciphertext);
        var m = new RecordUploadMetadata(u.Version, u.PatientId, u.Category, u.ContentType, u.CreatedAtMs, u.Nonce, u.KeyCommitment, u.Signature,
            ciphertext.Length, hash, u.Wraps, u.Transaction, u.HeaderVersion, u.ReadersFingerprint);
        return WriteVersionAsync(caller, recordId, m, async c => await blobs.PutHashedAsync(ciphertext, hash, c), ct, viewSize);
    }

    /// <summary>
    /// The binary form (docs/records-upload.md): everything is checked against the declared hash and length before the
    /// ciphertext is read; then it is streamed to the blob store and hashed on the way, and stored only if it matches.
    /// </summary>
    public Task<RecordVersionResponse> WriteStreamedAsync(Caller caller, Guid recordId, RecordUploadMetadata m, Stream ciphertext, CancellationToken ct, long? viewSize = null)
    {
        if (!BlobHash.IsValid(m.CiphertextHash))
        {
            throw ProblemException.Invalid("ciphertextHash", "ciphertextHash must be the lowercase hex SHA-256 of the ciphertext (64 characters).");
        }
        return WriteVersionAsync(caller, recordId, m, async c =>
        {
            switch (await blobs.PutStreamedAsync(ciphertext, m.CiphertextLength, m.CiphertextHash, c))
            {
                case StreamedBlob.Stored:
                    return;
                case StreamedBlob.Truncated:
                    throw new ProblemException(400, "truncated-body", "Truncated body", $"The body ended before the {m.CiphertextLength} ciphertext bytes the metadata declares; nothing was stored.");
                case StreamedBlob.TooLong:
                    throw new ProblemException(400, "body-too-long", "Body longer than declared", $"The body goes on past the {m.CiphertextLength} ciphertext bytes the metadata declares; nothing was stored.");
                default:
                    throw new ProblemException(422, "ciphertext-hash-mismatch", "Ciphertext does not match its hash",
                        "The ciphertext's SHA-256 differs from ciphertextHash (which the signature and the records.write transaction cover); nothing was stored.");
            }
        }, ct, viewSize);
    }

    /// <summary>
    /// Both forms: every check that needs no ciphertext bytes runs on the declared hash and length first, then
    /// <paramref name="storeCiphertext"/> (which refuses bytes that do not match), then the ledger anchor and the rows.
    /// </summary>
    private async Task<RecordVersionResponse> WriteVersionAsync(Caller caller, Guid recordId, RecordUploadMetadata u, Func<CancellationToken, Task> storeCiphertext,
        CancellationToken ct, long? viewSize)
    {
        var v = new Validator();
        v.Require(recordId != Guid.Empty, "recordId", "recordId must be a UUID chosen by the client.");
        v.Require(u.Version >= 1, "version", "version starts at 1.");
        v.Require(RecordCategories.IsKnown(u.Category ?? ""), "category", "category must be a FHIR resource type MedLedger knows, or File.");
        v.RequireText(u.ContentType, "contentType", 128);
        v.Require(u.Nonce is { Length: 12 }, "nonce", "nonce must be 12 bytes.");
        v.Require(u.KeyCommitment is { Length: 32 }, "keyCommitment", "keyCommitment must be 32 bytes.");
        v.Require(u.Signature is { Length: 64 }, "signature", "signature must be 64 bytes (P-256 r||s).");
        v.Require(u.CiphertextLength >= 16, "ciphertext", "ciphertext is required (at least the 16-byte AES-GCM tag).");
        v.Require(u.Wraps is { Count: > 0 and <= 256 }, "wraps", "between 1 and 256 wraps are required.");
        v.Require(u.HeaderVersion == 2, "headerVersion", "headerVersion must be 2: new versions are sealed with the record envelope header v2, which binds the category.");
        v.ThrowIfInvalid();
        if (u.CiphertextLength > MaxCiphertextBytes)
        {
            throw ProblemException.TooLarge($"Records are limited to {MaxPlaintextBytes / (1024 * 1024)} MiB.");
        }
        var refusal = await access.WriteRefusalAsync(caller, u.PatientId, ct);
        if (refusal is not null)
        {
            throw await access.RefuseAsync(caller, recordId, u.PatientId, refusal, ct);
        }
        var existing = await RecordQueries.For(db).Record(db, recordId, ct);
        if ((existing?.LatestVersion ?? 0) + 1 != u.Version && await rollForward.CatchUpAsync(atStart: false, ct) > 0)
        {
            // The ledger may be ahead of rows a crash left behind: look again after rolling forward.
            existing = await RecordQueries.For(db).Record(db, recordId, ct);
        }
        if (existing is not null && existing.PatientId != u.PatientId)
        {
            throw await access.RefuseAsync(caller, recordId, u.PatientId, "not-own-record", ct);
        }
        if ((existing?.LatestVersion ?? 0) + 1 != u.Version)
        {
            throw ProblemException.Conflict($"The record is at version {existing?.LatestVersion ?? 0}; write version {(existing?.LatestVersion ?? 0) + 1} (someone else may have written first).");
        }
        if (existing is not null && await db.Set<RecordVersion>().AsNoTracking().Where(x => x.RecordId == recordId && x.Version == 1)
                .Select(x => x.AuthorId).FirstOrDefaultAsync(ct) is var firstAuthor && firstAuthor != caller.Id)
        {
            // Only the author writes the next version; anyone else adds a record that points at this one (an amendment request).
            throw ProblemException.Forbidden($"Only the record's author ({firstAuthor}) writes its next version.");
        }
        if (existing is not null && existing.Category != u.Category)
        {
            throw ProblemException.Invalid("category", "A new version keeps the record's category.");
        }

        // The author's signature must verify with the author's registered key: the server cannot forge or alter records.
        // Header v2 binds the category, so the label stored for listing and consent is the one the author signed.
        var header = new RecordHeader(recordId.ToString(), u.Version, u.PatientId.ToString(), caller.Id.ToString(), u.ContentType, u.CreatedAtMs, u.Category);
        var author = await ledger.Peer.Queries.GetRegisteredKeysAsync(caller.Id.ToString(), ct) ?? throw ProblemException.Conflict("Your keys are not registered on the ledger.");
        var wrapsForEnvelope = u.Wraps.Select(w => new KeyWrap(w.ReaderKeyId, w.Enc, w.WrappedKey)).ToList();
        try
        {
            // The envelope's own format checks, without the ciphertext (which may not have arrived yet).
            header.Validate();
            RecordEnvelope.CheckWraps(wrapsForEnvelope);
        }
        catch (CryptoFormatException e)
        {
            throw ProblemException.Invalid("wraps", e.Message);
        }
        var ciphertextHashBytes = Convert.FromHexString(u.CiphertextHash);
        if (!RecordCrypto.VerifySignature(header, u.Nonce, u.KeyCommitment, ciphertextHashBytes, u.Signature, author.SigningPublicKey))
        {
            if (SignedCategory(header, u, ciphertextHashBytes, author.SigningPublicKey) is { } signed)
            {
                throw ProblemException.Invalid("category", $"The label '{u.Category}' disagrees with the category the author signed in the header ('{signed}').");
            }
            throw new ProblemException(422, "bad-signature", "Signature does not verify", "The author's signature over the record header and ciphertext does not verify with the author's registered key.");
        }
        var ciphertextHash = u.CiphertextHash;
        var headerHash = Convert.ToHexStringLower(SHA256.HashData(header.ToCanonicalBytes()));

        // Wraps only for the patient, the author and active grantees covering this record: never for a revoked reader.
        var record = existing ?? new MedicalRecord { Id = recordId, PatientId = u.PatientId, Category = u.Category!, CreatedAt = clock.GetUtcNow() };
        // Receipts are for the writer's own checks (GET readers); here only who, which key and which grant matter.
        var readerList = await ReadersAsync(record, caller.Id, ct, withReceipts: false);
        if (u.ReadersFingerprint is { } reused && reused != ReadersFingerprint(ForWriter(caller, u.PatientId, readerList)))
        {
            // The writer reused a reader list that is out of date (a grant given, revoked or replaced, a key rotated).
            throw new ProblemException(409, "readers-changed", "The record's readers changed",
                "Someone gained or lost access to this record since the writer fetched its reader list: fetch GET /api/records/readers again, wrap for that list and retry.");
        }
        var readers = readerList.ToDictionary(r => r.UserId);
        var wraps = new List<RecordWrap>();
        foreach (var w in u.Wraps)
        {
            if (!readers.TryGetValue(w.ReaderId, out var reader))
            {
                throw ProblemException.Forbidden($"User {w.ReaderId} may not be given a key to this record (no active consent covers it).");
            }
            if (w.ReaderKeyId != KeyFingerprints.EncryptionKeyId(reader.EncryptionPublicKey))
            {
                throw ProblemException.Invalid("wraps", $"The wrap for {w.ReaderId} is not for that reader's registered encryption key.");
            }
            wraps.Add(new RecordWrap { RecordId = recordId, Version = u.Version, ReaderId = w.ReaderId, ReaderKeyId = w.ReaderKeyId, Enc = w.Enc, WrappedKey = w.WrappedKey, GrantId = reader.GrantId });
        }
        if (!wraps.Any(w => w.ReaderId == u.PatientId) || !wraps.Any(w => w.ReaderId == caller.Id))
        {
            throw ProblemException.Invalid("wraps", "A version must be wrapped for the patient and for its author.");
        }

        var tx = LedgerGateway.Expect(u.Transaction, RecordWriteContract.TypeName, caller.Id);
        var tv = new Validator();
        if (caller.Role == Role.Pharmacist)
        {
            // The one record a pharmacist writes: a fill's MedicationDispense, new, naming the fill (whose pharmacist the contract checks).
            tv.Require(u.Category == RecordCategories.MedicationDispense && u.Version == 1 && tx.Get("prescriptionId") is not null && tx.Get("fillNumber") is not null,
                "transaction", "A pharmacist writes only a new MedicationDispense record naming the prescription and fill it dispensed (prescriptionId, fillNumber).");
        }
        tv.Require(tx.Get("recordId") == recordId.ToString() && tx.Get("patientId") == u.PatientId.ToString()
            && tx.Get("version") == u.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), "transaction", "The records.write transaction names a different record, patient or version.");
        tv.Require(tx.Get("ciphertextHash") == ciphertextHash, "transaction", "The records.write transaction anchors a different ciphertext hash.");
        tv.Require(tx.Get("headerHash") == headerHash, "transaction", "The records.write transaction anchors a different header hash.");
        tv.ThrowIfInvalid();

        // Blob first (content-addressed, idempotent), then the ledger anchor, then the rows that serve it: the rows are
        // recorded as a pending write first, so a crash after the commit is rolled forward (RecordLedgerRows).
        await storeCiphertext(ct);
        var receipt = await rollForward.SubmitAsync(tx, new RecordVersionRows(record.Category, u.ContentType, u.CreatedAtMs, u.Nonce, u.KeyCommitment, u.Signature,
            u.CiphertextLength, wraps.Select(w => new RecordWrapRow(w.ReaderId, w.ReaderKeyId, w.Enc, w.WrappedKey, w.GrantId)).ToList()), ct);
        return new RecordVersionResponse(recordId, u.Version, u.PatientId, caller.Id, record.Category, u.ContentType, u.CreatedAtMs, ciphertextHash, u.CiphertextLength, receipt.TransactionId, receipt,
            await LedgerViewProofs.ForAsync(ledger.Peer, viewSize, ct, receipt));
    }

    /// <summary>The fingerprint a writer computes over the list <see cref="ReadersForNewVersionAsync"/> gave it.</summary>
    public static string ReadersFingerprint(IEnumerable<ReaderResponse> readers) =>
        RecordReaderSet.Fingerprint(readers.Select(r => (r.UserId, KeyFingerprints.EncryptionKeyId(r.EncryptionPublicKey), r.GrantId)));

    /// <summary>
    /// The part of the reader list a writer is shown. A doctor sees only the grants that concern them: the patient's other
    /// grantees (who else they share with) are not the doctor's business, so the doctor's version is wrapped for the patient
    /// and the doctor. A pharmacist's dispense record likewise goes to the patient and the pharmacist only.
    /// </summary>
    private static IReadOnlyList<ReaderResponse> ForWriter(Caller caller, Guid patientId, IReadOnlyList<ReaderResponse> readers) =>
        caller.Role is Role.Doctor or Role.Pharmacist ? readers.Where(r => r.UserId == patientId || r.UserId == caller.Id).ToList() : readers;

    /// <summary>The other known category under which a v2 header's signature verifies (a mislabelled upload), or null.</summary>
    private static string? SignedCategory(RecordHeader header, RecordUploadMetadata u, byte[] ciphertextHash, byte[] authorSigningPublicKey) =>
        RecordCategories.All.Where(c => c != header.Category).FirstOrDefault(c =>
            RecordCrypto.VerifySignature(header with { Category = c }, u.Nonce, u.KeyCommitment, ciphertextHash, u.Signature, authorSigningPublicKey));

    /// <summary>Readers a version of this record must be wrapped for: the patient, the author, and active grantees it may reach.</summary>
    public async Task<IReadOnlyList<ReaderResponse>> ReadersAsync(MedicalRecord record, Guid authorId, CancellationToken ct, bool withReceipts = true)
    {
        var now = clock.GetUtcNow();
        var grants = (await consent.OfPatientAsync(record.PatientId, ct)).Where(g => g.IsActive(now) && g.Covers(record.Id, record.Category)).ToList();
        var ids = grants.Select(g => g.GranteeId).Append(record.PatientId).Append(authorId).Distinct().ToList();
        var users = await accounts.ActiveKeysAsync(ids, ct);
        var result = new List<ReaderResponse>();
        foreach (var u in users)
        {
            var grant = grants.FirstOrDefault(g => g.GranteeId == u.Id);
            if (u.Id != record.PatientId && u.Id != authorId)
            {
                // Consent alone is not enough for every role: apply the same rules as reading.
                var (_, refusal) = await access.ReadDecisionAsync(new Caller(u.Id, u.Role, u.OrganizationId), record, ct);
                if (refusal is not null)
                {
                    continue;
                }
            }
            if (u.Id == record.PatientId || u.Id == authorId || grant is null)
            {
                result.Add(new ReaderResponse(u.Id, u.Role, u.EncryptionPublicKey, u.SigningPublicKey, null));
                continue;
            }
            var receipt = withReceipts ? await ledger.Peer.Queries.GetReceiptAsync(grant.GrantTransactionId, ct) : null;
            result.Add(new ReaderResponse(u.Id, u.Role, u.EncryptionPublicKey, u.SigningPublicKey, grant.Id,
                grant.Scope.ToString().ToLowerInvariant(), grant.Items, receipt));
        }
        return result;
    }

    public async Task<IReadOnlyList<ReaderResponse>> ReadersForNewVersionAsync(Caller caller, Guid patientId, Guid? recordId, string category, CancellationToken ct)
    {
        if (!RecordCategories.IsKnown(category ?? ""))
        {
            throw ProblemException.Invalid("category", "category must be a FHIR resource type MedLedger knows, or File.");
        }
        var refusal = await access.WriteRefusalAsync(caller, patientId, ct);
        if (refusal is not null)
        {
            throw await access.RefuseAsync(caller, recordId, patientId, refusal, ct);
        }
        var record = recordId is { } id ? await RecordQueries.For(db).Record(db, id, ct) : null;
        if (record is not null && record.PatientId != patientId)
        {
            throw ProblemException.NotFound($"Record {recordId}");
        }
        record ??= new MedicalRecord { Id = recordId ?? Guid.NewGuid(), PatientId = patientId, Category = category! };
        return ForWriter(caller, patientId, await ReadersAsync(record, caller.Id, ct));
    }

    public async Task<SealedRecordResponse> ReadAsync(Caller caller, Guid recordId, int? version, CancellationToken ct, long? viewSize = null)
    {
        var queries = RecordQueries.For(db);
        // One statement finds everything a read serves; the access decision is still taken before any of it is used.
        // On SQLite, a prepared statement on a read connection; inside a transaction EF's connection, which sees its writes.
        var found = sqliteReads.Enabled && db.Database.CurrentTransaction is null
            ? RecordQueries.ReadSqlite(sqliteReads, recordId, version, caller.Id)
            : await queries.Read(db, recordId, version, caller.Id, ct);
        var record = found?.Record ?? await queries.Record(db, recordId, ct)
            ?? throw ProblemException.NotFound($"Record {recordId}");
        var (_, refusal) = await access.ReadDecisionAsync(caller, record, ct);
        if (refusal is not null)
        {
            throw await access.RefuseAsync(caller, recordId, record.PatientId, refusal, ct);
        }
        var v = version ?? record.LatestVersion;
        if (found is null)
        {
            throw ProblemException.NotFound($"Version {v} of record {recordId}");
        }
        if (found.Wrap is not { } wrap)
        {
            // Consent exists but this version was never wrapped for the caller (e.g. written before the grant, or after a revocation).
            throw await access.RefuseAsync(caller, recordId, record.PatientId, "no-consent", ct);
        }
        var sealedVersion = await sealedVersions.BuildAsync(found.Version, record.PatientId, record.Category,
            new WrapDto(wrap.ReaderId, wrap.ReaderKeyId, wrap.Enc, wrap.WrappedKey), ct, found.NewestTransactionId);
        if (caller.Id != record.PatientId)
        {
            await ledger.SubmitSystemEventAsync(RecordReadContract.TypeName, new Dictionary<string, string>
            {
                ["readerId"] = caller.Id.ToString(),
                ["recordId"] = recordId.ToString(),
                ["patientId"] = record.PatientId.ToString(),
                ["version"] = v.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }, ct);
        }
        return sealedVersion with { Proofs = await LedgerViewProofs.ForAsync(ledger.Peer, viewSize, ct, sealedVersion.Anchor, sealedVersion.Latest) };
    }

    public async Task<IReadOnlyList<RecordListItem>> ListAsync(Caller caller, Guid? patientId, string? category, DateTimeOffset? from, DateTimeOffset? to, Guid? author, CancellationToken ct)
    {
        if (category is not null && !RecordCategories.IsKnown(category))
        {
            throw ProblemException.Invalid("category", "Unknown category.");
        }
        if (from is { } f && to is { } t && f > t)
        {
            throw ProblemException.Invalid("from", "from must not be after to.");
        }
        IQueryable<MedicalRecord> q = db.Set<MedicalRecord>().AsNoTracking();
        if (caller.Role == Role.Patient)
        {
            if (patientId is { } p && p != caller.Id)
            {
                throw await access.RefuseAsync(caller, null, p, "not-own-record", ct);
            }
            q = q.Where(r => r.PatientId == caller.Id);
        }
        else if (patientId is { } p)
        {
            if (caller.Role == Role.Doctor && !await access.IsAssignedAsync(caller.Id, p, ct))
            {
                throw await access.RefuseAsync(caller, null, p, "not-assigned", ct);
            }
            q = q.Where(r => r.PatientId == p);
        }
        else
        {
            // Without a patient: the records shared with the caller through wraps.
            var mine = db.Set<RecordWrap>().Where(w => w.ReaderId == caller.Id).Select(w => w.RecordId);
            q = q.Where(r => mine.Contains(r.Id));
        }
        if (category is not null)
        {
            q = q.Where(r => r.Category == category);
        }
        if (author is { } a)
        {
            q = q.Where(r => db.Set<RecordVersion>().Any(v => v.RecordId == r.Id && v.AuthorId == a));
        }
        var rows = from r in q
                   join v in db.Set<RecordVersion>() on new { r.Id, V = r.LatestVersion } equals new { Id = v.RecordId, V = v.Version }
                   select new { Record = r, v.AuthorId, v.ContentType, v.CreatedAtMs };
        if (from is { } fr)
        {
            var ms = fr.ToUnixTimeMilliseconds();
            rows = rows.Where(x => x.CreatedAtMs >= ms);
        }
        if (to is { } tt)
        {
            var ms = tt.ToUnixTimeMilliseconds();
            rows = rows.Where(x => x.CreatedAtMs <= ms);
        }
        var page = await rows.OrderByDescending(x => x.CreatedAtMs).Take(1000).ToListAsync(ct);
        // Everyone but the patient sees only what the read rules allow, decided for the whole page at once.
        var readable = caller.Role == Role.Patient ? null : await access.ReadableAsync(caller, page.Select(x => x.Record).ToList(), ct);
        return page.Where(x => readable is null || readable.Contains(x.Record.Id))
            .Select(x => new RecordListItem(x.Record.Id, x.Record.PatientId, x.Record.Category, x.Record.LatestVersion, x.AuthorId, x.ContentType, x.CreatedAtMs, x.Record.UpdatedAt.ToUnixTimeMilliseconds()))
            .ToList();
    }

    /// <summary>Versions of a record with the caller's wraps, for the patient's client re-wrapping when sharing.</summary>
    public async Task<IReadOnlyList<int>> VersionsAsync(Caller caller, Guid recordId, CancellationToken ct)
    {
        var record = await RecordQueries.For(db).Record(db, recordId, ct) ?? throw ProblemException.NotFound($"Record {recordId}");
        var (_, refusal) = await access.ReadDecisionAsync(caller, record, ct);
        if (refusal is not null)
        {
            throw await access.RefuseAsync(caller, recordId, record.PatientId, refusal, ct);
        }
        return await db.Set<RecordVersion>().Where(v => v.RecordId == recordId).OrderBy(v => v.Version).Select(v => v.Version).ToListAsync(ct);
    }
}
