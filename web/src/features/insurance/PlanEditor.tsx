import { useState } from 'preact/hooks';
import { COVER_CATEGORIES, createPlan, insurancePlans, PREMIUM_PERIODS, updatePlan, type PlanBenefit, type PlanInput, type PlanView } from '../../sdk/insurance';
import { formatMoney, parseMoney } from '../../sdk/wallet';
import { me } from '../../app/session';
import { ActionForm, Button, Card, DataTable, Empty, Field, Notice, Page, ProblemAlert, Spinner, formatDateTime } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { benefitText } from './format';

interface BenefitRow {
  covered: boolean;
  kind: 'percent' | 'copay';
  value: string;
  limit: string;
  waiting: string;
}

interface Draft {
  name: string;
  description: string;
  currency: string;
  premium: string;
  period: string;
  limit: string;
  dependants: boolean;
  benefits: Record<string, BenefitRow>;
}

const money = (minor: number) => (minor / 100).toFixed(2);

function emptyDraft(): Draft {
  return {
    name: '', description: '', currency: 'EUR', premium: '', period: 'Monthly', limit: '', dependants: false,
    benefits: Object.fromEntries(COVER_CATEGORIES.map((c) => [c, { covered: false, kind: 'percent', value: '', limit: '', waiting: '0' } as BenefitRow])),
  };
}

function draftOf(p: PlanView): Draft {
  const d = emptyDraft();
  d.name = p.name;
  d.description = p.description ?? '';
  d.currency = p.currency;
  d.premium = money(p.premiumMinor);
  d.period = p.premiumPeriod;
  d.limit = money(p.annualLimitMinor);
  d.dependants = p.dependantsAllowed;
  for (const b of p.benefits) {
    d.benefits[b.category] = {
      covered: true, kind: b.coveragePercent !== null ? 'percent' : 'copay', value: b.coveragePercent !== null ? String(b.coveragePercent) : money(b.copayMinor ?? 0),
      limit: money(b.annualLimitMinor), waiting: String(b.waitingPeriodDays),
    };
  }
  return d;
}

/** The draft as the API's terms; amounts that do not parse go as -1 so the server's 422 names the field. */
function inputOf(d: Draft): PlanInput {
  const m = (s: string) => parseMoney(s) ?? -1;
  const benefits: PlanBenefit[] = COVER_CATEGORIES.filter((c) => d.benefits[c].covered).map((c) => {
    const b = d.benefits[c];
    return {
      category: c, coveragePercent: b.kind === 'percent' ? Number.parseInt(b.value, 10) || 0 : null, copayMinor: b.kind === 'copay' ? m(b.value) : null,
      annualLimitMinor: m(b.limit), waitingPeriodDays: Number.parseInt(b.waiting, 10) || 0,
    };
  });
  return {
    name: d.name.trim(), description: d.description.trim() || null, currency: d.currency.trim().toUpperCase(), premiumMinor: m(d.premium), premiumPeriod: d.period,
    annualLimitMinor: m(d.limit), dependantsAllowed: d.dependants, benefits,
  };
}

