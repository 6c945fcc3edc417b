import { useState } from 'preact/hooks';
import { me } from '../../app/session';
import { providerClaims, type ClaimView } from '../../sdk/claims';
import { dispenseReference, fileDispenseClaim, outcomeInWords } from '../../sdk/copay';
import type { CheckedPrescription } from '../../sdk/dispensing';
import { policiesSharedWithMe } from '../../sdk/insurance';
import { formatMoney, parseMoney } from '../../sdk/wallet';
import { ActionForm, Button, Card, DataTable, Empty, Field, Notice, ProblemAlert, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';

/** A claim's state in a pharmacist's words: filed (awaiting the insurer), decided, paid out (docs/insurance.md "Claims"). */
function claimState(c: ClaimView): string {
  switch (c.status) {
    case 'filing': return 'filing (waiting for the ledger)';
    case 'filed': return 'filed, awaiting the insurer';
    case 'paying':
    case 'paid': return `paid out ${formatMoney(c.paidMinor, c.currency)}`;
    case 'approved': return `approved ${formatMoney(c.approvedMinor, c.currency)}, not paid out yet`;
    case 'partly-approved': return `partly approved ${formatMoney(c.approvedMinor, c.currency)}, not paid out yet`;
    default: return c.status;
  }
}

/**
 * Pharmacist: the patient pays a fill of this prescription with insurance (docs/insurance.md "Pharmacy co-pay flow"). With the
 * policy card the patient shared, this page files the claim for the pharmacy's own fill, signed here (category Pharmacy, the
 * price); the ledger's automatic check fixes the insurer's share and the patient's co-pay. Below: each fill's claim and its state.
 */
export function PayWithInsurance(props: { rx: CheckedPrescription; version: number }) {
  const pharmacyId = me.value?.organizationId ?? null;
  const { rx } = props;
  const prefix = `${rx.info.prescriptionId}/`;
  const shares = useAsync(async (signal) => (await policiesSharedWithMe(signal)).filter((s) => s.patientId === rx.info.patientId), [rx.info.patientId]);
  const claims = useAsync(async (signal) => (await providerClaims(undefined, signal)).filter((c) => c.dispense?.startsWith(prefix) && c.status !== 'reversed'),
    [rx.info.prescriptionId, props.version]);
  const ours = rx.fills.filter((f) => f.pharmacyId === pharmacyId && f.problem === null);
  const claimed = new Set((claims.data ?? []).map((c) => c.dispense));
  const open = ours.filter((f) => !claimed.has(dispenseReference(rx.info.prescriptionId, f.fillNumber)));
  const [fill, setFill] = useState('');
  const [policyId, setPolicyId] = useState('');
  const [price, setPrice] = useState('');
  const [errors, setErrors] = useState<{ price?: string; policy?: string }>({});
  const [filed, setFiled] = useState<ClaimView | null>(null);
  const file = useAction(async () => {
    setFiled(null);
    const minor = parseMoney(price);
    const policy = policyId || shares.data?.[0]?.policyId || '';
    const errs: { price?: string; policy?: string } = {};
    if (minor === null || minor < 1) errs.price = 'Enter the price of the fill, such as 20.00.';
    if (!policy) errs.policy = 'Choose the policy the patient shared with you.';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const fillNumber = Number(fill || open[0]?.fillNumber);
    setFiled(await fileDispenseClaim(rx.info.prescriptionId, fillNumber, policy, minor!));
    setPrice('');
    claims.reload();
  });
  const list = shares.data ?? [];
  return (
    <Card title="Pay with insurance" headingLevel={3}>
      <ProblemAlert error={shares.error} />
      {shares.loading && !shares.data && <Spinner label="Loading policy cards shared with you…" />}
      {filed && (
        <Notice kind={filed.lines.every((l) => l.outcome === 'eligible') ? 'success' : 'warning'}>
          <span data-testid="copay-filed">
            {filed.lines.every((l) => l.outcome === 'eligible')
              ? `Claim filed for fill ${filed.dispense?.split('/')[1]}: co-pay after insurance ${formatMoney(filed.copayMinor ?? 0, filed.currency)} of ${formatMoney(filed.claimedMinor, filed.currency)}; the insurer's share is ${formatMoney(filed.reservedMinor, filed.currency)}.`
              : `Claim filed for fill ${filed.dispense?.split('/')[1]}, not eligible: ${outcomeInWords(filed.lines.find((l) => l.outcome !== 'eligible')?.outcome)}. The patient owes the full price ${formatMoney(filed.copayMinor ?? 0, filed.currency)}.`}
          </span>
        </Notice>
      )}
      {shares.data && (list.length === 0 ? <Empty>This patient has not shared a policy card with you: they pay the full price.</Empty> : open.length === 0 ? (
        <Empty>{ours.length === 0 ? 'Dispense a fill first: a claim names one of your fills.' : 'Every fill of yours on this prescription is claimed.'}</Empty>
      ) : (
        <ActionForm class="stack" noValidate onSubmit={() => void file.run()} aria-label="File the insurance claim for a fill">
          <div class="row">
            <Field id="copay-fill" label="Fill">
              <select id="copay-fill" value={fill || String(open[0].fillNumber)} onChange={(e) => setFill((e.currentTarget as HTMLSelectElement).value)}>
                {open.map((f) => <option key={f.fillNumber} value={String(f.fillNumber)}>{`Fill ${f.fillNumber} · ${f.quantity} units`}</option>)}
              </select>
            </Field>
            <Field id="copay-policy" label="Patient's policy" error={errors.policy}>
              <select id="copay-policy" value={policyId || list[0].policyId} onChange={(e) => setPolicyId((e.currentTarget as HTMLSelectElement).value)}>
                {list.map((s) => <option key={s.id} value={s.policyId}>{`Policy ${s.policyId.slice(0, 8)}`}</option>)}
              </select>
            </Field>
            <Field id="copay-price" label="Price of the fill" hint="The full price; the ledger works out the insurer's share." error={errors.price}>
              <input id="copay-price" inputMode="decimal" value={price} onInput={(e) => setPrice((e.currentTarget as HTMLInputElement).value)} aria-invalid={!!errors.price} />
            </Field>
          </div>
          <ProblemAlert error={file.error} />
          <Button type="submit" busy={file.busy} busyLabel="Signing and filing the claim…">File insurance claim</Button>
        </ActionForm>
      ))}
      <ProblemAlert error={claims.error} />
      {claims.data && claims.data.length > 0 && (
        <DataTable label="Insurance claims for these fills" columns={[{ label: 'Fill', class: 'num' }, { label: 'Price', class: 'num' }, 'Automatic outcome',
          { label: 'Co-pay', class: 'num' }, 'Claim']}>
          {claims.data.map((c) => (
            <tr key={c.id} data-testid={`copay-claim-${c.dispense?.split('/')[1]}`}>
              <td class="num">{c.dispense?.split('/')[1]}</td>
              <td class="num">{formatMoney(c.claimedMinor, c.currency)}</td>
              <td>{c.lines.map((l) => (l.outcome === 'eligible' ? `eligible, insurer's share ${formatMoney(l.payableMinor, c.currency)}` : `${l.outcome ?? 'pending'}: ${outcomeInWords(l.outcome)}`)).join('; ')}</td>
              <td class="num">{formatMoney(c.copayMinor ?? 0, c.currency)}</td>
              <td>{claimState(c)}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </Card>
  );
}
