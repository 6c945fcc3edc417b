import { useState } from 'preact/hooks';
import { ApiProblem, type Role } from '../../app/http';
import { navigate } from '../../app/router';
import { roleNames } from '../../app/session';
import { confirmRegistration, passwordProblem, register, type NewOrganization, type PendingRegistration, type Registration, type SignupInput } from '../../sdk/account';
import { organizationCard, organizations, type OrganizationKind } from '../../sdk/organizations';
import { VerifiedBadge } from '../hospitals/VerifiedBadge';
import { ActionForm, Button, Field, Notice, Page, ProblemAlert, Progress, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { NewPasswordFields } from './passwordFields';
import { OneTimeCodeField } from './codeField';
import { RecoveryCodeStep } from './RecoveryCodeStep';

type SignupRole = SignupInput['role'];

const signupRoles: SignupRole[] = ['Patient', 'Doctor', 'HospitalStaff', 'Pharmacist', 'InsurerStaff'];

/** Which kind of organization a professional belongs to (AccountService.ExpectedOrganizationKind). */
function organizationKindFor(role: Role): OrganizationKind | null {
  switch (role) {
    case 'Doctor':
    case 'HospitalStaff':
      return 'Hospital';
    case 'Pharmacist':
      return 'Pharmacy';
    case 'InsurerStaff':
      return 'Insurer';
    default:
      return null;
  }
}

const kindNames: Record<OrganizationKind, string> = { Hospital: 'hospital', Pharmacy: 'pharmacy', Insurer: 'insurer' };

export function SignupPage() {
  const [pending, setPending] = useState<{ registration: PendingRegistration; email: string; professional: boolean } | null>(null);
  const [done, setDone] = useState<{ registration: Registration; professional: boolean } | null>(null);
  const title = done ? 'Save your recovery code' : pending ? 'Confirm your email' : 'Create an account';
  return (
    <Page title={title}>
      {done ? (
        <RecoveryCodeStep registration={done.registration} professional={done.professional} onConfirmed={() => navigate('/login')} />
      ) : (
        <>
          {pending && (
            <SignupCodeStep
              pending={pending.registration}
              email={pending.email}
              onConfirmed={(registration) => setDone({ registration, professional: pending.professional })}
              onRestart={() => setPending(null)}
            />
          )}
          {/* Kept mounted while the code step shows, so "Start again" returns to the filled-in form. */}
          <div hidden={pending !== null}>
            <SignupForm onStarted={(registration, email, professional) => setPending({ registration, email, professional })} />
          </div>
        </>
      )}
    </Page>
  );
}

/** The emailed code, like the sign-in code step. A taken address gets no code (its owner gets a notice), and this step cannot tell. */
function SignupCodeStep(props: { pending: PendingRegistration; email: string; onConfirmed: (registration: Registration) => void; onRestart: () => void }) {
  const [code, setCode] = useState('');
  const verify = useAction(async () => {
    props.onConfirmed(await confirmRegistration(props.pending, code));
  });
  return (
    <ActionForm onSubmit={() => void verify.run()}>
      <ProblemAlert error={verify.error} />
      <Notice kind="info">
        We emailed a 6-digit code to {props.email}. Enter it to create your account; it expires in a few minutes. If that address already has an
        account, its owner was told instead: sign in or recover that account.
      </Notice>
      <OneTimeCodeField id="signup-email-code" label="Emailed code" pattern="[0-9 ]*" autoFocus value={code} onValue={setCode} />
      <div class="row">
        <Button type="submit" busy={verify.busy} busyLabel="Creating your account…">
          Verify
        </Button>
        <Button kind="link" onClick={props.onRestart}>
          Start again
        </Button>
      </div>
    </ActionForm>
  );
}

interface OrgForm {
  name: string;
  address: string;
  latitude: string;
  longitude: string;
  contactPhone: string;
  contactEmail: string;
  registrationNumber: string;
}

const emptyOrg: OrgForm = { name: '', address: '', latitude: '', longitude: '', contactPhone: '', contactEmail: '', registrationNumber: '' };

function SignupForm(props: { onStarted: (registration: PendingRegistration, email: string, professional: boolean) => void }) {
  const [role, setRole] = useState<SignupRole>('Patient');
  const [orgMode, setOrgMode] = useState<'existing' | 'new'>('existing');
  const [organizationId, setOrganizationId] = useState('');
  const [org, setOrg] = useState<OrgForm>(emptyOrg);
  const [license, setLicense] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const kind = organizationKindFor(role);

  const action = useAction(async () => {
    const pwProblem = passwordProblem(password, confirm);
    if (pwProblem) throw new ApiProblem(0, 'Check your password', pwProblem);
    const input: SignupInput = { email: email.trim(), password, role };
    if (kind) {
      if (orgMode === 'existing') {
        if (!organizationId) throw new ApiProblem(0, 'Choose your organization', `Pick your ${kindNames[kind]} from the list, or register a new one.`);
        input.organizationId = organizationId;
      } else {
        input.newOrganization = toNewOrganization(kind, org);
      }
    }
    if (role === 'Doctor') input.licenseNumber = license.trim();
    const registration = await register(input);
    setPassword('');
    setConfirm('');
    props.onStarted(registration, input.email, kind !== null);
  });

  return (
    <ActionForm onSubmit={() => void action.run()}>
      <p class="muted">
        Your keys are generated in this browser. The server stores them only encrypted under your password and under a recovery code you will see
        once.
      </p>
      <ProblemAlert error={action.error} />
      <fieldset>
        <legend>I am a</legend>
        {signupRoles.map((r) => (
          <label class="checkbox" key={r}>
            <input type="radio" name="signup-role" value={r} checked={role === r} onChange={() => setRole(r)} />
            {roleNames[r]}
          </label>
        ))}
      </fieldset>
      {kind && (
        <OrganizationChoice
          kind={kind}
          mode={orgMode}
          onMode={setOrgMode}
          organizationId={organizationId}
          onOrganizationId={setOrganizationId}
          org={org}
          onOrg={setOrg}
        />
      )}
      {role === 'Doctor' && (
        <Field id="signup-license" label="Licence number" hint="Checked by a platform admin before you can act as a doctor.">
          <input id="signup-license" required maxLength={64} aria-describedby="signup-license-hint" value={license} onInput={(e) => setLicense(e.currentTarget.value)} />
        </Field>
      )}
      <Field id="signup-email" label="Email">
        <input id="signup-email" type="email" autoComplete="email" required maxLength={254} value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </Field>
      <NewPasswordFields idPrefix="signup" password={password} confirm={confirm} onPassword={setPassword} onConfirm={setConfirm} />
      {action.busy && <Progress label="Generating keys and deriving your password key…" />}
      <div class="row">
        <Button type="submit" busy={action.busy} busyLabel="Creating your account…">
          Create account
        </Button>
      </div>
    </ActionForm>
  );
}

function toNewOrganization(kind: OrganizationKind, org: OrgForm): NewOrganization {
  const latitude = Number(org.latitude);
  const longitude = Number(org.longitude);
  if (org.latitude.trim() === '' || !Number.isFinite(latitude) || latitude < -90 || latitude > 90)
    throw new ApiProblem(0, 'Check the location', 'Latitude must be a number between -90 and 90.');
  if (org.longitude.trim() === '' || !Number.isFinite(longitude) || longitude < -180 || longitude > 180)
    throw new ApiProblem(0, 'Check the location', 'Longitude must be a number between -180 and 180.');
  return {
    kind,
    name: org.name.trim(),
    address: org.address.trim(),
    latitude,
    longitude,
    contactPhone: org.contactPhone.trim() || null,
    contactEmail: org.contactEmail.trim() || null,
    registrationNumber: org.registrationNumber.trim(),
  };
}

function OrganizationChoice(props: {
  kind: OrganizationKind;
  mode: 'existing' | 'new';
  onMode: (m: 'existing' | 'new') => void;
  organizationId: string;
  onOrganizationId: (id: string) => void;
  org: OrgForm;
  onOrg: (o: OrgForm) => void;
}) {
  const kindName = kindNames[props.kind];
  const list = useAsync((signal) => organizations(props.kind, signal), [props.kind]);
  const set = (key: keyof OrgForm) => (e: { currentTarget: HTMLInputElement }) => props.onOrg({ ...props.org, [key]: e.currentTarget.value });
  const chosen = list.data?.find((o) => o.id === props.organizationId);
  return (
    <fieldset class="stack">
      <legend>Your {kindName}</legend>
      <label class="checkbox">
        <input type="radio" name="signup-org-mode" checked={props.mode === 'existing'} onChange={() => props.onMode('existing')} />
        Join a verified {kindName}
      </label>
      <label class="checkbox">
        <input type="radio" name="signup-org-mode" checked={props.mode === 'new'} onChange={() => props.onMode('new')} />
        Register a new {kindName}
      </label>
      {props.mode === 'existing' ? (
        list.loading ? (
          <Spinner label={`Loading ${kindName}s…`} />
        ) : list.error ? (
          <ProblemAlert error={list.error} />
        ) : (
          <Field id="signup-organization" label="Organization" hint={list.data?.length ? undefined : `No verified ${kindName} yet: register a new one.`}>
            <select id="signup-organization" value={props.organizationId} onChange={(e) => props.onOrganizationId(e.currentTarget.value)}>
              <option value="">Choose…</option>
              {list.data?.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name} — {o.address}
                </option>
              ))}
            </select>
            {/* The directory's word is not enough: the badge is this browser's check of the admin's signature over this card. */}
            {chosen && (
              <p data-testid="signup-organization-check">
                {chosen.name}: <VerifiedBadge card={organizationCard(chosen)} />
              </p>
            )}
          </Field>
        )
      ) : (
        <>
          <Notice kind="info">A new {kindName} is checked by a platform admin before its staff can act.</Notice>
          <Field id="signup-org-name" label="Organization name">
            <input id="signup-org-name" required maxLength={200} value={props.org.name} onInput={set('name')} />
          </Field>
          <Field id="signup-org-address" label="Address">
            <input id="signup-org-address" required maxLength={500} autoComplete="street-address" value={props.org.address} onInput={set('address')} />
          </Field>
          <Field id="signup-org-registration" label={props.kind === 'Pharmacy' ? 'Pharmacy licence number' : 'Registration number'}
            hint="As in the public register; the admin checks it before verifying">
            <input id="signup-org-registration" required maxLength={60} value={props.org.registrationNumber} onInput={set('registrationNumber')} />
          </Field>
          <div class="row">
            <Field id="signup-org-lat" label="Latitude" hint="-90 to 90">
              <input id="signup-org-lat" inputMode="decimal" required value={props.org.latitude} onInput={set('latitude')} />
            </Field>
            <Field id="signup-org-lon" label="Longitude" hint="-180 to 180">
              <input id="signup-org-lon" inputMode="decimal" required value={props.org.longitude} onInput={set('longitude')} />
            </Field>
          </div>
          <Field id="signup-org-phone" label="Contact phone (optional)">
            <input id="signup-org-phone" type="tel" maxLength={40} value={props.org.contactPhone} onInput={set('contactPhone')} />
          </Field>
          <Field id="signup-org-contact-email" label="Contact email (optional)">
            <input id="signup-org-contact-email" type="email" maxLength={254} value={props.org.contactEmail} onInput={set('contactEmail')} />
          </Field>
        </>
      )}
    </fieldset>
  );
}
