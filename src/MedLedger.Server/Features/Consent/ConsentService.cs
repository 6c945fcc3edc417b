using System.Globalization;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.Messaging;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Consent;

public sealed record GrantWrapDto(Guid RecordId, int Version, string ReaderKeyId, byte[] Enc, byte[] WrappedKey);

public sealed record GrantRequest(Guid GrantId, Guid GranteeId, ConsentScopeKind Scope, IReadOnlyList<string>? Items, string Purpose, DateTimeOffset? ExpiresAt,
    SignedTransactionDto Transaction, IReadOnlyList<GrantWrapDto> Wraps);

public sealed record RevokeRequest(SignedTransactionDto Transaction);

public sealed record GrantResponse(Guid Id, Guid PatientId, Guid GranteeId, Role GranteeRole, ConsentScopeKind Scope, IReadOnlyList<string> Items, string Purpose,
    DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, bool Active, string GrantTransactionId, string? RevokeTransactionId);

/// <summary>Which record versions a grant must carry wraps for (the patient's client computes them).</summary>
public sealed record GrantPlanItem(Guid RecordId, int Version, string Category);

/// <summary>
/// Consent as the patient signs it: the grant commits on the ledger first; only then are the new
/// wraps stored. Revocation commits, then deletes the grant's wraps so nothing more is served.
/// </summary>
public sealed class ConsentService(MedLedgerDbContext db, LedgerGateway ledger, TimeProvider clock)
{
    public static readonly IReadOnlySet<string> Purposes = new HashSet<string>(StringComparer.Ordinal) { "treatment", "dispensing", "insurance-claim", "second-opinion", "research", "other" };

    /// <summary>The record versions a scope covers for this patient (what the client must wrap).</summary>
    public async Task<IReadOnlyList<GrantPlanItem>> PlanAsync(Guid patientId, ConsentScopeKind scope, IReadOnlyList<string> items, CancellationToken ct)
    {
        var probe = new ConsentGrant { PatientId = patientId, Scope = scope, ScopeItems = string.Join(',', items), Purpose = "plan", GrantTransactionId = "" };
        var records = await db.Set<MedicalRecord>().AsNoTracking().Where(r => r.PatientId == patientId).ToListAsync(ct);
        var covered = records.Where(r => probe.Covers(r.Id, r.Category)).ToDictionary(r => r.Id);
        var ids = covered.Keys.ToList();
        var versions = await db.Set<RecordVersion>().AsNoTracking().Where(v => ids.Contains(v.RecordId)).Select(v => new { v.RecordId, v.Version }).ToListAsync(ct);
        return versions.Select(v => new GrantPlanItem(v.RecordId, v.Version, covered[v.RecordId].Category)).OrderBy(v => v.RecordId).ThenBy(v => v.Version).ToList();
    }

