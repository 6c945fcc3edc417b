// Consent as the patient's browser carries it out (ConsentClient.cs GrantConsentAsync / RevokeConsentAsync):
// every covered record version's data key is unwrapped here and wrapped for the grantee's ledger-checked
// key; the patient signs consent.grant; the server stores the wraps only after the grant commits.
import { APPOINTMENT_GRANT_GRACE_MS, consentScopeHash, factCommitment, FACT_KIND_CONSENT_PURPOSE, fromBase64, newFactSalt, toBase64, verifyRecordSignature } from '../crypto';
import type { Role } from '../app/http';
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { authorSigningKey, fetchSealed, rewrapFor, signedCategoryIfRelabelled, toEnvelope } from './records';
import { signTransaction } from './ledger';
import { trustedCard } from './identity';
import { shareProfileAfterNewRelation } from './profiles';

export type ConsentScope = 'All' | 'Categories' | 'Records';

/** The grant would reach records outside the scope the patient chose (or a pharmacist beyond prescriptions); nothing was sent. */
export class ConsentScopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConsentScopeError';
  }
}

const PRESCRIPTIONS = 'MedicationRequest';

/** The purposes the server accepts (ConsentService.Purposes). */
export const CONSENT_PURPOSES = ['treatment', 'dispensing', 'insurance-claim', 'insurance-application', 'second-opinion', 'research', 'other'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

export interface Grant {
  id: string;
  patientId: string;
  granteeId: string;
  granteeRole: Role;
  scope: ConsentScope;
  items: string[];
  purpose: string;
  /** Base64 salt of the ledger's purposeCommitment (held by the patient and the grantee; see purposeOpens). */
  purposeSalt: string;
  expiresAt: string | null;
  createdAt: string;
  revokedAt: string | null;
  active: boolean;
  grantTransactionId: string;
  revokeTransactionId: string | null;
  /** The appointment an appointment-scoped grant names (null for other grants). */
  appointmentId?: string | null;
}

export interface GrantPlanItem {
  recordId: string;
  version: number;
  category: string;
}

export type GrantStatus = 'active' | 'expired' | 'revoked';

export function grantStatus(g: Grant, now = Date.now()): GrantStatus {
  if (g.revokedAt) return 'revoked';
  if (g.expiresAt && Date.parse(g.expiresAt) <= now) return 'expired';
  return g.active ? 'active' : 'expired';
}

export function listGrants(): Promise<Grant[]> {
  return api.get<Grant[]>('/api/consents');
}

export function grantPlan(scope: ConsentScope, items: readonly string[]): Promise<GrantPlanItem[]> {
  const q = new URLSearchParams({ scope, items: items.join(',') });
  return api.get<GrantPlanItem[]>(`/api/consents/plan?${q.toString()}`);
}

export interface GrantArgs {
  granteeId: string;
  scope: ConsentScope;
  items?: string[];
  purpose: ConsentPurpose;
  expiresAt?: Date | null;
  /** (done, total) record versions wrapped so far. */
  onProgress?: (done: number, total: number) => void;
  /** Refuse unless the grantee's key fingerprint is this one (as shown on their card). */
  expectedFingerprint?: string;
  /** An appointment-scoped grant: the consent.grant names this appointment (use grantForAppointment). */
  appointmentId?: string;
}

export async function grantConsent(args: GrantArgs): Promise<Grant> {
  const s = requireSession();
  const items = [...new Set((args.items ?? []).map((i) => i.trim()).filter(Boolean))];
  // The grantee's key must be the one registered on the ledger, or the server could read through a key of its own,
  // and their card must carry an admin's own signed verification, or the server could pass off a sock puppet.
  const grantee = await trustedCard(args.granteeId, args.expectedFingerprint);
  // A pharmacist dispenses: prescriptions only (the consent contract refuses anything wider too).
  const pharmacist = grantee.card.role === 'Pharmacist';
  if (pharmacist && (args.scope === 'All' || (args.scope === 'Categories' && (items.length !== 1 || items[0] !== PRESCRIPTIONS)))) {
    throw new ConsentScopeError(`A grant to pharmacist ${args.granteeId} can cover prescriptions (${PRESCRIPTIONS}) only.`);
  }
  const plan = await grantPlan(args.scope, items);
  // Every plan item must lie inside the scope chosen here (the server could slip in others): checked before any key is unwrapped.
  for (const item of plan) {
    const inScope = args.scope === 'All' || (args.scope === 'Categories' ? items.includes(item.category) : items.includes(item.recordId));
    if (!inScope || (pharmacist && item.category !== PRESCRIPTIONS)) {
      throw new ConsentScopeError(`The server's plan includes record ${item.recordId} (${item.category}), which is outside the scope you chose; nothing was shared.`);
    }
  }
  const wraps: { recordId: string; version: number; readerKeyId: string; enc: string; wrappedKey: string }[] = [];
  args.onProgress?.(0, plan.length);
  for (const item of plan) {
    const sealed = await fetchSealed(item.recordId, item.version);
    if (sealed.recordId !== item.recordId || sealed.version !== item.version || sealed.patientId !== s.tokens.user.id || sealed.category !== item.category) {
      throw new ConsentScopeError(`The server sent a different record than plan item ${item.recordId} v${item.version}; nothing was shared.`);
    }
    // Scope rests on the category the author signed (header v2), not on the server's label: a relabelled version fails
    // its signature, and a legacy v1 version cannot prove its category where the scope depends on it.
    if ((args.scope === 'Categories' || pharmacist) && (sealed.headerVersion ?? 1) !== 2) {
      throw new ConsentScopeError(`Record ${item.recordId} v${item.version} predates signed categories (header v1), so its category '${item.category}' cannot be proven for this grant; have its author write a new version. Nothing was shared.`);
    }
    const authorKey = await authorSigningKey(sealed);
    const signed = await signedCategoryIfRelabelled(sealed, authorKey);
    if (signed !== undefined) {
      throw new ConsentScopeError(`The server labels record ${item.recordId} as '${item.category}', but its signed header says '${signed}'; nothing was shared.`);
    }
    if (!(await verifyRecordSignature(toEnvelope(sealed), authorKey))) {
      // The signed header names another record, version, patient or author than the server claims.
      throw new ConsentScopeError(`The server sent a version its author did not sign as plan item ${item.recordId} v${item.version}; nothing was shared.`);
    }
    const wrap = await rewrapFor(sealed, grantee.encryptionPublicKey);
    wraps.push({ recordId: item.recordId, version: item.version, readerKeyId: wrap.readerKeyId, enc: toBase64(wrap.enc), wrappedKey: toBase64(wrap.wrappedKey) });
    args.onProgress?.(wraps.length, plan.length);
  }
  const grantId = crypto.randomUUID();
  const scopeName = args.scope.toLowerCase();
  // The ledger gets a salted commitment to the purpose, never the word; the salt stays with the grant's parties.
  const purposeSalt = newFactSalt();
  const expiresAt = args.expiresAt ?? null;
  const transaction = await signTransaction('consent.grant', {
    grantId,
    patientId: s.tokens.user.id,
    granteeId: args.granteeId,
    scope: scopeName,
    scopeHash: await consentScopeHash(scopeName, items),
    purposeCommitment: await factCommitment(FACT_KIND_CONSENT_PURPOSE, args.purpose, purposeSalt),
    expiresAtMs: String(expiresAt ? expiresAt.getTime() : 0),
    ...(args.appointmentId ? { appointmentId: args.appointmentId } : {}),
  });
  const grant = await api.post<Grant>('/api/consents', {
    grantId, granteeId: args.granteeId, scope: args.scope, items, purpose: args.purpose, purposeSalt: toBase64(purposeSalt),
    expiresAt: expiresAt ? expiresAt.toISOString() : null, transaction, wraps, appointmentId: args.appointmentId ?? null,
  });
  // The grantee is now one of the patient's parties: they get the profile too.
  await shareProfileAfterNewRelation();
  return grant;
}

/**
 * Shares chosen records (or categories) with an appointment's doctor for that appointment only (GrantForAppointmentAsync
 * in the C# SDK): the consent.grant names the appointment and expires APPOINTMENT_GRANT_GRACE_MS after its end.
 */
export function grantForAppointment(appointment: { id: string; doctorId: string; end: string }, scope: 'Categories' | 'Records', items: string[]): Promise<Grant> {
  return grantConsent({
    granteeId: appointment.doctorId, scope, items, purpose: 'treatment', appointmentId: appointment.id,
    expiresAt: new Date(Date.parse(appointment.end) + APPOINTMENT_GRANT_GRACE_MS),
  });
}

export async function revokeConsent(grantId: string): Promise<Grant> {
  const s = requireSession();
  const transaction = await signTransaction('consent.revoke', { grantId, patientId: s.tokens.user.id });
  return api.post<Grant>(`/api/consents/${grantId}/revoke`, { transaction });
}

/** Whether a consent.grant's purposeCommitment commits to this grant's purpose (Grant.PurposeOpens in the C# SDK). */
export async function purposeOpens(grant: Grant, purposeCommitment: string | undefined): Promise<boolean> {
  if (!purposeCommitment) return false;
  return (await factCommitment(FACT_KIND_CONSENT_PURPOSE, grant.purpose, fromBase64(grant.purposeSalt))) === purposeCommitment;
}
