// The organization directory (src/MedLedger.Client/OrganizationsClient.cs): verified hospitals, pharmacies and
// insurers, where they are, and an organization's members. Not medical content, but "verified" is this browser's own
// check of the admin's signature over the card shown (checkOrganization), never the server's flag.
import { api, type Me } from '../app/http';
import { organizationCardHash, type OrganizationCardFields } from '../crypto';
export type { OrganizationCardFields };
import { isSystemEvent, receiptTransaction, type LedgerReceipt } from '../ledger';
import { adminKeyProblem, receiptProblem, verificationAgeProblem } from './identity';
import { signTransaction, VerificationError } from './ledger';

export type OrganizationKind = 'Hospital' | 'Pharmacy' | 'Insurer';

export interface Organization {
  id: string;
  kind: OrganizationKind;
  name: string;
  address: string;
  latitude: number;
  longitude: number;
  contactPhone?: string | null;
  contactEmail?: string | null;
  verification: Me['verification'];
  verificationReason?: string | null;
  registrationNumber: string;
  /** Set when staff changed the card after the admin decided: back in the admin's queue. */
  cardChangedAt?: string | null;
  /** An admin suspended it (identity.org-standing): out of search, no new work. Clients read the standing on the ledger. */
  suspended?: boolean;
  standingReason?: string | null;
}

/** Where an organization is and how to reach it: what sign-up sends and a hospital profile shows. */
export interface OrganizationPlace {
  name: string;
  address: string;
  latitude: number;
  longitude: number;
  contactPhone: string | null;
  contactEmail: string | null;
  /** Registration (hospital, insurer) or licence (pharmacy) number; on the card the admin verifies. */
  registrationNumber: string;
}

/** A member of the caller's organization (names stay in the client-encrypted profile, so ids and licences only). */
export interface OrganizationMember {
  userId: string;
  role: string;
  verification: 'NotRequired' | 'Pending' | 'Approved' | 'Rejected';
  licenseNumber: string | null;
  encryptedProfile: string | null;
}

/** Verified organizations, of one kind or all, asked without a session (sign-up lists them before an account exists). */
export function organizations(kind?: OrganizationKind, signal?: AbortSignal): Promise<Organization[]> {
  return api.get<Organization[]>(kind ? `/api/organizations?kind=${kind}` : '/api/organizations', { auth: false, signal });
}

/** Verified hospitals' names by id (labels for care assignments). */
export async function hospitalNames(signal?: AbortSignal): Promise<Map<string, string>> {
  const orgs = await organizations('Hospital', signal);
  return new Map(orgs.map((o) => [o.id, o.name]));
}

/** Verified hospitals (public directory), asked with the session's token as the patient's screens always have. */
export function listHospitals(): Promise<Organization[]> {
  return api.get<Organization[]>('/api/organizations?kind=Hospital');
}

/** The members of an organization (hospital staff pick doctors and seal the emergency key to them). */
export const organizationMembers = (organizationId: string, signal?: AbortSignal) =>
  api.get<OrganizationMember[]>(`/api/organizations/${organizationId}/members`, { signal });

/** GET /api/ledger/organizations/{id}/verification: the newest identity.verify about an organization, if any. */
export interface OrganizationVerificationReceipt {
  organizationId: string;
  verification: LedgerReceipt | null;
  /** The newest identity.org-standing about the organization (null when never suspended). */
  standing?: LedgerReceipt | null;
}

/** An organization's verification as this browser checked it; `label` is what screens show next to its name. */
export interface CheckedOrganization {
  organizationId: string;
  verified: boolean;
  notVerifiedReason: string | null;
  label: 'verified' | 'not verified by the admin';
}

/** The card of an organization as shown: a directory entry (kind given) or a hospital search hit (kind Hospital). */
export function organizationCard(o: { id?: string; hospitalId?: string; kind?: string; name: string; address: string; latitude: number; longitude: number; registrationNumber: string }): OrganizationCardFields {
  return {
    organizationId: (o.id ?? o.hospitalId)!, kind: o.kind ?? 'Hospital', name: o.name, address: o.address, latitude: o.latitude, longitude: o.longitude,
    registrationNumber: o.registrationNumber,
  };
}