    public async Task<GrantResponse> GrantAsync(Guid patientId, GrantRequest r, CancellationToken ct)
    {
        var items = (r.Items ?? []).Select(i => i.Trim()).Distinct(StringComparer.Ordinal).ToList();
        var v = new Validator();
        v.Require(r.GrantId != Guid.Empty, "grantId", "grantId must be a UUID chosen by the client.");
        v.Require(r.GranteeId != patientId, "granteeId", "You already hold your own records.");
        v.Require(Enum.IsDefined(r.Scope), "scope", "scope must be All, Categories or Records.");
        v.Require(r.Scope == ConsentScopeKind.All ? items.Count == 0 : items.Count is > 0 and <= 200, "items", "All takes no items; Categories and Records take 1 to 200.");
        v.Require(r.Scope != ConsentScopeKind.Categories || items.All(RecordService.IsKnownCategory), "items", "Unknown category.");
        v.Require(r.Scope != ConsentScopeKind.Records || items.All(i => Guid.TryParseExact(i, "D", out _)), "items", "Record items must be record ids.");
        v.Require(Purposes.Contains(r.Purpose ?? ""), "purpose", "purpose must be one of: " + string.Join(", ", Purposes.Order(StringComparer.Ordinal)));
        v.Require(r.ExpiresAt is null || r.ExpiresAt > clock.GetUtcNow(), "expiresAt", "expiresAt must be in the future.");
        v.Require(r.Wraps is not null && r.Wraps.Count <= 10_000, "wraps", "wraps are required (at most 10,000).");
        v.ThrowIfInvalid();

        var grantee = await (from u in db.Users join k in db.KeyBundles on u.Id equals k.UserId where u.Id == r.GranteeId select new { u.Role, u.Verification, u.Suspended, k.EncryptionPublicKey })
            .AsNoTracking().FirstOrDefaultAsync(ct) ?? throw ProblemException.NotFound($"User {r.GranteeId}");
        if (grantee.Role is not (Role.Doctor or Role.Pharmacist or Role.InsurerStaff) || grantee.Verification != VerificationStatus.Approved || grantee.Suspended)
        {
            throw ProblemException.Invalid("granteeId", "Consent goes to a verified doctor, pharmacist or insurer staff member.");
        }
        if (grantee.Role == Role.Pharmacist && !(r.Scope == ConsentScopeKind.Categories && items.SequenceEqual([RecordAccess.MedicationRequest])) && r.Scope != ConsentScopeKind.Records)
        {
            throw ProblemException.Invalid("scope", "A pharmacist can be given MedicationRequest records only (scope Categories [MedicationRequest] or listed prescriptions).");
        }
        var expiresMs = r.ExpiresAt?.ToUnixTimeMilliseconds() ?? 0;
        var scopeName = r.Scope.ToString().ToLowerInvariant();
        var tx = LedgerGateway.Expect(r.Transaction, ConsentGrantContract.TypeName, patientId);
        var tv = new Validator();
        tv.Require(tx.Get("grantId") == r.GrantId.ToString() && tx.Get("patientId") == patientId.ToString() && tx.Get("granteeId") == r.GranteeId.ToString(), "transaction", "The consent.grant transaction names a different grant, patient or grantee.");
        tv.Require(tx.Get("scope") == scopeName && tx.Get("scopeHash") == ConsentScopeHash.Compute(scopeName, items), "transaction", "The consent.grant transaction anchors a different scope.");
        tv.Require(tx.Get("purpose") == r.Purpose && tx.Get("expiresAtMs") == expiresMs.ToString(CultureInfo.InvariantCulture), "transaction", "The consent.grant transaction names a different purpose or expiry.");
        tv.ThrowIfInvalid();

        // Every covered version must come with a wrap for the grantee's registered key — and nothing else.
        var plan = await PlanAsync(patientId, r.Scope, items, ct);
        var keyId = KeyFingerprints.EncryptionKeyId(grantee.EncryptionPublicKey);
        var wrapsByVersion = new Dictionary<(Guid, int), GrantWrapDto>();
        foreach (var w in r.Wraps!)
        {
            if (!wrapsByVersion.TryAdd((w.RecordId, w.Version), w))
            {
                throw ProblemException.Invalid("wraps", $"Two wraps for record {w.RecordId} version {w.Version}.");
            }
            if (w.ReaderKeyId != keyId || w.Enc is not { Length: 65 } || w.WrappedKey is not { Length: 48 })
            {
                throw ProblemException.Invalid("wraps", "Each wrap must be for the grantee's registered encryption key (65-byte enc, 48-byte wrapped key).");
            }
        }
        var planned = plan.Select(p => (p.RecordId, p.Version)).ToHashSet();
        var outside = wrapsByVersion.Keys.FirstOrDefault(k => !planned.Contains(k));
        if (outside != default)
        {
            throw ProblemException.Invalid("wraps", $"Record {outside.Item1} version {outside.Item2} is not yours or not in the grant's scope.");
        }
        var missing = plan.FirstOrDefault(p => !wrapsByVersion.ContainsKey((p.RecordId, p.Version)));
        if (missing is not null)
        {
            throw ProblemException.Conflict($"The grant's scope covers record {missing.RecordId} version {missing.Version}, which has no wrap (a new version may have been written); fetch the plan again.");
        }

        var receipt = await ledger.SubmitAsync(tx, ct);
        var grant = new ConsentGrant
        {
            Id = r.GrantId,
            PatientId = patientId,
            GranteeId = r.GranteeId,
            Scope = r.Scope,
            ScopeItems = string.Join(',', items),
            Purpose = r.Purpose!,
            ExpiresAt = r.ExpiresAt,
            CreatedAt = clock.GetUtcNow(),
            GrantTransactionId = receipt.TransactionId,
        };
        db.Set<ConsentGrant>().Add(grant);
        // A grantee may already hold a wrap (e.g. as author, or via an earlier grant); keep that one. One query, not one per wrap.
        var recordIds = wrapsByVersion.Keys.Select(k => k.Item1).Distinct().ToList();
        var held = (await db.Set<RecordWrap>().AsNoTracking().Where(x => x.ReaderId == r.GranteeId && recordIds.Contains(x.RecordId))
            .Select(x => new { x.RecordId, x.Version }).ToListAsync(ct)).Select(x => (x.RecordId, x.Version)).ToHashSet();
        foreach (var w in wrapsByVersion.Values.Where(w => !held.Contains((w.RecordId, w.Version))))
        {
            db.Set<RecordWrap>().Add(new RecordWrap { RecordId = w.RecordId, Version = w.Version, ReaderId = r.GranteeId, ReaderKeyId = w.ReaderKeyId, Enc = w.Enc, WrappedKey = w.WrappedKey, GrantId = grant.Id });
        }
        await db.SaveChangesAsync(ct);
        return await ToResponseAsync(grant, ct);
    }

