import { useState } from 'preact/hooks';
import { me } from '../../app/session';
import { adminUsers, setSuspended, type AccountSummary } from '../../sdk/admin';
import { Button, Card, DataTable, Empty, Field, formatDate, Notice, Page, ProblemAlert, ShortId, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { words } from './labels';

const ROLES = ['Patient', 'Doctor', 'HospitalStaff', 'Pharmacist', 'InsurerStaff', 'PlatformAdmin'];
const STATES = ['NotRequired', 'Pending', 'Approved', 'Rejected'];

/**
 * The admin's accounts (issue 19 item 3; organizations have their own screen): filter by role, state and verification; suspend
 * or reinstate an account (its sessions end at once). No e-mail addresses and no patient names: professionals by their public directory name.
 */
export function People() {
  const [role, setRole] = useState('');
  const [status, setStatus] = useState('');
  const [verification, setVerification] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const users = useAsync((signal) => adminUsers({ role, verification, suspended: status === '' ? undefined : status === 'suspended' }, signal),
    [role, status, verification]);
  const self = me.value?.id;
  const toggle = useAction(async (a: AccountSummary) => {
    setDone(null);
    await setSuspended(a.id, !a.suspended);
    setDone(`${a.displayName ?? `Account ${a.id.slice(0, 8)}`} is ${a.suspended ? 'reinstated' : 'suspended'}.`);
    users.reload();
  });

  return (
    <Page title="Users">
      <Card title="Accounts">
        <div class="inline-form">
          <Field id="people-role" label="Role">
            <select id="people-role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              <option value="">All roles</option>
              {ROLES.map((r) => <option key={r} value={r}>{words(r)}</option>)}
            </select>
          </Field>
          <Field id="people-status" label="Status">
            <select id="people-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              <option value="">Active and suspended</option>
              <option value="active">Active</option>
              <option value="suspended">Suspended</option>
            </select>
          </Field>
          <Field id="people-verification" label="Verification">
            <select id="people-verification" value={verification} onChange={(e) => setVerification(e.currentTarget.value)}>
              <option value="">Any</option>
              {STATES.map((s) => <option key={s} value={s}>{words(s)}</option>)}
            </select>
          </Field>
        </div>
        <ProblemAlert error={users.error ?? toggle.error} />
        {done && <Notice kind="success">{done}</Notice>}
        {users.loading && !users.data && <Spinner label="Loading accounts…" />}
        {users.data && users.data.length === 0 && <Empty>No accounts match.</Empty>}
        {users.data && users.data.length > 0 && (
          <DataTable label="Accounts" columns={['Account', 'Role', 'Name (professionals)', 'Organization', 'Verification', 'Status', 'Since', '']}
            caption={<>{users.data.length} account{users.data.length === 1 ? '' : 's'}, newest first</>} busy={users.loading}>
            {users.data.map((a) => (
              <tr key={a.id}>
                <td><ShortId id={a.id} /></td>
                <td>{words(a.role)}</td>
                <td>{a.displayName ?? '—'}</td>
                <td>{a.organizationId ? <ShortId id={a.organizationId} /> : '—'}</td>
                <td>{words(a.verification)}</td>
                <td>{a.suspended ? 'Suspended' : 'Active'}</td>
                <td>{formatDate(a.createdAt)}</td>
                <td>
                  {a.id !== self && (
                    <Button kind="secondary" onClick={() => void toggle.run(a)} disabled={toggle.busy}
                      aria-label={`${a.suspended ? 'Reinstate' : 'Suspend'} ${a.id.slice(0, 8)}`}>
                      {a.suspended ? 'Reinstate' : 'Suspend'}
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>

    </Page>
  );
}
