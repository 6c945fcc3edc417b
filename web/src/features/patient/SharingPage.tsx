import { useState } from 'preact/hooks';
import { requireSession } from '../../app/session';
import { ActionForm, DataTable, Button, Card, Empty, Field, Notice, Page, ProblemAlert, Progress, ShortId, Spinner, formatDate } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { RECORD_CATEGORIES, listRecords } from '../../sdk/records';
import { CONSENT_PURPOSES, grantConsent, grantStatus, listGrants, revokeConsent, type ConsentPurpose, type ConsentScope, type Grant } from '../../sdk/consent';
import { cardLine, lookUpProfessional, requireTrusted, type CheckedCard } from '../../sdk/identity';
import { knownEmail, rememberEmail, roleLabel } from './people';
import './patient.css';

const PURPOSE_LABELS: Record<ConsentPurpose, string> = {
  treatment: 'Treatment',
  dispensing: 'Dispensing medication',
  'insurance-claim': 'Insurance claim',
  'insurance-application': 'Insurance application',
  'second-opinion': 'Second opinion',
  research: 'Research',
  other: 'Other',
};

function scopeText(g: Grant): string {
  if (g.scope === 'All') return 'All records';
  if (g.scope === 'Categories') return `Categories: ${g.items.join(', ')}`;
  return `${g.items.length} chosen record${g.items.length === 1 ? '' : 's'}`;
}

function StatusBadge(props: { grant: Grant }) {
  const status = grantStatus(props.grant);
  return <span class={`badge ${status === 'active' ? 'ok' : status === 'revoked' ? 'bad' : 'neutral'}`}>{status}</span>;
}

function Grantee(props: { grant: Grant }) {
  const email = knownEmail(props.grant.granteeId);
  return (
    <>
      {roleLabel(props.grant.granteeRole)} <ShortId id={props.grant.granteeId} />
      {email && <div class="muted">{email}</div>}
    </>
  );
}