    public async Task<GrantResponse> RevokeAsync(Guid patientId, Guid grantId, RevokeRequest r, CancellationToken ct)
    {
        var grant = await db.Set<ConsentGrant>().FirstOrDefaultAsync(g => g.Id == grantId && g.PatientId == patientId, ct)
            ?? throw ProblemException.NotFound($"Grant {grantId}");
        if (grant.RevokedAt is not null)
        {
            throw ProblemException.Conflict("This grant is already revoked.");
        }
        var tx = LedgerGateway.Expect(r.Transaction, ConsentRevokeContract.TypeName, patientId);
        if (tx.Get("grantId") != grantId.ToString() || tx.Get("patientId") != patientId.ToString())
        {
            throw ProblemException.Invalid("transaction", "The consent.revoke transaction names a different grant.");
        }
        var receipt = await ledger.SubmitAsync(tx, ct);
        grant.RevokedAt = clock.GetUtcNow();
        grant.RevokeTransactionId = receipt.TransactionId;
        grant.ConcurrencyStamp = Guid.NewGuid();
        await db.SaveChangesAsync(ct);
        await db.Set<RecordWrap>().Where(w => w.GrantId == grantId).ExecuteDeleteAsync(ct);
        return await ToResponseAsync(grant, ct);
    }

    /// <summary>Deletes the wraps of grants that expired (the read path already refuses them).</summary>
    public async Task<int> SweepExpiredAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var expired = await db.Set<ConsentGrant>().Where(g => g.RevokedAt == null && g.ExpiresAt != null && g.ExpiresAt <= now).Select(g => g.Id).ToListAsync(ct);
        if (expired.Count == 0)
        {
            return 0;
        }
        return await db.Set<RecordWrap>().Where(w => w.GrantId != null && expired.Contains(w.GrantId.Value)).ExecuteDeleteAsync(ct);
    }

    public async Task<IReadOnlyList<GrantResponse>> ListAsync(Caller caller, CancellationToken ct)
    {
        var grants = await db.Set<ConsentGrant>().AsNoTracking()
            .Where(g => caller.Role == Role.Patient ? g.PatientId == caller.Id : g.GranteeId == caller.Id)
            .OrderByDescending(g => g.CreatedAt).Take(500).ToListAsync(ct);
        var result = new List<GrantResponse>();
        foreach (var g in grants)
        {
            result.Add(await ToResponseAsync(g, ct));
        }
        return result;
    }

    private async Task<GrantResponse> ToResponseAsync(ConsentGrant g, CancellationToken ct)
    {
        var role = await db.Users.AsNoTracking().Where(u => u.Id == g.GranteeId).Select(u => u.Role).FirstAsync(ct);
        return new GrantResponse(g.Id, g.PatientId, g.GranteeId, role, g.Scope, g.Items, g.Purpose, g.ExpiresAt, g.CreatedAt, g.RevokedAt, g.IsActive(clock.GetUtcNow()),
            g.GrantTransactionId, g.RevokeTransactionId);
    }
}

/// <summary>Periodically removes wraps of expired grants.</summary>
internal sealed class ConsentExpirySweep(IServiceScopeFactory scopes, ILogger<ConsentExpirySweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var removed = await scope.ServiceProvider.GetRequiredService<ConsentService>().SweepExpiredAsync(stoppingToken);
                if (removed > 0)
                {
                    logger.LogInformation("Removed {Count} wraps of expired consent grants", removed);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Consent expiry sweep failed: {Type}", e.GetType().Name);
            }
        }
    }
}
