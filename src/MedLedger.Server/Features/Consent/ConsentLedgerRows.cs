using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Consent;

/// <summary>
/// What a grant's rows need that its consent.grant payload holds only as a hash or not at all: the scope items
/// (the ledger anchors their hash), the expiry as a time, and the grantee's wraps. Read from here rather than
/// the payload so the rows survive payloads that commit to these values instead of naming them.
/// </summary>
public sealed record GrantRows(Guid GranteeId, ConsentScopeKind Scope, IReadOnlyList<string> Items, string Purpose, byte[] PurposeSalt, DateTimeOffset? ExpiresAt, IReadOnlyList<GrantedWrap> Wraps);

/// <summary>A revocation needs nothing beyond its payload's grant id.</summary>
public sealed record RevokeRows;

/// <summary>Writes the rows of a committed consent.grant or consent.revoke (at once, or rolled forward after a crash).</summary>
public sealed class ConsentLedgerRows(MedLedgerDbContext db, RecordWraps recordWraps, TimeProvider clock) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [ConsentGrantContract.TypeName, ConsentRevokeContract.TypeName];

    public async Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var grantId = Guid.Parse(tx.Get("grantId")!);
        if (tx.Type == ConsentRevokeContract.TypeName)
        {
            // The ledger applied the grant before this revocation, and roll-forward writes in log order: the row is there.
            var grant = await db.Set<ConsentGrant>().FirstOrDefaultAsync(g => g.Id == grantId, ct);
            if (grant is not null && grant.RevokedAt is null)
            {
                grant.RevokedAt = clock.GetUtcNow();
                grant.RevokeTransactionId = tx.Id;
                grant.ConcurrencyStamp = Guid.NewGuid();
                await db.SaveChangesAsync(ct);
            }
            await recordWraps.RemoveForGrantsAsync([grantId], ct);
            return;
        }
        var r = JsonSerializer.Deserialize<GrantRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty grant rows");
        db.Set<ConsentGrant>().Add(new ConsentGrant
        {
            Id = grantId,
            PatientId = Guid.Parse(tx.Get("patientId")!),
            GranteeId = r.GranteeId,
            Scope = r.Scope,
            ScopeItems = string.Join(',', r.Items),
            Purpose = r.Purpose,
            PurposeSalt = r.PurposeSalt,
            ExpiresAt = r.ExpiresAt,
            AppointmentId = tx.Get("appointmentId") is { } appointmentId ? Guid.Parse(appointmentId) : null,
            CreatedAt = clock.GetUtcNow(),
            GrantTransactionId = tx.Id,
        });
        await recordWraps.AddForGrantAsync(grantId, r.GranteeId, r.Wraps, ct);
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>`ledger verify`: every committed grant has its row, every committed revocation its revoked row, and no row is ahead.</summary>
public sealed class ConsentLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [ConsentGrantContract.TypeName, ConsentRevokeContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var rows = await db.Set<ConsentGrant>().AsNoTracking()
            .Select(g => new { g.Id, g.PatientId, g.GranteeId, g.GrantTransactionId, g.RevokedAt, g.RevokeTransactionId }).ToDictionaryAsync(g => g.Id, ct);
        var granted = new Dictionary<Guid, string>();
        var revoked = new Dictionary<Guid, string>();
        foreach (var tx in committed)
        {
            if (Guid.TryParse(tx.Get("grantId"), out var id))
            {
                (tx.Type == ConsentGrantContract.TypeName ? granted : revoked)[id] = tx.Id;
            }
        }
        foreach (var (id, txId) in granted.OrderBy(g => g.Key))
        {
            if (!rows.TryGetValue(id, out var row))
            {
                findings.Add($"grant {id}: on the ledger ({txId}) but no row (missing)");
                continue;
            }
            var tx = committed.First(t => t.Id == txId);
            if (row.GrantTransactionId != txId || row.PatientId.ToString() != tx.Get("patientId") || (tx.Get("granteeId") is { } grantee && row.GranteeId.ToString() != grantee))
            {
                findings.Add($"grant {id}: the row names a different transaction, patient or grantee than the ledger's {txId}");
            }
            if (revoked.TryGetValue(id, out var revokeTx) && (row.RevokedAt is null || row.RevokeTransactionId != revokeTx))
            {
                findings.Add($"grant {id}: revoked on the ledger ({revokeTx}) but the row is {(row.RevokedAt is null ? "still active (behind)" : "revoked by another transaction")}");
            }
            if (!revoked.ContainsKey(id) && row.RevokedAt is not null)
            {
                findings.Add($"grant {id}: revoked in the row but not on the ledger (ahead)");
            }
        }
        foreach (var id in rows.Keys.Where(id => !granted.ContainsKey(id)).Order())
        {
            findings.Add($"grant {id}: a row the ledger never committed (ahead)");
        }
    }
}
