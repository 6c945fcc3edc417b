using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Blobs;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Records;

/// <summary>
/// Builds the answer a reader gets for one sealed version — header parts, ciphertext from the blob store, one wrap and
/// the author's registered signing key — the one way both record reads and break-glass releases are served.
/// </summary>
public sealed class SealedVersionReader(MedLedgerDbContext db, IBlobStore blobs, AccountDirectory accounts, MedLedger.Server.Features.Ledger.LedgerGateway ledger)
{
    /// <summary>The version row, or null when the record has no such version.</summary>
    public async Task<SealedRecordResponse?> ReadAsync(Guid recordId, int version, WrapDto wrap, CancellationToken ct)
    {
        var found = await (from v in db.Set<RecordVersion>()
                           join r in db.Set<MedicalRecord>() on v.RecordId equals r.Id
                           where v.RecordId == recordId && v.Version == version
                           select new { Version = v, r.PatientId, r.Category }).AsNoTracking().FirstOrDefaultAsync(ct);
        return found is null ? null : await BuildAsync(found.Version, found.PatientId, found.Category, wrap, ct);
    }

    /// <summary>The answer for a version row the Records feature already holds (with the newest version's transaction when it has that too).</summary>
    internal async Task<SealedRecordResponse> BuildAsync(RecordVersion row, Guid patientId, string category, WrapDto wrap, CancellationToken ct,
        string? newestTransactionId = null)
    {
        var recordId = row.RecordId;
        var ciphertext = await blobs.GetAsync(row.CiphertextHash, ct)
            ?? throw new InvalidOperationException($"Blob {row.CiphertextHash} is missing; run `medledger ledger verify`.");
        var authorKey = await accounts.SigningKeyOfAsync(row.AuthorId, ct);
        // The receipts of this version's records.write and of the newest one: the reader checks the anchor and spots a rollback.
        var latestTx = newestTransactionId ?? await RecordQueries.For(db).LatestTransactionId(db, recordId, ct)
            ?? throw new InvalidOperationException($"Record {recordId} has a version row but no newest version.");
        var anchor = await ledger.Peer.Queries.GetReceiptAsync(row.LedgerTransactionId, ct);
        var latest = latestTx == row.LedgerTransactionId ? anchor : await ledger.Peer.Queries.GetReceiptAsync(latestTx, ct);
        // The anchored header hash tells which layout the author signed: v2 (binds this category) or a legacy v1 version.
        var v2Hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            new MedLedger.Crypto.RecordHeader(recordId.ToString(), row.Version, patientId.ToString(), row.AuthorId.ToString(), row.ContentType, row.CreatedAtMs, category).ToCanonicalBytes()));
        return new SealedRecordResponse(recordId, row.Version, patientId, row.AuthorId, category, row.ContentType, row.CreatedAtMs,
            row.Nonce, row.KeyCommitment, row.Signature, ciphertext, wrap, row.LedgerTransactionId, authorKey, anchor, latest,
            v2Hash == row.HeaderHash ? 2 : 1);
    }

    /// <summary>The category of one of the patient's records, or null when the patient has no such record.</summary>
    public Task<string?> CategoryOfAsync(Guid patientId, Guid recordId, CancellationToken ct) =>
        db.Set<MedicalRecord>().AsNoTracking().Where(r => r.Id == recordId && r.PatientId == patientId).Select(r => r.Category).FirstOrDefaultAsync(ct);

    public Task<bool> HasVersionAsync(Guid recordId, int version, CancellationToken ct) =>
        db.Set<RecordVersion>().AnyAsync(v => v.RecordId == recordId && v.Version == version, ct);
}
