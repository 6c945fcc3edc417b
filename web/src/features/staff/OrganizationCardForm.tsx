import { useEffect, useState } from 'preact/hooks';
import { me } from '../../app/session';
import { ownOrganization, updateOrganization, type Organization } from '../../sdk/organizations';
import { ActionForm, Button, Card, Field, Notice, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';

type Draft = { name: string; address: string; latitude: string; longitude: string; registrationNumber: string; contactPhone: string; contactEmail: string };

const draftOf = (o: Organization): Draft => ({
  name: o.name, address: o.address, latitude: String(o.latitude), longitude: String(o.longitude), registrationNumber: o.registrationNumber,
  contactPhone: o.contactPhone ?? '', contactEmail: o.contactEmail ?? '',
});

/** The fields the admin's signature covers (OrganizationCards.Hash): changing one sends the organization back to the queue. */
const cardChanged = (o: Organization, d: Draft) =>
  d.name.trim() !== o.name || d.address.trim() !== o.address || d.registrationNumber.trim() !== o.registrationNumber
  || Number(d.latitude) !== o.latitude || Number(d.longitude) !== o.longitude;

/**
 * Staff edit their organization's card (name, address, location, registration or licence number) and contact. The server
 * checks every field (422 per field); a changed card of a decided organization goes back to the admin's queue, and the form
 * says so before saving.
 */
export function OrganizationCardForm() {
  const orgId = me.value?.organizationId ?? null;
  const loaded = useAsync((signal) => (orgId ? ownOrganization(orgId, signal) : Promise.reject(new Error('Your account belongs to no organization.'))), [orgId]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saved, setSaved] = useState<Organization | null>(null);
  useEffect(() => {
    if (loaded.data) setDraft(draftOf(loaded.data));
  }, [loaded.data]);
  const current = saved ?? loaded.data;
  const save = useAction(async () => {
    setSaved(null);
    const d = draft!;
    const updated = await updateOrganization(orgId!, {
      name: d.name, address: d.address, latitude: Number(d.latitude), longitude: Number(d.longitude), registrationNumber: d.registrationNumber,
      contactPhone: d.contactPhone.trim() || null, contactEmail: d.contactEmail.trim() || null,
    });
    setDraft(draftOf(updated));
    setSaved(updated);
  });
  const set = (k: keyof Draft) => (e: { currentTarget: HTMLInputElement }) => {
    setSaved(null);
    setDraft({ ...draft!, [k]: e.currentTarget.value });
  };
  const requeues = current && draft && current.verification !== 'Pending' && !current.cardChangedAt && cardChanged(current, draft);

  return (
    <Card title="Organization card">
      <ProblemAlert error={loaded.error} />
      {loaded.loading && !loaded.data && <Spinner label="Loading the organization…" />}
      {current && draft && (
        <>
          <p class="muted">
            The admin verified this card: name, address, location and {current.kind === 'Pharmacy' ? 'licence' : 'registration'} number. Contact details
            are not on it.
          </p>
          {current.cardChangedAt && <Notice kind="info">The card changed since the admin's decision: it is waiting in the admin's queue.</Notice>}
          <ActionForm class="stack" noValidate onSubmit={() => void save.run()}>
            <Field id="org-name" label="Name"><input id="org-name" value={draft.name} onInput={set('name')} maxLength={200} /></Field>
            <Field id="org-address" label="Address"><input id="org-address" value={draft.address} onInput={set('address')} maxLength={500} /></Field>
            <div class="inline-form">
              <Field id="org-latitude" label="Latitude"><input id="org-latitude" inputMode="decimal" value={draft.latitude} onInput={set('latitude')} /></Field>
              <Field id="org-longitude" label="Longitude"><input id="org-longitude" inputMode="decimal" value={draft.longitude} onInput={set('longitude')} /></Field>
            </div>
            <Field id="org-registration" label={current.kind === 'Pharmacy' ? 'Licence number' : 'Registration number'}>
              <input id="org-registration" value={draft.registrationNumber} onInput={set('registrationNumber')} maxLength={60} />
            </Field>
            <Field id="org-phone" label="Contact phone"><input id="org-phone" type="tel" value={draft.contactPhone} onInput={set('contactPhone')} maxLength={40} /></Field>
            <Field id="org-email" label="Contact e-mail"><input id="org-email" type="email" value={draft.contactEmail} onInput={set('contactEmail')} maxLength={254} /></Field>
            {requeues && (
              <Notice kind="warning">
                Saving changes the verified card: the organization goes back to the admin's verification queue, and patients' apps show it
                as not verified until an admin signs the new card.
              </Notice>
            )}
            <ProblemAlert error={save.error} />
            {saved && (
              <Notice kind="success">
                {saved.cardChangedAt ? "Card saved; it is back in the admin's verification queue." : 'Card saved.'}
              </Notice>
            )}
            <div class="row">
              <Button type="submit" busy={save.busy} busyLabel="Saving…">Save card</Button>
            </div>
          </ActionForm>
        </>
      )}
    </Card>
  );
}

/** The card on its own page, for pharmacists and insurer staff (hospital staff have it on "Hospital profile"). */
export function OrganizationCardPage() {
  return (
    <Page title="Organization card">
      <OrganizationCardForm />
    </Page>
  );
}
