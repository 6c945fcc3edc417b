import { useState } from 'preact/hooks';
import { insurerPolicy } from '../../sdk/insurance';
import {
  categoriesByTag, CLAIM_REASONS, CLAIM_STATUSES, decideClaim, dismissClaimDispute, insurerClaim, insurerClaims, payOutClaim, reverseClaim, type ClaimView,
} from '../../sdk/claims';
import { formatMoney, parseMoney } from '../../sdk/wallet';
import { Button, Card, DataTable, Empty, Field, Notice, Page, ProblemAlert, ShortId, Spinner, formatDateTime } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { ClaimDocuments } from './ClaimDocuments';
import { ClaimLines, claimMoneyText } from './ClaimLines';

type Choice = 'approve' | 'partly' | 'reject';
interface LineChoice {
  choice: Choice;
  amount: string;
  reason: string;
}

const openDispute = (c: ClaimView) => c.dispute?.startsWith('open:') ?? false;
const decided = (c: ClaimView) => ['approved', 'partly-approved', 'rejected'].includes(c.status);

/**
 * Insurer staff: the insurer's claims, open disputes first. Open one to see each line's automatic outcome, then decide per
 * line (approve its payable, partly approve an amount, reject with a reason code), reverse a decided claim before its
 * payout, pay out once, or dismiss a dispute — each signed insurance.claim in this page. Attached documents open here.
 */
