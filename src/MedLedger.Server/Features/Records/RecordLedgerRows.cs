using System.Globalization;
using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Consent;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Records;

/// <summary>
/// What a version's rows need beyond its records.write payload (which holds record, patient, version, author and the
/// ciphertext and header hashes): the envelope's cleartext parts and the wraps, as the request carried them.
/// </summary>
public sealed record RecordVersionRows(string Category, string ContentType, long CreatedAtMs, byte[] Nonce, byte[] KeyCommitment, byte[] Signature,
    long CiphertextLength, IReadOnlyList<RecordWrapRow> Wraps);

public sealed record RecordWrapRow(Guid ReaderId, string ReaderKeyId, byte[] Enc, byte[] WrappedKey, Guid? GrantId);

/// <summary>Writes a committed records.write version's rows (at once, or rolled forward after a crash).</summary>
public sealed class RecordLedgerRows(MedLedgerDbContext db, ConsentGrants consent, TimeProvider clock) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [RecordWriteContract.TypeName];

    public async Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<RecordVersionRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty record rows");
        var recordId = Guid.Parse(tx.Get("recordId")!);
        var patientId = Guid.Parse(tx.Get("patientId")!);
        var version = int.Parse(tx.Get("version")!, CultureInfo.InvariantCulture);
        var now = clock.GetUtcNow();

        // The readers were checked before the ledger step, and a revocation may have committed since. Check again here,
        // holding the grants: a revocation lands either before (its reader's wrap is dropped) or after this commit (its own
        // clean-up then deletes the wrap). The version itself stays: it is anchored, and patient and author can read it.
        var wraps = r.Wraps.ToList();
        var granted = wraps.Where(w => w.GrantId is not null).Select(w => w.GrantId!.Value).Distinct().ToList();
        if (granted.Count > 0)
        {
            var active = await consent.HoldActiveAsync(granted, now, ct);
            wraps.RemoveAll(w => w.GrantId is { } g && !active.Contains(g));
        }
        // Version 1 is a new record: the ledger committed no earlier version, and rows are written once per version (the
        // pending-write claim), so there is no row to look for — one SELECT less on every new record.
        var record = version == 1 ? null : await db.Set<MedicalRecord>().FirstOrDefaultAsync(x => x.Id == recordId, ct);
        if (record is null)
        {
            record = new MedicalRecord { Id = recordId, PatientId = patientId, Category = r.Category, CreatedAt = now };
            db.Set<MedicalRecord>().Add(record);
        }
        // The ledger refuses any version but the next, so rows applied in log order only ever move forward.
        record.LatestVersion = Math.Max(record.LatestVersion, version);
        record.UpdatedAt = now;
        record.ConcurrencyStamp = Guid.NewGuid();
        db.Set<RecordVersion>().Add(new RecordVersion
        {
            RecordId = recordId,
            Version = version,
            AuthorId = Guid.Parse(tx.ActorId),
            ContentType = r.ContentType,
            CreatedAtMs = r.CreatedAtMs,
            Nonce = r.Nonce,
            KeyCommitment = r.KeyCommitment,
            Signature = r.Signature,
            CiphertextHash = tx.Get("ciphertextHash")!,
            CiphertextLength = r.CiphertextLength,
            HeaderHash = tx.Get("headerHash")!,
            LedgerTransactionId = tx.Id,
            StoredAt = now,
        });
        db.Set<RecordWrap>().AddRange(wraps.Select(w => new RecordWrap
        {
            RecordId = recordId, Version = version, ReaderId = w.ReaderId, ReaderKeyId = w.ReaderKeyId, Enc = w.Enc, WrappedKey = w.WrappedKey, GrantId = w.GrantId,
        }));
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>`ledger verify`: every committed version has its row with the anchored hashes, and no record is ahead of or behind the ledger.</summary>
public sealed class RecordLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [RecordWriteContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var rows = (await db.Set<RecordVersion>().AsNoTracking()
                .Select(v => new { v.RecordId, v.Version, v.CiphertextHash, v.HeaderHash, v.LedgerTransactionId }).ToListAsync(ct))
            .ToDictionary(v => (v.RecordId, v.Version));
        var records = await db.Set<MedicalRecord>().AsNoTracking().ToDictionaryAsync(r => r.Id, r => new { r.PatientId, r.LatestVersion }, ct);
        var ledgerLatest = new Dictionary<Guid, int>();
        var onLedger = new HashSet<(Guid, int)>();
        foreach (var tx in committed)
        {
            if (!Guid.TryParse(tx.Get("recordId"), out var recordId) || !int.TryParse(tx.Get("version"), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                continue;
            }
            onLedger.Add((recordId, version));
            ledgerLatest[recordId] = Math.Max(ledgerLatest.GetValueOrDefault(recordId), version);
            if (!rows.TryGetValue((recordId, version), out var row))
            {
                findings.Add($"record {recordId} version {version}: on the ledger ({tx.Id}) but no row (missing)");
                continue;
            }
            if (row.CiphertextHash != tx.Get("ciphertextHash") || row.HeaderHash != tx.Get("headerHash"))
            {
                findings.Add($"record {recordId} version {version}: the row's ciphertext or header hash differs from the ledger's ({tx.Id}) (different hash)");
            }
            else if (row.LedgerTransactionId != tx.Id)
            {
                findings.Add($"record {recordId} version {version}: the row names transaction {row.LedgerTransactionId}, the ledger committed {tx.Id}");
            }
            if (records.TryGetValue(recordId, out var rec) && rec.PatientId.ToString() != tx.Get("patientId"))
            {
                findings.Add($"record {recordId}: the row's patient differs from the ledger's");
            }
        }
        foreach (var key in rows.Keys.Where(k => !onLedger.Contains(k)).Order())
        {
            findings.Add($"record {key.RecordId} version {key.Version}: a row the ledger never committed (ahead)");
        }
        foreach (var (id, rec) in records.OrderBy(r => r.Key))
        {
            var latest = ledgerLatest.GetValueOrDefault(id);
            if (rec.LatestVersion > latest)
            {
                findings.Add($"record {id}: at version {rec.LatestVersion}, the ledger at {latest} (ahead)");
            }
            else if (rec.LatestVersion < latest)
            {
                findings.Add($"record {id}: at version {rec.LatestVersion}, the ledger at {latest} (behind)");
            }
        }
        foreach (var id in ledgerLatest.Keys.Where(id => !records.ContainsKey(id)).Order())
        {
            findings.Add($"record {id}: on the ledger at version {ledgerLatest[id]} but no record row (missing)");
        }
    }
}
