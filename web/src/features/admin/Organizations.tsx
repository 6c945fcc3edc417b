import { useState } from 'preact/hooks';
import { adminOrganizations, setOrganizationSuspended } from '../../sdk/admin';
import { STANDING_REASONS, type Organization } from '../../sdk/organizations';
import { Button, Card, DataTable, Empty, Field, Notice, Page, ProblemAlert, ShortId, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { words } from './labels';

const STATES = ['Pending', 'Approved', 'Rejected'];
const KINDS = ['Hospital', 'Pharmacy', 'Insurer'];

/** Reason codes as a screen says them (the ledger holds only the code). */
export const STANDING_REASON_WORDS: Record<string, string> = {
  'licence-withdrawn': 'Licence withdrawn',
  'under-investigation': 'Under investigation',
  'requested-by-organization': 'Requested by the organization',
  resolved: 'Resolved',
  other: 'Other',
};

/**
 * The admin's organizations (issue 19): every verification state, with standing. Suspending signs an identity.org-standing
 * with the admin's own key: the organization leaves search and pickers, takes no new bookings, orders, applications or
 * claims, and every client calls it not verified; reinstating restores it.
 */
export function Organizations() {
  const [kind, setKind] = useState('');
  const [state, setState] = useState('');
  const [standing, setStanding] = useState('');
  const [reason, setReason] = useState<string>('under-investigation');
  const [done, setDone] = useState<string | null>(null);
  const orgs = useAsync((signal) => adminOrganizations({ kind, verification: state, suspended: standing === '' ? undefined : standing === 'suspended' }, signal),
    [kind, state, standing]);
  const toggle = useAction(async (o: Organization) => {
    setDone(null);
    const suspend = !o.suspended;
    // A reinstatement with a suspension's reason reads oddly on the ledger: "resolved" unless the admin picked otherwise.
    const code = !suspend && reason !== 'other' && reason !== 'requested-by-organization' ? 'resolved' : reason;
    await setOrganizationSuspended(o.id, suspend, code);
    setDone(`${o.name} is ${suspend ? 'suspended' : 'reinstated'} (${STANDING_REASON_WORDS[code] ?? code}).`);
    orgs.reload();
  });

  return (
    <Page title="Organizations">
      <Card title="Organizations">
        <div class="inline-form">
          <Field id="org-kind" label="Kind">
            <select id="org-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
              <option value="">All kinds</option>
              {KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
            </select>
          </Field>
          <Field id="org-state" label="Verification state">
            <select id="org-state" value={state} onChange={(e) => setState(e.currentTarget.value)}>
              <option value="">Any</option>
              {STATES.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          </Field>
          <Field id="org-standing" label="Standing">
            <select id="org-standing" value={standing} onChange={(e) => setStanding(e.currentTarget.value)}>
              <option value="">Active and suspended</option>
              <option value="active">Active</option>
              <option value="suspended">Suspended</option>
            </select>
          </Field>
          <Field id="org-reason" label="Reason for a suspension">
            <select id="org-reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
              {STANDING_REASONS.filter((r) => r !== 'resolved').map((r) => <option key={r} value={r}>{STANDING_REASON_WORDS[r]}</option>)}
            </select>
          </Field>
        </div>
        <p class="muted">
          Suspending is signed with your key and recorded on the ledger with the reason code only. A suspended organization leaves
          search, takes no new bookings, orders, applications or claims, and is shown as not verified; what it holds stays readable.
        </p>
        <ProblemAlert error={orgs.error ?? toggle.error} />
        {done && <Notice kind="success">{done}</Notice>}
        {orgs.loading && !orgs.data && <Spinner label="Loading organizations…" />}
        {orgs.data && orgs.data.length === 0 && <Empty>No organizations match.</Empty>}
        {orgs.data && orgs.data.length > 0 && (
          <DataTable label="Organizations" columns={['Organization', 'Kind', 'Name', 'Registration no.', 'Verification', 'Standing', '']} busy={orgs.loading}>
            {orgs.data.map((o) => (
              <tr key={o.id}>
                <td><ShortId id={o.id} /></td>
                <td>{o.kind}</td>
                <td>{o.name}</td>
                <td>{o.registrationNumber}</td>
                <td>{words(o.verification)}{o.cardChangedAt ? ' (card changed)' : ''}</td>
                <td>{o.suspended ? `Suspended (${STANDING_REASON_WORDS[o.standingReason ?? ''] ?? o.standingReason ?? ''})` : 'Active'}</td>
                <td>
                  <Button kind="secondary" onClick={() => void toggle.run(o)} disabled={toggle.busy} aria-label={`${o.suspended ? 'Reinstate' : 'Suspend'} ${o.name}`}>
                    {o.suspended ? 'Reinstate' : 'Suspend'}
                  </Button>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
    </Page>
  );
}
