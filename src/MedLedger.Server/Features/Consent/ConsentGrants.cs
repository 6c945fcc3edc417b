using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Consent;

/// <summary>A grant that has not been revoked, as other features see it: who may read what of whose, until when.</summary>
public sealed record ActiveGrant(Guid Id, Guid PatientId, Guid GranteeId, ConsentScopeKind Scope, IReadOnlyList<string> Items, DateTimeOffset? ExpiresAt, string GrantTransactionId,
    Guid? AppointmentId = null)
{
    public bool IsActive(DateTimeOffset now) => ExpiresAt is null || ExpiresAt > now;

    /// <summary>Does the scope reach this record? All; listed categories; or listed record ids.</summary>
    public bool Covers(Guid recordId, string category) => Covers(Scope, Items, recordId, category);

    public static bool Covers(ConsentScopeKind scope, IReadOnlyList<string> items, Guid recordId, string category) => scope switch
    {
        ConsentScopeKind.All => true,
        ConsentScopeKind.Categories => items.Contains(category, StringComparer.Ordinal),
        ConsentScopeKind.Records => items.Contains(recordId.ToString(), StringComparer.Ordinal),
        _ => false,
    };
}

/// <summary>
/// The Consent feature's read side: the unrevoked grants the record rules consult. An appointment-scoped grant counts
/// only while the ledger holds its appointment as not cancelled and not a no-show: cancelling ends it at once, with no
/// transaction of the patient's needed (its expiry, at most two hours after the end, ends it otherwise).
/// </summary>
public sealed class ConsentGrants(MedLedgerDbContext db, LedgerGateway ledger)
{
    /// <summary>Unrevoked grants to <paramref name="granteeId"/> from any of <paramref name="patientIds"/>.</summary>
    public async Task<IReadOnlyList<ActiveGrant>> ToGranteeAsync(Guid granteeId, IReadOnlyCollection<Guid> patientIds, CancellationToken ct) =>
        await WithoutEndedAppointmentsAsync(await db.Set<ConsentGrant>().AsNoTracking()
            .Where(g => g.GranteeId == granteeId && g.RevokedAt == null && patientIds.Contains(g.PatientId)).ToListAsync(ct), ct);

    /// <summary>Every unrevoked grant the patient made.</summary>
    public async Task<IReadOnlyList<ActiveGrant>> OfPatientAsync(Guid patientId, CancellationToken ct)
    {
        var rows = new List<ConsentGrant>();
        await foreach (var g in UnrevokedOfPatient(db, patientId).WithCancellation(ct))
        {
            rows.Add(g);
        }
        return await WithoutEndedAppointmentsAsync(rows, ct);
    }

    // Every record write asks this (its reader list): compiled once per EF model, so EF does not hash the expression tree per call.
    private static readonly PerModel<Func<MedLedgerDbContext, Guid, IAsyncEnumerable<ConsentGrant>>> UnrevokedOfPatientPerModel = new(() =>
        EF.CompileAsyncQuery((MedLedgerDbContext db, Guid patientId) =>
            db.Set<ConsentGrant>().AsNoTracking().Where(g => g.PatientId == patientId && g.RevokedAt == null)));

    private static IAsyncEnumerable<ConsentGrant> UnrevokedOfPatient(MedLedgerDbContext db, Guid patientId) => UnrevokedOfPatientPerModel.For(db)(db, patientId);

    /// <summary>Whether an appointment-scoped grant's appointment was cancelled or marked no-show (ledger state).</summary>
    public async Task<bool> AppointmentEndedAsync(Guid appointmentId, CancellationToken ct) =>
        await ledger.Peer.Queries.GetStateAsync(AppointmentKeys.Status(appointmentId.ToString()), ct) is AppointmentStates.Cancelled or AppointmentStates.NoShow;

    private async Task<IReadOnlyList<ActiveGrant>> WithoutEndedAppointmentsAsync(List<ConsentGrant> rows, CancellationToken ct)
    {
        var result = new List<ActiveGrant>(rows.Count);
        foreach (var g in rows)
        {
            if (g.AppointmentId is not { } appointmentId || !await AppointmentEndedAsync(appointmentId, ct))
            {
                result.Add(g.ToActiveGrant());
            }
        }
        return result;
    }

    /// <summary>
    /// Of these grants, the ones still active (unrevoked, unexpired), decided inside the caller's open transaction and
    /// held there until it ends: a revocation that has committed is seen, and one that has not waits for the caller's
    /// commit (and then deletes what the caller stored for the grant). Records uses it to store a version's wraps.
    /// </summary>
    public async Task<IReadOnlySet<Guid>> HoldActiveAsync(IReadOnlyCollection<Guid> grantIds, DateTimeOffset now, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("HoldActiveAsync decides inside the caller's transaction; begin one first.");
        }
        // A write that changes nothing takes the row locks (PostgreSQL) or the database write lock (SQLite) that a
        // revocation's UPDATE needs, so revoking cannot commit between this check and the caller's commit.
        await db.Set<ConsentGrant>().Where(g => grantIds.Contains(g.Id) && g.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(g => g.ConcurrencyStamp, g => g.ConcurrencyStamp), ct);
        return (await db.Set<ConsentGrant>().AsNoTracking()
            .Where(g => grantIds.Contains(g.Id) && g.RevokedAt == null && (g.ExpiresAt == null || g.ExpiresAt > now))
            .Select(g => g.Id).ToListAsync(ct)).ToHashSet();
    }

    /// <summary>Ids of grants that have expired but were never revoked (their wraps are swept).</summary>
    public async Task<IReadOnlyList<Guid>> ExpiredAsync(DateTimeOffset now, CancellationToken ct) =>
        await db.Set<ConsentGrant>().Where(g => g.RevokedAt == null && g.ExpiresAt != null && g.ExpiresAt <= now).Select(g => g.Id).ToListAsync(ct);
}
