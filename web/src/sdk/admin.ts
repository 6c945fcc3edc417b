// Platform admin endpoints (src/MedLedger.Client/AdminClient.cs; server: Features/Admin, Emergency): verification
// queue, decisions, break-glass review and security events. Ids only: the server keeps no names here.
import { api, requestText } from '../app/http';
import type { LedgerEntry } from './ledger';
import { signProfessionalDecision } from './identity';
import { signOrganizationDecision, signOrganizationStanding, type Organization } from './organizations';

export interface PendingOrganization {
  id: string;
  kind: 'Hospital' | 'Pharmacy' | 'Insurer' | string;
  name: string;
  address: string;
  createdAt: string;
  registrationNumber: string;
  /** The earlier decision; with cardChangedAt set the organization is back because its staff changed the card. */
  verification: 'Pending' | 'Approved' | 'Rejected' | string;
  cardChangedAt: string | null;
}

export interface PendingProfessional {
  userId: string;
  role: string;
  organizationId: string | null;
  licenseNumber: string | null;
  createdAt: string;
}

export interface VerificationQueue {
  organizations: PendingOrganization[];
  professionals: PendingProfessional[];
}

// The same BreakGlassEventResponse the doctor's own list returns.
import type { BreakGlassEvent } from './breakGlass';
export type { BreakGlassEvent };

export interface SecurityEvent {
  id: number;
  at: string;
  kind: string;
  actorId: string | null;
  subjectId: string | null;
  detail: string | null;
  remoteAddress: string | null;
}

/** The outcomes the server accepts (EmergencyService.ReviewOutcomes). */
export const REVIEW_OUTCOMES = ['justified', 'unjustified', 'needs-follow-up'] as const;

/** SecurityEventKind on the server, in its order. */
export const SECURITY_EVENT_KINDS = [
  'Registered', 'LoginCredentialAccepted', 'LoginFailed', 'OtpFailed', 'OtpReplayRejected', 'LoginSucceeded', 'Lockout', 'TotpEnrolled', 'Logout',
  'RefreshReuseDetected', 'VerificationApproved', 'VerificationRejected', 'Suspended', 'Reinstated', 'AccessDenied', 'AdminCreated', 'PasswordChanged', 'Recovered',
  'AccessDeniedSummary',
] as const;

export const verificationQueue = (signal?: AbortSignal) => api.get<VerificationQueue>('/api/admin/verifications', { signal });

/**
 * A rejection must carry a reason; the server refuses one without (422), and that refusal is shown as it is. Signed here
 * with the admin's own key over the organization card (organizations.signOrganizationDecision).
 */
export const decideOrganization = async (id: string, approve: boolean, reason: string) =>
  api.post<void>(`/api/admin/organizations/${id}/verification`, { approve, reason: reason.trim() || null, transaction: await signOrganizationDecision(id, approve) });

/** Signed here with the admin's own key over the professional's card and key fingerprint (identity.signProfessionalDecision). */
export const decideProfessional = async (userId: string, approve: boolean, reason: string) =>
  api.post<void>(`/api/admin/users/${userId}/verification`, { approve, reason: reason.trim() || null, transaction: await signProfessionalDecision(userId, approve) });

export const breakGlassEvents = (onlyUnreviewed: boolean, signal?: AbortSignal) =>
  api.get<BreakGlassEvent[]>(`/api/admin/break-glass${onlyUnreviewed ? '?unreviewed=true' : ''}`, { signal });

export const reviewBreakGlass = (id: string, outcome: string) => api.post<void>(`/api/admin/break-glass/${id}/review`, { outcome });

export function securityEvents(kind: string, limit: number, signal?: AbortSignal): Promise<SecurityEvent[]> {
  const p = new URLSearchParams({ limit: String(limit) });
  if (kind) p.set('kind', kind);
  return api.get<SecurityEvent[]>(`/api/admin/security-events?${p.toString()}`, { signal });
}

/** The admin's audit search (GET /api/ledger/audit): every part optional; from/to are ISO instants (from inclusive, to exclusive). */
export interface AuditFilter {
  actor?: string;
  subject?: string;
  type?: string;
  from?: string;
  to?: string;
  valid?: boolean;
}

function auditParams(f: AuditFilter): URLSearchParams {
  const p = new URLSearchParams();
  if (f.actor) p.set('actor', f.actor);
  if (f.subject) p.set('subject', f.subject);
  if (f.type) p.set('type', f.type);
  if (f.from) p.set('from', f.from);
  if (f.to) p.set('to', f.to);
  if (f.valid !== undefined) p.set('valid', String(f.valid));
  return p;
}

/** Ledger transactions matching the filter, newest first; `before` (a log index) pages back. */
export function auditSearch(f: AuditFilter, limit: number, before?: number, signal?: AbortSignal): Promise<LedgerEntry[]> {
  const p = auditParams(f);
  p.set('limit', String(limit));
  if (before !== undefined) p.set('before', String(before));
  return api.get<LedgerEntry[]>(`/api/ledger/audit?${p.toString()}`, { signal });
}

