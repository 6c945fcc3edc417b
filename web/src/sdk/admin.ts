// Platform admin endpoints (src/MedLedger.Client/AdminClient.cs; server: Features/Admin, Emergency): verification
// queue, decisions, break-glass review and security events. Ids only: the server keeps no names here.
import { api } from '../app/http';
import { signProfessionalDecision } from './identity';
import { signOrganizationDecision } from './organizations';

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