async function organizationVerificationProblem(card: OrganizationCardFields): Promise<string | null> {
  // Anonymous (public ledger metadata): a person signing up has no session yet.
  const served = await api.get<OrganizationVerificationReceipt>(`/api/ledger/organizations/${card.organizationId}/verification`, { auth: false });
  if (served.organizationId !== card.organizationId) return 'the verification served is about another organization';
  const receipt = served.verification;
  if (!receipt) return 'no admin verification on the ledger';
  const bad = await receiptProblem(receipt);
  if (bad) return bad;
  const tx = await receiptTransaction(receipt);
  if (tx.type !== 'identity.verify' || tx.payload.subjectKind !== 'organization' || tx.payload.subjectId !== card.organizationId) {
    return 'the verification receipt is about something else';
  }
  if (tx.payload.decision !== 'approved') return 'an admin rejected this organization';
  if (isSystemEvent(tx)) return 'the verification is not signed by an admin';
  if (tx.payload.cardHash !== (await organizationCardHash(card))) return 'the admin verified a different card (name, address, location or registration number changed)';
  // The signer must be a platform admin by the ledger's own key history (following rotations), not by the server's word.
  return verificationAgeProblem(receipt) ?? (await adminKeyProblem(receipt)) ?? (await standingProblem(card.organizationId, served.standing ?? null));
}

/**
 * Why the organization's standing on the ledger withdraws "verified" (OrganizationsClient.StandingProblemAsync): a suspension in
 * a receipt that verifies; a reinstatement counts only when an admin signed it, so a server cannot forge one.
 */
async function standingProblem(organizationId: string, standing: LedgerReceipt | null): Promise<string | null> {
  if (!standing) return null;
  const bad = await receiptProblem(standing);
  if (bad) return bad;
  const tx = await receiptTransaction(standing);
  if (tx.type !== 'identity.org-standing' || tx.payload.organizationId !== organizationId) return "the ledger's latest standing is about something else";
  if (tx.payload.standing !== 'active') return 'an admin suspended this organization';
  return isSystemEvent(tx) ? 'the reinstatement is not signed by an admin' : await adminKeyProblem(standing);
}

/** Reason codes of identity.org-standing (OrganizationStandingContract.Reasons): codes, never free text on the ledger. */
export const STANDING_REASONS = ['licence-withdrawn', 'under-investigation', 'requested-by-organization', 'resolved', 'other'] as const;

/** An admin's suspension or reinstatement of an organization, signed here with the admin's own key. */
export function signOrganizationStanding(organizationId: string, suspend: boolean, reason: string) {
  return signTransaction('identity.org-standing', { organizationId, standing: suspend ? 'suspended' : 'active', reason });
}

/**
 * Checks the card made of exactly the shown fields against the newest admin decision on the ledger: "verified" only when
 * a platform admin's own signed identity.verify approves it. A failing organization is still shown, as not verified.
 */
export async function checkOrganization(card: OrganizationCardFields): Promise<CheckedOrganization> {
  let reason: string | null;
  try {
    reason = await organizationVerificationProblem(card);
  } catch (e) {
    reason = e instanceof Error ? e.message : String(e);
  }
  return { organizationId: card.organizationId, verified: reason === null, notVerifiedReason: reason, label: reason === null ? 'verified' : 'not verified by the admin' };
}

/** The admin's decision on an organization, signed here over the card the directory shows the admin. */
export async function signOrganizationDecision(organizationId: string, approve: boolean) {
  const org = await api.get<Organization>(`/api/organizations/${organizationId}`);
  if (org.id !== organizationId) throw new VerificationError(`Asked for organization ${organizationId}, the server answered ${org.id}.`);
  return signTransaction('identity.verify', {
    subjectId: organizationId, subjectKind: 'organization', decision: approve ? 'approved' : 'rejected',
    cardHash: await organizationCardHash(organizationCard(org)),
  });
}

/** PUT /api/organizations/{id}: what staff may change of their own organization (OrganizationsClient.UpdateOrganizationAsync). */
export interface OrganizationUpdate {
  name: string;
  address: string;
  latitude: number;
  longitude: number;
  contactPhone: string | null;
  contactEmail: string | null;
  registrationNumber: string;
}

/** The caller's own organization (an unverified or suspended one is still visible to its members). */
export async function ownOrganization(organizationId: string, signal?: AbortSignal): Promise<Organization> {
  const org = await api.get<Organization>(`/api/organizations/${organizationId}`, { signal });
  if (org.id !== organizationId) throw new VerificationError(`Asked for organization ${organizationId}, the server answered ${org.id}.`);
  return org;
}

/** Changing the card (name, address, location, registration number) of a decided organization puts it back in the admin's queue. */
export const updateOrganization = (organizationId: string, update: OrganizationUpdate) =>
  api.put<Organization>(`/api/organizations/${organizationId}`, update);
