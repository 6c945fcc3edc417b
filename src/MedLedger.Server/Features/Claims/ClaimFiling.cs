using System.Globalization;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Dispensing;
using MedLedger.Server.Features.Insurance;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Claims;

/// <summary>What a committed insurance.claim stores beyond its transaction (file: the attached record ids).</summary>
public sealed record ClaimRows(Guid ClaimId, string Action, DateTimeOffset At, IReadOnlyList<Guid>? RecordIds = null);

/// <summary>
/// A provider's staff (holding the patient's shared policy card) or the patient files a claim signed on their device. As orders do
/// it: (1) the claim row (filing) with its Idempotency-Key, so of concurrent retries one inserts and the others answer with that
/// claim; (2) the signed insurance.claim "file" to the ledger, whose contract computes every line's outcome and reserves the
/// eligible shares; (3) accepted: the row writer copies the outcomes from the ledger state and links the documents; refused: the
/// row is removed and the key is free. A crash between (1) and (3) is settled at the next start (<see cref="FilingClaimRepair"/>).
/// </summary>
public sealed class ClaimFiling(MedLedgerDbContext db, InsuredPolicies policies, ClaimDocuments documents, LedgerRollForward rollForward, ClaimQueries queries,
    DispensedFills fills, TimeProvider clock, MedLedger.Server.Features.Organizations.OrganizationDirectory organizations)
{
    public async Task<ClaimResponse> FileAsync(Caller filer, string? idempotencyKey, FileClaimRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var key = IdempotencyKeys.Require(idempotencyKey);
        var tx = LedgerGateway.Expect(r.Transaction, InsuranceClaimContract.TypeName, filer.Id);
        var recordIds = r.RecordIds ?? [];
        // What the claim says, not its signature or fresh claim id: a client that signs its retry again is still sending the same claim.
        var fingerprint = IdempotencyKeys.Fingerprint([.. tx.Payload.Where(p => p.Key != "claimId").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"),
            .. recordIds.Select(id => id.ToString())]);
        if (await FirstAsync(filer, key, fingerprint, ct) is { } first)
        {
            return first;
        }
        var lines = InsuranceClaimContract.Lines(tx);
        if (tx.Get("action") != InsuranceClaimContract.File || !Guid.TryParseExact(tx.Get("claimId"), "D", out var claimId)
            || !Guid.TryParseExact(tx.Get("policyId"), "D", out var policyId) || lines is null)
        {
            throw ProblemException.Invalid("transaction", "The insurance.claim must be a file naming a new claim id, a policy and 1 to 16 lines tag:amountMinor:serviceDateMs:token.");
        }
        // A policy the filer may not claim on is "not found" (a provider needs the patient's shared card; a patient their own policy).
        var policy = await policies.FindAsync(policyId, ct) ?? throw ProblemException.NotFound($"Policy {policyId}");
        var isPatient = filer.Role == Role.Patient;
        if (isPatient ? policy.PatientId != filer.Id : !await policies.IsSharedWithAsync(policyId, filer.Id, ct))
        {
            throw ProblemException.NotFound($"Policy {policyId}");
        }
        await organizations.RequireNotSuspendedAsync(policy.InsurerOrganizationId, "claims", ct);
        if (!isPatient)
        {
            await organizations.RequireNotSuspendedAsync(filer.Organization, "claims", ct);
        }
        var provider = tx.Get("providerOrgId");
        var payeeKind = tx.Get("payeeKind");
        var v = new Validator();
        v.Require(tx.Get("patientId") == policy.PatientId.ToString() && tx.Get("insurerId") == policy.InsurerOrganizationId.ToString(), "transaction",
            "The claim names the policy's patient and insurer.");
        v.Require(tx.Get("currency") == policy.Currency, "currency", $"The policy pays in {policy.Currency}.");
        v.Require(isPatient
                ? provider is null && payeeKind == InsuranceClaimContract.PayeePatient && tx.Get("payeeId") == filer.Id.ToString()
                : provider == filer.Organization.ToString()
                  && (payeeKind == InsuranceClaimContract.PayeeOrganization ? tx.Get("payeeId") == provider : payeeKind == InsuranceClaimContract.PayeePatient && tx.Get("payeeId") == tx.Get("patientId")),
            "payee", isPatient ? "A patient's own claim names no provider and is paid to the patient." : "A provider's claim names your organization and is paid to it or to the patient.");
        v.Require(lines.All(l => l.ServiceDateMs <= clock.GetUtcNow().AddDays(1).ToUnixTimeMilliseconds()), "lines", "A service date is not in the future.");
        v.ThrowIfInvalid();
        var dispense = tx.Get(InsuranceClaimContract.DispenseKey);
        if (dispense is not null)
        {
            await CheckDispenseAsync(filer, policy.PatientId, dispense, lines, ct);
        }
        string? documentsHash = null;
        if (recordIds.Count > 0)
        {
            documentsHash = await documents.HashReadableAsync(filer, policy.PatientId, recordIds, ct);
        }
        if (tx.Get("documentsHash") != documentsHash)
        {
            throw ProblemException.Invalid("documentsHash", "The claim's documentsHash commits to exactly the attached records at their current versions (absent without documents).");
        }
        var now = clock.GetUtcNow();
        db.Add(new InsuranceClaim
        {
            Id = claimId, PolicyId = policyId, PatientId = policy.PatientId, InsurerOrganizationId = policy.InsurerOrganizationId,
            ProviderOrganizationId = provider is null ? null : Guid.Parse(provider), FiledBy = filer.Id, PayeeKind = payeeKind!, PayeeId = Guid.Parse(tx.Get("payeeId")!),
            Currency = policy.Currency, DocumentsHash = documentsHash, Dispense = dispense, Status = ClaimStatus.Filing, ClaimedMinor = lines.Sum(l => l.AmountMinor), IdempotencyKey = key,
            RequestHash = fingerprint, FileTransactionId = tx.Id, FiledAt = now, UpdatedAt = now,
        });
        foreach (var l in lines)
        {
            db.Add(new InsuranceClaimLine { ClaimId = claimId, Line = l.Line, Tag = l.Tag, AmountMinor = l.AmountMinor, ServiceDateMs = l.ServiceDateMs, Token = l.Token });
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return await FirstAsync(filer, key, fingerprint, ct)
                ?? (dispense is not null && await db.Set<InsuranceClaim>().AsNoTracking().Where(c => c.Dispense == dispense && c.Status != ClaimStatus.Reversed).Select(c => (Guid?)c.Id)
                    .FirstOrDefaultAsync(ct) is { } other
                    ? throw new ProblemException(409, "dispense-claimed", "Dispense claimed already", $"Dispense {dispense} is claimed already (claim {other}).")
                    : throw ProblemException.Conflict($"Claim {claimId} exists already."));
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
        try
        {
            await rollForward.SubmitAsync(tx, new ClaimRows(claimId, InsuranceClaimContract.File, clock.GetUtcNow(), recordIds), ct);
        }
        catch (ProblemException)
        {
            // Refused: no claim exists, so the row goes and the key is free. Any other failure leaves the outcome unknown; the
            // claim stays filing and the next start settles it.
            await db.Set<InsuranceClaim>().Where(c => c.Id == claimId && c.Status == ClaimStatus.Filing).ExecuteDeleteAsync(CancellationToken.None);
            throw;
        }
        return await queries.ResponseAsync(claimId, ct);
    }

    /// <summary>
    /// A claim for a dispense: a pharmacist's, for a fill committed at their own pharmacy for the policy's patient (anything else is
    /// "not found", as another pharmacy's data is), with the dispense's own line tokens. The contract checks the same on the ledger.
    /// </summary>
    private async Task CheckDispenseAsync(Caller filer, Guid patientId, string dispense, IReadOnlyList<InsuranceClaimContract.ClaimLine> lines, CancellationToken ct)
    {
        if (filer.Role != Role.Pharmacist || InsuranceClaimContract.ParseDispense(dispense) is not { } reference)
        {
            throw ProblemException.Invalid("dispense", "A dispense claim is a pharmacist's and names \"prescriptionId/fillNumber\".");
        }
        var fill = reference.Fill <= int.MaxValue ? await fills.FindAsync(Guid.Parse(reference.Prescription), (int)reference.Fill, ct) : null;
        if (fill is null || fill.PharmacyId != filer.OrganizationId || fill.PatientId != patientId)
        {
            throw ProblemException.NotFound($"Dispense {dispense} of your pharmacy for this patient");
        }
        if (lines.Any(l => l.Token != InsuranceClaimContract.DispenseToken(fill.PharmacyId, dispense, l.Line)))
        {
            throw ProblemException.Invalid("lines", "A dispense claim's line tokens are the dispense's own (pharmacy, dispense, line).");
        }
    }

    private async Task<ClaimResponse?> FirstAsync(Caller filer, string key, string fingerprint, CancellationToken ct)
    {
        var found = await db.Set<InsuranceClaim>().AsNoTracking().Where(c => c.FiledBy == filer.Id && c.IdempotencyKey == key).Select(c => new { c.Id, c.RequestHash })
            .FirstOrDefaultAsync(ct);
        if (found is null)
        {
            return null;
        }
        return found.RequestHash == fingerprint
            ? await queries.ResponseAsync(found.Id, ct)
            : throw new ProblemException(422, "idempotency-key-reused", "Idempotency-Key reused", "This Idempotency-Key was used for another claim.");
    }

    internal static long Ms(string? s) => long.Parse(s!, NumberStyles.None, CultureInfo.InvariantCulture);
}