/** Insurer staff: the insurer's plans (open and withdrawn); publish a plan, edit one against the revision read, withdraw or reopen. */
export function PlanEditor() {
  const insurerId = me.value?.organizationId ?? '';
  const plans = useAsync((signal) => insurancePlans(insurerId, signal), [insurerId]);
  const [editing, setEditing] = useState<PlanView | null>(null);
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [done, setDone] = useState<string | null>(null);
  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });
  const setBenefit = (category: string, patch: Partial<BenefitRow>) =>
    setDraft({ ...draft, benefits: { ...draft.benefits, [category]: { ...draft.benefits[category], ...patch } } });

  const save = useAction(async () => {
    setDone(null);
    const input = inputOf(draft);
    const saved = editing
      ? await updatePlan(editing.id, { ...input, revision: editing.revision, status: editing.status })
      : await createPlan(input);
    setDone(editing ? `Plan "${saved.name}" saved (revision ${saved.revision}).` : `Plan "${saved.name}" published.`);
    setEditing(null);
    setDraft(emptyDraft());
    plans.reload();
  });
  const toggle = useAction(async (p: PlanView) => {
    setDone(null);
    const status = p.status === 'Open' ? 'Withdrawn' : 'Open';
    const { name, description, currency, premiumMinor, premiumPeriod, annualLimitMinor, dependantsAllowed, benefits } = p;
    await updatePlan(p.id, { name, description, currency, premiumMinor, premiumPeriod, annualLimitMinor, dependantsAllowed, benefits, revision: p.revision, status });
    setDone(`Plan "${p.name}" ${status === 'Open' ? 'reopened' : 'withdrawn'}.`);
    plans.reload();
  });

  const mine = (plans.data ?? []).filter((p) => p.insurerOrganizationId === insurerId);
  return (
    <Page title="Plans">
      <Card title="Your insurer's plans">
        <ProblemAlert error={plans.error} />
        <ProblemAlert error={toggle.error} />
        {done && <Notice kind="success">{done}</Notice>}
        {plans.loading && !plans.data && <Spinner label="Loading plans…" />}
        {plans.data && (mine.length === 0 ? <Empty>No plans yet.</Empty> : (
          <DataTable label="Plans" columns={['Plan', 'Premium', 'Annual limit', 'Benefits', 'Status', 'Revision', 'Changed', '']}>
            {mine.map((p) => (
              <tr key={p.id} data-plan={p.id}>
                <th scope="row">{p.name}</th>
                <td>{formatMoney(p.premiumMinor, p.currency)} {p.premiumPeriod.toLowerCase()}</td>
                <td>{formatMoney(p.annualLimitMinor, p.currency)}</td>
                <td>{p.benefits.map((b) => `${b.category}: ${benefitText(b, p.currency)}`).join('; ')}</td>
                <td data-testid={`plan-status-${p.id}`}>{p.status === 'Open' ? 'open' : 'withdrawn'}</td>
                <td>{p.revision}</td>
                <td>{formatDateTime(p.updatedAt)}</td>
                <td>
                  <Button kind="secondary" aria-label={`Edit plan ${p.name}`} onClick={() => { setEditing(p); setDraft(draftOf(p)); setDone(null); }}>Edit</Button>
                  <Button kind={p.status === 'Open' ? 'danger' : 'secondary'} busy={toggle.busy} busyLabel="Saving…"
                    aria-label={`${p.status === 'Open' ? 'Withdraw' : 'Reopen'} plan ${p.name}`} onClick={() => void toggle.run(p)}>
                    {p.status === 'Open' ? 'Withdraw' : 'Reopen'}
                  </Button>
                </td>
              </tr>
            ))}
          </DataTable>
        ))}
      </Card>
      <ActionForm onSubmit={() => void save.run()} aria-label={editing ? 'Edit plan' : 'New plan'} noValidate>
        <h2>{editing ? `Edit "${editing.name}" (revision ${editing.revision})` : 'New plan'}</h2>
        <ProblemAlert error={save.error} />
        <Field id="plan-name" label="Plan name">
          <input id="plan-name" value={draft.name} onInput={(e) => set({ name: e.currentTarget.value })} />
        </Field>
        <Field id="plan-description" label="Description (optional)">
          <input id="plan-description" value={draft.description} onInput={(e) => set({ description: e.currentTarget.value })} />
        </Field>
        <div class="row">
          <Field id="plan-currency" label="Currency">
            <input id="plan-currency" value={draft.currency} size={4} onInput={(e) => set({ currency: e.currentTarget.value })} />
          </Field>
          <Field id="plan-premium" label="Premium" hint="e.g. 29.00">
            <input id="plan-premium" inputMode="decimal" value={draft.premium} onInput={(e) => set({ premium: e.currentTarget.value })} />
          </Field>
          <Field id="plan-period" label="Premium period">
            <select id="plan-period" value={draft.period} onChange={(e) => set({ period: e.currentTarget.value })}>
              {PREMIUM_PERIODS.map((p) => <option key={p} value={p}>{p}</option>)}
            </select>
          </Field>
          <Field id="plan-limit" label="Annual limit (all categories)">
            <input id="plan-limit" inputMode="decimal" value={draft.limit} onInput={(e) => set({ limit: e.currentTarget.value })} />
          </Field>
        </div>
        <label class="checkbox">
          <input type="checkbox" checked={draft.dependants} onChange={(e) => set({ dependants: e.currentTarget.checked })} /> Dependants allowed
        </label>
        <DataTable label="Benefits" columns={['Category', 'Covered', 'Plan share or co-pay', 'Value', 'Annual limit', 'Waiting days']}>
          {COVER_CATEGORIES.map((c) => {
            const b = draft.benefits[c];
            return (
              <tr key={c}>
                <th scope="row">{c}</th>
                <td><input type="checkbox" aria-label={`${c} covered`} checked={b.covered} onChange={(e) => setBenefit(c, { covered: e.currentTarget.checked })} /></td>
                <td>
                  <select aria-label={`${c} share kind`} value={b.kind} disabled={!b.covered} onChange={(e) => setBenefit(c, { kind: e.currentTarget.value as BenefitRow['kind'] })}>
                    <option value="percent">percentage</option>
                    <option value="copay">co-pay</option>
                  </select>
                </td>
                <td><input aria-label={`${c} percentage or co-pay`} size={6} disabled={!b.covered} value={b.value} onInput={(e) => setBenefit(c, { value: e.currentTarget.value })} /></td>
                <td><input aria-label={`${c} annual limit`} size={9} disabled={!b.covered} value={b.limit} onInput={(e) => setBenefit(c, { limit: e.currentTarget.value })} /></td>
                <td><input aria-label={`${c} waiting days`} size={4} disabled={!b.covered} value={b.waiting} onInput={(e) => setBenefit(c, { waiting: e.currentTarget.value })} /></td>
              </tr>
            );
          })}
        </DataTable>
        <div class="row">
          <Button type="submit" busy={save.busy} busyLabel="Saving…">{editing ? 'Save plan' : 'Publish plan'}</Button>
          {editing && <Button kind="secondary" onClick={() => { setEditing(null); setDraft(emptyDraft()); }}>Cancel editing</Button>}
        </div>
      </ActionForm>
    </Page>
  );
}
