using System.Globalization;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.Messaging;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Consent;

/// <summary>
/// Consent as the patient signs it: the grant commits on the ledger first; only then are the new
/// wraps stored. Revocation commits, then deletes the grant's wraps so nothing more is served.
/// </summary>
public sealed class ConsentService(MedLedgerDbContext db, LedgerRollForward rollForward, TimeProvider clock, RecordWraps recordWraps, AccountDirectory accounts, ConsentGrants grants)
{
    public static readonly IReadOnlySet<string> Purposes = new HashSet<string>(StringComparer.Ordinal) { "treatment", "dispensing", "insurance-claim", "insurance-application", "second-opinion", "research", "other" };

    /// <summary>The record versions a scope covers for this patient (what the client must wrap).</summary>
    public async Task<IReadOnlyList<GrantPlanItem>> PlanAsync(Guid patientId, ConsentScopeKind scope, IReadOnlyList<string> items, CancellationToken ct)
    {
        var versions = await recordWraps.VersionsAsync(patientId, (recordId, category) => ActiveGrant.Covers(scope, items, recordId, category), ct);
        return versions.Select(v => new GrantPlanItem(v.RecordId, v.Version, v.Category)).ToList();
    }

    public async Task<GrantResponse> GrantAsync(Guid patientId, GrantRequest r, CancellationToken ct)
    {
        var items = (r.Items ?? []).Select(i => i.Trim()).Distinct(StringComparer.Ordinal).ToList();
        var v = new Validator();
        v.Require(r.GrantId != Guid.Empty, "grantId", "grantId must be a UUID chosen by the client.");
        v.Require(r.GranteeId != patientId, "granteeId", "You already hold your own records.");
        v.Require(Enum.IsDefined(r.Scope), "scope", "scope must be All, Categories or Records.");
        v.Require(r.Scope == ConsentScopeKind.All ? items.Count == 0 : items.Count is > 0 and <= 200, "items", "All takes no items; Categories and Records take 1 to 200.");
        v.Require(r.Scope != ConsentScopeKind.Categories || items.All(RecordCategories.IsKnown), "items", "Unknown category.");
        v.Require(r.Scope != ConsentScopeKind.Records || items.All(i => Guid.TryParseExact(i, "D", out _)), "items", "Record items must be record ids.");
        v.Require(Purposes.Contains(r.Purpose ?? ""), "purpose", "purpose must be one of: " + string.Join(", ", Purposes.Order(StringComparer.Ordinal)));
        v.Require(r.PurposeSalt is { Length: FactCommitment.SaltLength }, "purposeSalt", $"purposeSalt must be {FactCommitment.SaltLength} random bytes made by the client.");
        v.Require(r.ExpiresAt is null || r.ExpiresAt > clock.GetUtcNow(), "expiresAt", "expiresAt must be in the future.");
        v.Require(r.Wraps is not null && r.Wraps.Count <= 10_000, "wraps", "wraps are required (at most 10,000).");
        v.Require(r.AppointmentId is null || r.ExpiresAt is not null, "expiresAt", "An appointment-scoped grant expires (at most two hours after the appointment's end).");
        v.ThrowIfInvalid();

        var (grantee, granteeKey) = await accounts.WithEncryptionKeyAsync(r.GranteeId, ct) ?? throw ProblemException.NotFound($"User {r.GranteeId}");
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
        tv.Require(tx.Get("appointmentId") == r.AppointmentId?.ToString(), "transaction", "The consent.grant transaction names a different appointment (or none).");
        tv.Require(tx.Get("scope") == scopeName && tx.Get("scopeHash") == ConsentScopeHash.Compute(scopeName, items), "transaction", "The consent.grant transaction anchors a different scope.");
        // The ledger holds the purpose only as a salted commitment; the words stay in this row.
        tv.Require(FactCommitment.Opens(tx.Get("purposeCommitment"), FactCommitment.ConsentPurpose, r.Purpose!, r.PurposeSalt) && tx.Get("expiresAtMs") == expiresMs.ToString(CultureInfo.InvariantCulture), "transaction", "The consent.grant transaction commits to a different purpose or expiry.");
        tv.ThrowIfInvalid();

        // Every covered version must come with a wrap for the grantee's registered key — and nothing else.
        var plan = await PlanAsync(patientId, r.Scope, items, ct);
        if (grantee.Role == Role.Pharmacist && plan.Any(p => p.Category != RecordAccess.MedicationRequest))
        {
            throw ProblemException.Invalid("items", "A pharmacist can be given prescriptions (MedicationRequest records) only.");
        }
        var keyId = KeyFingerprints.EncryptionKeyId(granteeKey);
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

        // The grant's rows are recorded before the ledger step, so a crash after the commit is rolled forward (ConsentLedgerRows).
        var rows = new GrantRows(r.GranteeId, r.Scope, items, r.Purpose!, r.PurposeSalt, r.ExpiresAt,
            wrapsByVersion.Values.Select(w => new GrantedWrap(w.RecordId, w.Version, w.ReaderKeyId, w.Enc, w.WrappedKey)).ToList());
        await rollForward.SubmitAsync(tx, rows, ct);
        var grant = await db.Set<ConsentGrant>().AsNoTracking().FirstAsync(g => g.Id == r.GrantId, ct);
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
        await rollForward.SubmitAsync(tx, new RevokeRows(), ct);
        var revoked = await db.Set<ConsentGrant>().AsNoTracking().FirstAsync(g => g.Id == grantId, ct);
        return await ToResponseAsync(revoked, ct);
    }

    /// <summary>Deletes the wraps of grants that expired (the read path already refuses them).</summary>
    public async Task<int> SweepExpiredAsync(CancellationToken ct)
    {
        var expired = await grants.ExpiredAsync(clock.GetUtcNow(), ct);
        return expired.Count == 0 ? 0 : await recordWraps.RemoveForGrantsAsync(expired, ct);
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
        var role = await accounts.RoleOfAsync(g.GranteeId, ct);
        var active = g.IsActive(clock.GetUtcNow()) && (g.AppointmentId is not { } appointmentId || !await grants.AppointmentEndedAsync(appointmentId, ct));
        return new GrantResponse(g.Id, g.PatientId, g.GranteeId, role, g.Scope, g.Items, g.Purpose, g.PurposeSalt, g.ExpiresAt, g.CreatedAt, g.RevokedAt, active,
            g.GrantTransactionId, g.RevokeTransactionId, g.AppointmentId);
    }
}
