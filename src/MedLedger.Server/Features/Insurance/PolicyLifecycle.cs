using System.Globalization;
using System.Linq.Expressions;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Insurance;

/// <summary>
/// On read (every list, get and change runs this for the policies it touches), each with a peer-signed insurance.policy:
/// a pending policy whose premium payable is paid becomes active with cover from max(period start, the payment's time); a
/// pending, active or suspended policy past its period end expires. Payments are the Payments feature's (read through
/// <see cref="PayableService"/>), so the activation follows the payment on the next read rather than inside it.
/// </summary>
public sealed class PolicyLifecycle(MedLedgerDbContext db, PayableService payables, LedgerGateway gateway, LedgerRollForward rollForward, TimeProvider clock)
{
    public async Task SweepAsync(Expression<Func<InsurancePolicy, bool>> which, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var open = await db.Set<InsurancePolicy>().AsNoTracking().Where(which)
            .Where(p => p.Status == PolicyStatus.Pending || p.Status == PolicyStatus.Active || p.Status == PolicyStatus.Suspended)
            .Select(p => new { p.Id, p.Status, p.PeriodStart, p.PeriodEnd }).ToListAsync(ct);
        foreach (var p in open)
        {
            if (p.Status == PolicyStatus.Pending && await payables.PaidAtAsync(PolicyRules.PayableKind, p.Id, ct) is { } paidAt && paidAt < p.PeriodEnd)
            {
                var cover = paidAt > p.PeriodStart ? paidAt : p.PeriodStart;
                await SubmitAsync(p.Id, InsurancePolicyContract.Activate, now, new PolicyRows(p.Id, InsurancePolicyContract.Activate, cover), cover, ct);
            }
            if (p.PeriodEnd <= now)
            {
                await SubmitAsync(p.Id, InsurancePolicyContract.Expire, now, new PolicyRows(p.Id, InsurancePolicyContract.Expire, now), null, ct);
            }
        }
    }

    private async Task SubmitAsync(Guid policyId, string action, DateTimeOffset now, PolicyRows rows, DateTimeOffset? coverStart, CancellationToken ct)
    {
        var payload = new Dictionary<string, string> { ["action"] = action, ["policyId"] = policyId.ToString() };
        if (coverStart is { } c)
        {
            payload["coverStartMs"] = c.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        }
        // The transaction's time is the server's clock: the contract expires a policy only once that time is past the period end.
        var tx = gateway.Peer.CreateSystemTransaction(InsurancePolicyContract.TypeName, payload, now.ToUnixTimeMilliseconds());
        try
        {
            await rollForward.SubmitAsync(tx, rows, ct);
        }
        catch (ProblemException e) when (e.Status == 409)
        {
            // Another request activated, expired or moved it on first; the ledger keeps one of them.
        }
    }
}