function RevokeButton(props: { grant: Grant; onRevoked: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const revoke = useAction(async () => {
    await revokeConsent(props.grant.id);
    setConfirming(false);
    props.onRevoked();
  });
  const who = `${roleLabel(props.grant.granteeRole)} ${props.grant.granteeId.slice(0, 8)}`;
  if (!confirming) {
    return (
      <Button kind="danger" onClick={() => setConfirming(true)} aria-label={`Revoke access for ${who}`}>
        Revoke
      </Button>
    );
  }
  return (
    <div class="stack">
      <div class="confirm" role="group" aria-label="Confirm revocation">
        <span>Stop sharing with {who}?</span>
        <Button kind="danger" busy={revoke.busy} busyLabel="Revoking…" onClick={() => void revoke.run()}>
          Yes, revoke
        </Button>
        <Button kind="secondary" disabled={revoke.busy} onClick={() => setConfirming(false)}>
          Cancel
        </Button>
      </div>
      <ProblemAlert error={revoke.error} />
    </div>
  );
}

function GrantsTable(props: { grants: Grant[]; onChanged: () => void }) {
  const sorted = [...props.grants].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  return (
    <DataTable columns={['Who', 'What', 'Purpose', { label: 'Until', class: 'hide-narrow' }, 'Status', { label: <span class="hide-narrow">Action</span> }]} caption="Everyone you share records with">
      {sorted.map((g) => (
        <tr key={g.id}>
          <td>
            <Grantee grant={g} />
          </td>
          <td>{scopeText(g)}</td>
          <td>{PURPOSE_LABELS[g.purpose as ConsentPurpose] ?? g.purpose}</td>
          <td class="hide-narrow">{g.expiresAt ? formatDate(g.expiresAt) : 'no end date'}</td>
          <td>
            <StatusBadge grant={g} />
          </td>
          <td>{grantStatus(g) === 'active' && <RevokeButton grant={g} onRevoked={props.onChanged} />}</td>
        </tr>
      ))}
    </DataTable>
  );
}

function GrantForm(props: { onGranted: (g: Grant, who: string) => void }) {
  const [email, setEmail] = useState('');
  const [scope, setScope] = useState<ConsentScope>('All');
  const [categories, setCategories] = useState<string[]>([]);
  const [recordIds, setRecordIds] = useState<string[]>([]);
  const [purpose, setPurpose] = useState<ConsentPurpose>('treatment');
  const [expires, setExpires] = useState('');
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  // The grantee's checked card, shown before anything is wrapped; the second press of the button shares.
  const [grantee, setGrantee] = useState<{ email: string; card: CheckedCard } | null>(null);
  // Optional, as the CLI's --expect-fingerprint: the fingerprint the professional gave the patient out of band.
  const [pin, setPin] = useState('');
  const records = useAsync(() => listRecords({ patientId: requireSession().tokens.user.id }), []);

  const share = useAction(async () => {
    setFormError(null);
    const items = scope === 'Categories' ? categories : scope === 'Records' ? recordIds : [];
    if (scope !== 'All' && items.length === 0) {
      setFormError(scope === 'Categories' ? 'Choose at least one category.' : 'Choose at least one record.');
      return;
    }
    const expiresAt = expires ? new Date(`${expires}T23:59:59`) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      setFormError('The end date must be in the future.');
      return;
    }
    // First press: find the card and show it (keys checked against the ledger, admin verification checked here).
    if (!grantee || grantee.email !== email.trim()) {
      setGrantee({ email: email.trim(), card: await lookUpProfessional(email.trim()) });
      return;
    }
    // A pinned fingerprint that differs refuses here, before anything is wrapped or sent.
    const card = requireTrusted(grantee.card, pin.trim() || undefined);
    rememberEmail(card.card.userId, email.trim());
    setProgress({ done: 0, total: 0 });
    try {
      const grant = await grantConsent({
        granteeId: card.card.userId, scope, items, purpose, expiresAt, expectedFingerprint: pin.trim() || undefined,
        onProgress: (done, total) => setProgress({ done, total }),
      });
      props.onGranted(grant, card.card.displayName?.trim() || `${roleLabel(grant.granteeRole)} ${grant.granteeId.slice(0, 8)}`);
      setGrantee(null);
      setEmail('');
      setPin('');
      setCategories([]);
      setRecordIds([]);
    } finally {
      setProgress(null);
    }
  });

  const toggle = (list: string[], value: string, on: boolean) => (on ? [...list, value] : list.filter((x) => x !== value));
  return (
    <ActionForm
      class="card stack wide-form"
      aria-label="Share records"
      onSubmit={() => void share.run()}
    >
      <h2 class="card-title">Share records</h2>
      <Field id="grantee-email" label="Email of the doctor, pharmacist or insurer" hint="You see their identity card, checked against the ledger, before anything is shared.">
        <input id="grantee-email" type="email" required autoComplete="off" value={email} onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)} />
      </Field>
      <fieldset>
        <legend>What to share</legend>
        <label class="checkbox">
          <input type="radio" name="scope" checked={scope === 'All'} onChange={() => setScope('All')} /> All my records
        </label>
        <label class="checkbox">
          <input type="radio" name="scope" checked={scope === 'Categories'} onChange={() => setScope('Categories')} /> Some categories
        </label>
        <label class="checkbox">
          <input type="radio" name="scope" checked={scope === 'Records'} onChange={() => setScope('Records')} /> Chosen records
        </label>
        {scope === 'Categories' && (
          <div class="checks" role="group" aria-label="Categories">
            {RECORD_CATEGORIES.filter((c) => c !== 'EmergencySummary').map((c) => (
              <label class="checkbox" key={c}>
                <input type="checkbox" checked={categories.includes(c)} onChange={(e) => setCategories(toggle(categories, c, (e.currentTarget as HTMLInputElement).checked))} />
                {c}
              </label>
            ))}
          </div>
        )}
        {scope === 'Records' && (
          <div class="checks" role="group" aria-label="Records">
            {records.loading && <Spinner label="Loading your records…" />}
            <ProblemAlert error={records.error} />
            {records.data?.length === 0 && <Empty>You have no records yet.</Empty>}
            {records.data?.map((r) => (
              <label class="checkbox" key={r.recordId}>
                <input type="checkbox" checked={recordIds.includes(r.recordId)} onChange={(e) => setRecordIds(toggle(recordIds, r.recordId, (e.currentTarget as HTMLInputElement).checked))} />
                {r.category} · {formatDate(r.createdAtMs)} · {r.recordId.slice(0, 8)}
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <Field id="grant-purpose" label="Purpose">
        <select id="grant-purpose" value={purpose} onChange={(e) => setPurpose((e.currentTarget as HTMLSelectElement).value as ConsentPurpose)}>
          {CONSENT_PURPOSES.map((p) => (
            <option key={p} value={p}>
              {PURPOSE_LABELS[p]}
            </option>
          ))}
        </select>
      </Field>
      <Field id="grant-fingerprint" label="Expected key fingerprint (optional)" hint="If the professional gave you their key fingerprint, paste it: sharing is refused unless it matches.">
        <input id="grant-fingerprint" type="text" autoComplete="off" spellcheck={false} value={pin} onInput={(e) => setPin((e.currentTarget as HTMLInputElement).value)} aria-describedby="grant-fingerprint-hint" />
      </Field>
      <Field id="grant-expires" label="Share until (optional)" hint="Leave empty to share until you revoke.">
        <input id="grant-expires" type="date" value={expires} onChange={(e) => setExpires((e.currentTarget as HTMLInputElement).value)} />
      </Field>
      {formError && (
        <div class="alert error" role="alert">
          {formError}
        </div>
      )}
      {progress && (
        <Progress
          label={progress.total ? `Wrapping keys in this browser: ${progress.done} of ${progress.total} record versions` : 'Checking keys and preparing…'}
          value={progress.total ? progress.done / progress.total : undefined}
        />
      )}
      {grantee && grantee.email === email.trim() && (
        <div role="region" aria-label="Who you are sharing with" class={`alert ${grantee.card.verified ? 'info' : 'error'}`}>
          <strong>{cardLine(grantee.card)}</strong>
          <div>
            Key fingerprint <code>{grantee.card.fingerprint}</code>
          </div>
          {!grantee.card.verified && <div>Not shared: {grantee.card.notVerifiedReason}.</div>}
        </div>
      )}
      <ProblemAlert error={share.error} />
      <div class="row">
        <Button type="submit" busy={share.busy} busyLabel="Sharing…" disabled={!!grantee && grantee.email === email.trim() && !grantee.card.verified}>
          {grantee && grantee.email === email.trim() ? 'Confirm and share' : 'Share'}
        </Button>
      </div>
    </ActionForm>
  );
}

export function SharingPage() {
  const grants = useAsync(() => listGrants(), []);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Page title="Sharing">
      {notice && <Notice kind="success">{notice}</Notice>}
      <GrantForm
        onGranted={(_g, who) => {
          setNotice(`Shared with ${who}; the grant is on the ledger.`);
          grants.reload();
        }}
      />
      <Card title="Who can read my records">
        <ProblemAlert error={grants.error} />
        {grants.loading && !grants.data && <Spinner label="Loading…" />}
        {grants.data && grants.data.length === 0 && <Empty>You have not shared any records.</Empty>}
        {grants.data && grants.data.length > 0 && (
          <GrantsTable
            grants={grants.data}
            onChanged={() => {
              setNotice('Access revoked. They can no longer open your records, and new versions are not shared with them.');
              grants.reload();
            }}
          />
        )}
      </Card>
    </Page>
  );
}
