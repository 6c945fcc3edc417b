import { useRef, useState } from 'preact/hooks';
import { role } from '../../app/session';
import { CLAIM_MAX_LINES, fileClaim, type ClaimView } from '../../sdk/claims';
import { sealClaimDocumentsForInsurer } from '../../sdk/claimDocuments';
import { listRecords } from '../../sdk/records';
import { COVER_CATEGORIES, myPolicies, policiesSharedWithMe, todayUtc } from '../../sdk/insurance';
import { parseMoney } from '../../sdk/wallet';
import { ActionForm, Button, Card, Empty, Field, Notice, Page, ProblemAlert, Spinner, formatDate } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { ClaimLines } from './ClaimLines';

interface LineInput {
  category: string;
  amount: string;
  serviceDate: string;
}

const newLine = (): LineInput => ({ category: COVER_CATEGORIES[0], amount: '', serviceDate: todayUtc() });

/**
 * Doctors, hospital staff and pharmacists (from a card a patient shared) or the patient (their own policy): file a claim.
 * Categories become the policy's tags and each line's token is computed here; the claim is signed here. One Idempotency-Key
 * per filled form, so a second click returns the same claim; filing the same care again (a new form, the same reference)
 * comes back with every line `duplicate`.
 */
export function FileClaim() {
  const patient = role.value === 'Patient';
  const policies = useAsync(async (signal) => patient
    ? (await myPolicies(signal)).map((p) => ({ policyId: p.id, patientId: p.patientId, label: `Policy ${p.id.slice(0, 8)} · ${p.status}` }))
    : (await policiesSharedWithMe(signal)).map((s) => ({ policyId: s.policyId, patientId: s.patientId, label: `Policy ${s.policyId.slice(0, 8)} · patient ${s.patientId.slice(0, 8)} · shared ${formatDate(s.createdAt)}` })),
  [patient]);
  const [policyId, setPolicyId] = useState('');
  const [reference, setReference] = useState('');
  const [payToPatient, setPayToPatient] = useState(false);
  const [lines, setLines] = useState<LineInput[]>([newLine()]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  // Documents: the patient's records you can read, attached at their latest version (the claim commits to them by hash).
  const [attached, setAttached] = useState<string[]>([]);
  const patientOfPolicy = (policies.data ?? []).find((p) => p.policyId === policyId)?.patientId ?? '';
  const records = useAsync(async () => (patientOfPolicy ? listRecords(patient ? {} : { patientId: patientOfPolicy }) : []), [patientOfPolicy]);
  const [sealedFor, setSealedFor] = useState<number | null>(null);
  const [filed, setFiled] = useState<{ claim: ClaimView; categories: Map<string, string> } | null>(null);
  // One key per filled form: a retry of the same submission answers with the first claim; a change starts a new one.
  const key = useRef<string>(crypto.randomUUID());
  const edit = (f: () => void) => {
    key.current = crypto.randomUUID();
    f();
  };
  const setLine = (i: number, patch: Partial<LineInput>) => edit(() => setLines(lines.map((l, j) => (j === i ? { ...l, ...patch } : l))));

  const file = useAction(async () => {
    setFiled(null);
    const problems: Record<string, string> = {};
    if (!policyId) problems['claim-policy'] = 'Choose a policy.';
    if (!reference.trim()) problems['claim-reference'] = 'Name the visit, dispense or receipt you bill.';
    const amounts = lines.map((l, i) => {
      const a = parseMoney(l.amount);
      if (a === null || a <= 0) problems[`claim-line-${i + 1}-amount`] = 'An amount above 0, at most two decimals.';
      if (!l.serviceDate) problems[`claim-line-${i + 1}-date`] = 'The day of the care.';
      return a ?? 0;
    });
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    const documents = (records.data ?? []).filter((r) => attached.includes(r.recordId)).map((r) => ({ recordId: r.recordId, version: r.latestVersion }));
    setSealedFor(null);
    const claim = await fileClaim(policyId, reference.trim(), lines.map((l, i) => ({ category: l.category, amountMinor: amounts[i], serviceDate: l.serviceDate })),
      { payToPatient, idempotencyKey: key.current, documents });
    // The patient seals the documents for the insurer's verified staff (a consent grant each); a professional cannot sign that.
    if (patient && documents.length > 0) setSealedFor((await sealClaimDocumentsForInsurer(claim.id, documents.map((d) => d.recordId))).length);
    // The lines come back in line order with their tags: name them by the categories just sent.
    setFiled({ claim, categories: new Map(claim.lines.map((l) => [l.tag, lines[l.line - 1]?.category ?? ''])) });
    key.current = crypto.randomUUID();
  });

  const list = policies.data ?? [];
  return (
    <Page title="File a claim">
      <Card>
        <ProblemAlert error={policies.error} />
        {policies.loading && !policies.data && <Spinner label="Loading policies…" />}
        {policies.data && (list.length === 0 ? <Empty>{patient ? 'You have no policy.' : 'No patient has shared a policy card with you.'}</Empty> : (
          <ActionForm onSubmit={() => void file.run()} aria-label="File a claim" class="stack">
            <Field id="claim-policy" label="Policy" error={errors['claim-policy']}>
              <select id="claim-policy" value={policyId} onChange={(e) => edit(() => setPolicyId(e.currentTarget.value))}>
                <option value="">Choose a policy</option>
                {list.map((p) => <option key={p.policyId} value={p.policyId}>{p.label}</option>)}
              </select>
            </Field>
            <Field id="claim-reference" label="Reference (visit, dispense or receipt id)" error={errors['claim-reference']}
              hint="Billing the same reference again is flagged as a duplicate; the ledger sees only a one-way token of it.">
              <input id="claim-reference" value={reference} onInput={(e) => edit(() => setReference(e.currentTarget.value))} />
            </Field>
            {lines.map((l, i) => {
              const n = i + 1;
              return (
                <fieldset key={n} class="stack">
                  <legend>{`Line ${n}`}</legend>
                  <Field id={`claim-line-${n}-category`} label={`Line ${n} category`}>
                    <select id={`claim-line-${n}-category`} value={l.category} onChange={(e) => setLine(i, { category: e.currentTarget.value })}>
                      {COVER_CATEGORIES.map((c) => <option key={c} value={c}>{c}</option>)}
                    </select>
                  </Field>
                  <Field id={`claim-line-${n}-amount`} label={`Line ${n} amount`} hint="In the plan's currency, e.g. 120.50" error={errors[`claim-line-${n}-amount`]}>
                    <input id={`claim-line-${n}-amount`} inputMode="decimal" value={l.amount} onInput={(e) => setLine(i, { amount: e.currentTarget.value })} />
                  </Field>
                  <Field id={`claim-line-${n}-date`} label={`Line ${n} service date`} error={errors[`claim-line-${n}-date`]}>
                    <input id={`claim-line-${n}-date`} type="date" value={l.serviceDate} onInput={(e) => setLine(i, { serviceDate: e.currentTarget.value })} />
                  </Field>
                  {lines.length > 1 && (
                    <Button kind="secondary" aria-label={`Remove line ${n}`} onClick={() => edit(() => setLines(lines.filter((_, j) => j !== i)))}>Remove line</Button>
                  )}
                </fieldset>
              );
            })}
            {policyId && (
              <fieldset class="stack">
                <legend>Documents for the insurer (optional)</legend>
                <ProblemAlert error={records.error} />
                {records.loading && !records.data && <Spinner label="Loading records…" />}
                {records.data && (records.data.length === 0 ? <Empty>No records you can read.</Empty> : records.data.map((r) => (
                  <label key={r.recordId}>
                    <input type="checkbox" aria-label={`Attach record ${r.recordId.slice(0, 8)}`} checked={attached.includes(r.recordId)}
                      onChange={(e) => { const on = e.currentTarget.checked; edit(() => setAttached(on ? [...attached, r.recordId] : attached.filter((x) => x !== r.recordId))); }} />
                    {` ${r.category} · ${r.contentType} · record ${r.recordId.slice(0, 8)} v${r.latestVersion} · ${formatDate(r.updatedAtMs)}`}
                  </label>
                )))}
                {!patient && attached.length > 0 && <p>The insurer opens them once the patient seals them for it (My claims → the claim's documents).</p>}
              </fieldset>
            )}
            {lines.length < CLAIM_MAX_LINES && <Button kind="secondary" onClick={() => edit(() => setLines([...lines, newLine()]))}>Add a line</Button>}
            {!patient && (
              <label>
                <input type="checkbox" checked={payToPatient} onChange={(e) => edit(() => setPayToPatient(e.currentTarget.checked))} />
                {' Pay the patient (they paid you already)'}
              </label>
            )}
            <ProblemAlert error={file.error} />
            <Button type="submit" busy={file.busy} busyLabel="Signing the claim…">File claim</Button>
          </ActionForm>
        ))}
      </Card>
      {filed && (
        <Card title={`Claim ${filed.claim.id.slice(0, 8)} filed`}>
          <Notice kind="success">
            <span data-testid="filed-claim" data-claim-id={filed.claim.id}>
              {`Claim ${filed.claim.id.slice(0, 8)} is on the ledger: ${filed.claim.status}; automatic outcomes: ${filed.claim.lines.map((l) => `line ${l.line} ${l.outcome ?? 'pending'}`).join(', ')}.`}
            </span>
          </Notice>
          {sealedFor !== null && <p data-testid="documents-sealed">{`Documents sealed for ${sealedFor} verified staff member(s) of the insurer.`}</p>}
          <ClaimLines claim={filed.claim} categories={filed.categories} />
        </Card>
      )}
    </Page>
  );
}
