import { useState } from 'preact/hooks';
import { categoriesByTag, DISPUTE_REASONS, disputeClaim, myClaims } from '../../sdk/claims';
import { sealClaimDocumentsForInsurer } from '../../sdk/claimDocuments';
import { myPolicy } from '../../sdk/insurance';
import { organizations } from '../../sdk/organizations';
import { formatMoney } from '../../sdk/wallet';
import { Button, Card, Empty, Notice, Page, ProblemAlert, ShortId, Spinner, VerifiedMark, formatDateTime } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { ClaimLines, claimMoneyText } from './ClaimLines';

/**
 * Patient: every claim in your name, each checked against its file receipt here ("✓ verified" or "✗ NOT verified" with why),
 * categories named from your own policy card, and any claim the ledger names you in that the server's list left out.
 * Dispute signs insurance.claim dispute in this page with a reason code. A claim's attached documents are sealed here for the
 * insurer's verified staff (a consent grant each, scoped to those records).
 */
export function MyClaims() {
  const claims = useAsync((signal) => myClaims(signal), []);
  // Category names come from your cards (the ledger and the server know tags only).
  const categories = useAsync(async (signal) => {
    const byPolicy = new Map<string, Map<string, string>>();
    for (const policyId of new Set((claims.data?.claims ?? []).map((c) => c.claim.policyId))) {
      try {
        byPolicy.set(policyId, categoriesByTag((await myPolicy(policyId, signal)).card));
      } catch (e) {
        if (signal.aborted) throw e;
      }
    }
    return byPolicy;
  }, [claims.data]);
  const orgs = useAsync((signal) => organizations(undefined, signal).then((o) => new Map(o.map((x) => [x.id, x.name]))), []);
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  const dispute = useAction(async (claimId: string) => {
    setDone(null);
    const reason = reasons[claimId] ?? DISPUTE_REASONS[0];
    await disputeClaim(claimId, reason);
    setDone(`Claim ${claimId.slice(0, 8)} disputed (${reason}); the insurer sees it first in their queue.`);
    claims.reload();
  });
  const seal = useAction(async (claimId: string) => {
    setDone(null);
    const staff = await sealClaimDocumentsForInsurer(claimId);
    setDone(`Claim ${claimId.slice(0, 8)}'s documents sealed for ${staff.length} verified staff member(s) of the insurer.`);
  });
  const list = [...(claims.data?.claims ?? [])].reverse();
  const hidden = claims.data?.onLedgerNotListed ?? [];
  const orgName = (id: string | null) => (id ? orgs.data?.get(id) ?? id.slice(0, 8) : 'you (filed yourself)');
  return (
    <Page title="My claims">
      {done && <Notice kind="success">{done}</Notice>}
      <ProblemAlert error={claims.error} />
      <ProblemAlert error={dispute.error} />
      <ProblemAlert error={seal.error} />
      {hidden.map((id) => (
        <Notice key={id} kind="warning">
          <span data-testid={`claim-hidden-${id}`}>
            {`✗ Claim ${id.slice(0, 8)} was filed in your name on the ledger, but the server did not list it. Ask the insurer about it, or dispute billing you did not receive.`}
          </span>
        </Notice>
      ))}
      {claims.loading && !claims.data && <Spinner label="Checking your claims against the ledger…" />}
      {claims.data && list.length === 0 && hidden.length === 0 && <Empty>No claims in your name.</Empty>}
      {list.map(({ claim: c, problems }) => {
        const short = c.id.slice(0, 8);
        const openDispute = c.dispute === null;
        return (
          <Card key={c.id} title={`Claim ${short}`} headingLevel={3}>
            <div data-claim={c.id}>
              <p>
                <span data-testid={`my-claim-check-${c.id}`}>
                  {problems.length === 0 ? <VerifiedMark ok label="verified" /> : <VerifiedMark ok={false} title={problems.join(' ')} />}
                </span>
                {` Provider: ${orgName(c.providerOrganizationId)} · filed ${formatDateTime(c.filedAt)} · policy `}<ShortId id={c.policyId} />
                {` · claimed ${formatMoney(c.claimedMinor, c.currency)} · status `}
                <strong data-testid={`my-claim-status-${c.id}`}>{c.status}</strong>
                {' · '}<span data-testid={`my-claim-paid-${c.id}`}>{claimMoneyText(c)}</span>
                {c.payeeKind === 'patient' ? ' (to you)' : ` (to ${orgName(c.payeeId)})`}
                {c.dispute && <span data-testid={`my-claim-dispute-${c.id}`}>{` · dispute ${c.dispute}`}</span>}
              </p>
              {problems.length > 0 && (
                <Notice kind="warning">
                  <span data-testid={`my-claim-problems-${c.id}`}>{`This claim does not match what the ledger says; do not take it as real: ${problems.join(' ')}`}</span>
                </Notice>
              )}
              <ClaimLines claim={c} categories={categories.data?.get(c.policyId)} />
              {c.recordIds.length > 0 && problems.length === 0 && (
                <Button kind="secondary" busy={seal.busy} busyLabel="Sealing for the insurer…" aria-label={`Seal ${c.recordIds.length} document(s) for the insurer: claim ${short}`} onClick={() => void seal.run(c.id)}>
                  {`Seal ${c.recordIds.length} document(s) for the insurer`}
                </Button>
              )}
              {openDispute && (
                <div class="row">
                  <select aria-label={`Dispute reason for claim ${short}`} value={reasons[c.id] ?? DISPUTE_REASONS[0]}
                    onChange={(e) => setReasons({ ...reasons, [c.id]: e.currentTarget.value })}>
                    {DISPUTE_REASONS.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                  <Button kind="danger" busy={dispute.busy} busyLabel="Signing the dispute…" aria-label={`Dispute claim ${short}`} onClick={() => void dispute.run(c.id)}>Dispute</Button>
                </div>
              )}
            </div>
          </Card>
        );
      })}
    </Page>
  );
}