/** The newest 10,000 matches as CSV (the server makes typed text inert for spreadsheets). */
export const auditCsv = (f: AuditFilter) => requestText(`/api/ledger/audit.csv?${auditParams(f).toString()}`);

/** GET /api/admin/dashboard (AdminDashboard): counts, ids, amounts and times only. */
export interface AdminDashboard {
  asOf: string;
  users: { role: string; total: number; suspended: number; awaitingVerification: number }[];
  organizationsAwaitingVerification: number;
  professionalsAwaitingVerification: number;
  ledger: {
    height: number;
    treeSize: number;
    invalidEver: number;
    lastHour: { minute: string; transactions: number; invalid: number }[];
    lastVerify: { startedAt: string; finishedAt: string; headHeight: number; ok: boolean; summary: string } | null;
  };
  securityEventsLastDay: { kind: string; count: number }[];
  breakGlassAwaitingReview: number;
  beds: { hospitalId: string; name: string; total: number; occupied: number; held: number; free: number }[];
  paymentsLast30Days: { currency: string; payments: number; paid: number; refunds: number; refunded: number; net: number }[];
  /** Claims per insurer and currency (all time): counts and amounts only. */
  insuranceClaims: { insurer: string; figures: InsurerClaimFigures }[];
}

export interface InsurerClaimFigures {
  insurerId: string;
  currency: string;
  claims: number;
  awaitingDecision: number;
  approved: number;
  partlyApproved: number;
  rejected: number;
  reversed: number;
  paid: number;
  disputed: number;
  claimedMinor: number;
  approvedMinor: number;
  paidMinor: number;
  /** Decided claims approved in full or in part, 0..1; null before any decision. */
  approvalRate: number | null;
}

export const adminDashboard = (signal?: AbortSignal) => api.get<AdminDashboard>('/api/admin/dashboard', { signal });

/** GET /api/admin/users (AccountSummary): no e-mail address; a name only for professionals (public directory data). */
export interface AccountSummary {
  id: string;
  role: string;
  verification: string;
  suspended: boolean;
  organizationId: string | null;
  displayName: string | null;
  specialty: string | null;
  createdAt: string;
}

export function adminUsers(f: { role?: string; suspended?: boolean; verification?: string }, signal?: AbortSignal): Promise<AccountSummary[]> {
  const p = new URLSearchParams();
  if (f.role) p.set('role', f.role);
  if (f.suspended !== undefined) p.set('suspended', String(f.suspended));
  if (f.verification) p.set('verification', f.verification);
  return api.get<AccountSummary[]>(`/api/admin/users?${p.toString()}`, { signal });
}

/** Organizations in every verification state (the public directory lists only verified ones). */
export function adminOrganizations(f: { kind?: string; verification?: string; suspended?: boolean }, signal?: AbortSignal): Promise<Organization[]> {
  const p = new URLSearchParams();
  if (f.suspended !== undefined) p.set('suspended', String(f.suspended));
  if (f.kind) p.set('kind', f.kind);
  if (f.verification) p.set('verification', f.verification);
  return api.get<Organization[]>(`/api/admin/organizations?${p.toString()}`, { signal });
}

/** Suspending ends the user's sessions at once; reinstating lets them sign in again. */
export const setSuspended = (userId: string, suspended: boolean) => api.post<void>(`/api/admin/users/${userId}/${suspended ? 'suspend' : 'reinstate'}`);

/** Suspends or reinstates an organization with the admin's own signed identity.org-standing (a reason code, never free text). */
export const setOrganizationSuspended = async (organizationId: string, suspend: boolean, reason: string) =>
  api.post<void>(`/api/admin/organizations/${organizationId}/${suspend ? 'suspend' : 'reinstate'}`, {
    reason, transaction: await signOrganizationStanding(organizationId, suspend, reason),
  });

/** GET /api/admin/ledger-activity: transactions per minute (hour), per hour (day) or per UTC day (week), from block metadata. */
export interface LedgerActivity {
  range: 'hour' | 'day' | 'week';
  bucketSeconds: number;
  buckets: { start: string; transactions: number; invalid: number }[];
}

export const ledgerActivity = (range: LedgerActivity['range'], signal?: AbortSignal) =>
  api.get<LedgerActivity>(`/api/admin/ledger-activity?range=${range}`, { signal });

/** GET /api/admin/consortium: the ledger consortium as this server's peer sees it, and evidence against members (issue 14). */
export interface ConsortiumStatus {
  threshold: number;
  fingerprint: string;
  peerId: string;
  members: { peerId: string; publicKey: string; thisPeer: boolean; excluded: boolean }[];
  head: { height: number; treeSize: number; headerHash: string; signers: string[]; certified: boolean } | null;
  evidence: {
    peerId: string; height: number; theirHeaderHash: string; ourHeaderHash: string; foundAt: string;
    theirHeaderBytes: string; theirSignature: string; signatureVerifies: boolean;
  }[];
  at: string;
}

export const consortiumStatus = (signal?: AbortSignal) => api.get<ConsortiumStatus>('/api/admin/consortium', { signal });
