import { useState } from 'preact/hooks';
import { checkEligibility, COVER_CATEGORIES, policiesSharedWithMe, todayUtc, type EligibilityView } from '../../sdk/insurance';
import { formatMoney } from '../../sdk/wallet';
import { ActionForm, Button, Card, Empty, Field, Notice, Page, ProblemAlert, Spinner, formatDate } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';

/**
 * Doctors, hospital staff and pharmacists: policies patients shared with you; pick a category and a date → covered or not,
 * waiting period, what remains. The category's tag is computed here from the shared card; the server sees only the tag.
 */
export function EligibilityCheck() {
  const shares = useAsync((signal) => policiesSharedWithMe(signal), []);
  const [policyId, setPolicyId] = useState('');
  const [category, setCategory] = useState<string>(COVER_CATEGORIES[0]);
  const [date, setDate] = useState(todayUtc());
  const [answer, setAnswer] = useState<EligibilityView | null>(null);
  const check = useAction(async () => {
    setAnswer(null);
    setAnswer(await checkEligibility(policyId, category, date));
  });
  const list = shares.data ?? [];
  return (
    <Page title="Eligibility check">
      <Card>
        <ProblemAlert error={shares.error} />
        {shares.loading && !shares.data && <Spinner label="Loading policies shared with you…" />}
        {shares.data && (list.length === 0 ? <Empty>No patient has shared a policy card with you.</Empty> : (
          <ActionForm onSubmit={() => void check.run()} aria-label="Check eligibility" class="stack">
            <Field id="eligibility-policy" label="Policy">
              <select id="eligibility-policy" value={policyId} onChange={(e) => setPolicyId(e.currentTarget.value)}>
                <option value="">Choose a policy</option>
                {list.map((s) => <option key={s.id} value={s.policyId}>{`Policy ${s.policyId.slice(0, 8)} · patient ${s.patientId.slice(0, 8)} · shared ${formatDate(s.createdAt)}`}</option>)}
              </select>
            </Field>
            <Field id="eligibility-category" label="Category">
              <select id="eligibility-category" value={category} onChange={(e) => setCategory(e.currentTarget.value)}>
                {COVER_CATEGORIES.map((c) => <option key={c} value={c}>{c}</option>)}
              </select>
            </Field>
            <Field id="eligibility-date" label="Date of service">
              <input id="eligibility-date" type="date" value={date} onInput={(e) => setDate(e.currentTarget.value)} />
            </Field>
            <ProblemAlert error={check.error} />
            <Button type="submit" busy={check.busy} busyLabel="Checking…" disabled={!policyId}>Check eligibility</Button>
          </ActionForm>
        ))}
        {answer && (
          <Notice kind={answer.covered ? 'success' : 'warning'}>
            <span data-testid="eligibility-answer">
              {`${category} on ${formatDate(answer.date)}: ${answer.covered ? 'covered' : 'not covered'} · policy ${answer.status}`}
              {` · waiting period ${answer.waitingPeriodPassed ? 'passed' : 'not passed'}`}
              {` · remaining ${formatMoney(answer.remainingForTagMinor, answer.currency)} for ${category}, ${formatMoney(answer.remainingOverallMinor, answer.currency)} overall`}
            </span>
          </Notice>
        )}
      </Card>
    </Page>
  );
}