export function ClaimQueue() {
  const [status, setStatus] = useState('');
  const claims = useAsync((signal) => insurerClaims(status || undefined, false, signal), [status]);
  const [openId, setOpenId] = useState<string | null>(null);
  const claim = useAsync((signal) => (openId ? insurerClaim(openId, signal) : Promise.resolve(null)), [openId]);
  // Category names from your copy of the policy card (the accepting staff member's; anyone else sees tags).
  const policyId = claim.data?.policyId ?? null;
  const categories = useAsync((signal) => (policyId ? insurerPolicy(policyId, signal).then((p) => categoriesByTag(p.card), () => undefined) : Promise.resolve(undefined)), [policyId]);
  const [choices, setChoices] = useState<Record<number, LineChoice>>({});
  const [reason, setReason] = useState<string>('other');
  const [done, setDone] = useState<string | null>(null);
  const choiceOf = (c: ClaimView, line: number): LineChoice => choices[line]
    ?? (c.lines[line - 1].outcome === 'eligible' ? { choice: 'approve', amount: '', reason: 'other' } : { choice: 'reject', amount: '', reason: CLAIM_REASONS.includes(c.lines[line - 1].outcome as never) ? c.lines[line - 1].outcome as string : 'other' });
  const setChoice = (line: number, c: ClaimView, patch: Partial<LineChoice>) => setChoices({ ...choices, [line]: { ...choiceOf(c, line), ...patch } });

  const act = useAction(async (c: ClaimView, action: 'decide' | 'reverse' | 'payout' | 'dismiss') => {
    setDone(null);
    const short = c.id.slice(0, 8);
    let after: ClaimView;
    if (action === 'decide') {
      const decisions = c.lines.map((l) => {
        const ch = choiceOf(c, l.line);
        if (ch.choice === 'approve') return { approvedMinor: l.payableMinor, reason: null };
        if (ch.choice === 'reject') return { approvedMinor: 0, reason: ch.reason };
        const amount = parseMoney(ch.amount);
        if (amount === null || amount > l.payableMinor) throw new Error(`Line ${l.line}: partly approve an amount from 0 to ${formatMoney(l.payableMinor, c.currency)}.`);
        return { approvedMinor: amount, reason: ch.reason };
      });
      after = await decideClaim(c.id, decisions);
      setDone(`Claim ${short} decided: ${after.status}, ${formatMoney(after.approvedMinor, after.currency)} approved.`);
    } else if (action === 'reverse') {
      after = await reverseClaim(c.id, reason);
      setDone(`Claim ${short} reversed (${reason}); its tokens are free for a corrected claim.`);
    } else if (action === 'payout') {
      after = await payOutClaim(c.id);
      setDone(`Claim ${short}: ${claimMoneyText(after)}.`);
    } else {
      after = await dismissClaimDispute(c.id, reason);
      setDone(`Claim ${short}'s dispute dismissed (${reason}).`);
    }
    setChoices({});
    claim.setData(after);
    claims.reload();
  });

  // Open disputes first, then oldest first as the server lists them.
  const list = [...(claims.data ?? [])].sort((a, b) => Number(openDispute(b)) - Number(openDispute(a)));
  const c = claim.data ?? null;
  return (
    <Page title="Claims">
      {done && <Notice kind="success"><span data-testid="claim-action-done">{done}</span></Notice>}
      <Card title="Claims">
        <Field id="queue-status" label="Status">
          <select id="queue-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">All</option>
            {CLAIM_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </Field>
        <ProblemAlert error={claims.error} />
        {claims.loading && !claims.data && <Spinner label="Loading claims…" />}
        {claims.data && (list.length === 0 ? <Empty>No claims.</Empty> : (
          <DataTable label="Insurer claims" columns={['Claim', 'Patient', 'Provider', 'Filed', 'Claimed', 'Status', 'Dispute', '']}>
            {list.map((x) => (
              <tr key={x.id} data-claim={x.id} class={openDispute(x) ? 'attention' : undefined}>
                <th scope="row"><ShortId id={x.id} /></th>
                <td><ShortId id={x.patientId} /></td>
                <td>{x.providerOrganizationId ? <ShortId id={x.providerOrganizationId} /> : 'the patient'}</td>
                <td>{formatDateTime(x.filedAt)}</td>
                <td>{formatMoney(x.claimedMinor, x.currency)}</td>
                <td data-testid={`queue-claim-status-${x.id}`}>{x.status}</td>
                <td data-testid={`queue-claim-dispute-${x.id}`}>{x.dispute ? (openDispute(x) ? `⚠ ${x.dispute}` : x.dispute) : '—'}</td>
                <td><Button kind="secondary" aria-label={`Open claim ${x.id.slice(0, 8)}`} onClick={() => (setChoices({}), setOpenId(x.id))}>Open</Button></td>
              </tr>
            ))}
          </DataTable>
        ))}
      </Card>
      {openId && (
        <Card title={`Claim ${openId.slice(0, 8)}`}>
          <ProblemAlert error={claim.error} />
          <ProblemAlert error={act.error} />
          {claim.loading && !c && <Spinner label="Loading the claim…" />}
          {c && (
            <div data-open-claim={c.id}>
              <p>
                {`Status `}<strong data-testid="open-claim-status">{c.status}</strong>
                {` · claimed ${formatMoney(c.claimedMinor, c.currency)} · reserved ${formatMoney(c.reservedMinor, c.currency)} · ${claimMoneyText(c)}`}
                {` · payee ${c.payeeKind} `}<ShortId id={c.payeeId} />
                {c.dispute && ` · dispute ${c.dispute}`}{c.reverseReason && ` · reversed (${c.reverseReason})`}
              </p>
              <ClaimLines claim={c} categories={categories.data} />
              {c.recordIds.length > 0 && <ClaimDocuments recordIds={c.recordIds} />}
              {c.status === 'filed' && (
                <DataTable label={`Decide claim ${c.id.slice(0, 8)}`} columns={['Line', 'Payable', 'Decision', 'Amount', 'Reason']}>
                  {c.lines.map((l) => {
                    const ch = choiceOf(c, l.line);
                    return (
                      <tr key={l.line}>
                        <th scope="row">{l.line}</th>
                        <td>{`${formatMoney(l.payableMinor, c.currency)} (${l.outcome ?? 'pending'})`}</td>
                        <td>
                          <select aria-label={`Decision for line ${l.line}`} value={ch.choice} onChange={(e) => setChoice(l.line, c, { choice: e.currentTarget.value as Choice })}>
                            {l.payableMinor > 0 && <option value="approve">approve</option>}
                            {l.payableMinor > 0 && <option value="partly">partly approve</option>}
                            <option value="reject">reject</option>
                          </select>
                        </td>
                        <td>
                          {ch.choice === 'partly' && (
                            <input aria-label={`Approved amount for line ${l.line}`} inputMode="decimal" value={ch.amount} onInput={(e) => setChoice(l.line, c, { amount: e.currentTarget.value })} />
                          )}
                        </td>
                        <td>
                          {ch.choice !== 'approve' && (
                            <select aria-label={`Reason for line ${l.line}`} value={ch.reason} onChange={(e) => setChoice(l.line, c, { reason: e.currentTarget.value })}>
                              {CLAIM_REASONS.map((r) => <option key={r} value={r}>{r}</option>)}
                            </select>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </DataTable>
              )}
              <div class="row">
                {c.status === 'filed' && <Button busy={act.busy} busyLabel="Signing the decision…" onClick={() => void act.run(c, 'decide')}>Decide claim</Button>}
                {(c.status === 'approved' || c.status === 'partly-approved') && c.paidMinor === 0 && c.approvedMinor > 0 && (
                  <Button busy={act.busy} busyLabel="Signing the payout…" onClick={() => void act.run(c, 'payout')}>{`Pay out ${formatMoney(c.approvedMinor, c.currency)}`}</Button>
                )}
                {(decided(c) || openDispute(c)) && (
                  <select aria-label="Reason code" value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
                    {CLAIM_REASONS.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                )}
                {decided(c) && c.paidMinor === 0 && (
                  <Button kind="danger" busy={act.busy} busyLabel="Signing the reversal…" onClick={() => void act.run(c, 'reverse')}>Reverse claim</Button>
                )}
                {openDispute(c) && (
                  <Button kind="secondary" busy={act.busy} busyLabel="Signing…" onClick={() => void act.run(c, 'dismiss')}>Dismiss dispute</Button>
                )}
              </div>
            </div>
          )}
        </Card>
      )}
    </Page>
  );
}
