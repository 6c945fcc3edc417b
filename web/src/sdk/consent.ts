// Consent as the patient's browser carries it out (ConsentClient.cs GrantConsentAsync / RevokeConsentAsync):
// every covered record version's data key is unwrapped here and wrapped for the grantee's ledger-checked
// key; the patient signs consent.grant; the server stores the wraps only after the grant commits.
import { consentScopeHash, toBase64 } from '../crypto';
import type { Role } from '../app/http';
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { fetchSealed, rewrapFor } from './records';
import { signTransaction } from './ledger';
import { trustedCard } from './identity';

export type ConsentScope = 'All' | 'Categories' | 'Records';

/** The purposes the server accepts (ConsentService.Purposes). */
export const CONSENT_PURPOSES = ['treatment', 'dispensing', 'insurance-claim', 'second-opinion', 'research', 'other'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

export interface Grant {
  id: string;
  patientId: string;
  granteeId: string;
  granteeRole: Role;
  scope: ConsentScope;
  items: string[];
  purpose: string;
  expiresAt: string | null;
  createdAt: string;
  revokedAt: string | null;
  active: boolean;
  grantTransactionId: string;
  revokeTransactionId: string | null;
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
}

export async function grantConsent(args: GrantArgs): Promise<Grant> {
  const s = requireSession();
  const items = [...new Set((args.items ?? []).map((i) => i.trim()).filter(Boolean))];
  // The grantee's key must be the one registered on the ledger, or the server could read through a key of its own,
  // and their card must carry an admin's own signed verification, or the server could pass off a sock puppet.
  const grantee = await trustedCard(args.granteeId, args.expectedFingerprint);
  const plan = await grantPlan(args.scope, items);
  const wraps: { recordId: string; version: number; readerKeyId: string; enc: string; wrappedKey: string }[] = [];
  args.onProgress?.(0, plan.length);
  for (const item of plan) {
    const sealed = await fetchSealed(item.recordId, item.version);
    const wrap = await rewrapFor(sealed, grantee.encryptionPublicKey);
    wraps.push({ recordId: item.recordId, version: item.version, readerKeyId: wrap.readerKeyId, enc: toBase64(wrap.enc), wrappedKey: toBase64(wrap.wrappedKey) });
    args.onProgress?.(wraps.length, plan.length);
  }
  const grantId = crypto.randomUUID();
  const scopeName = args.scope.toLowerCase();
  const expiresAt = args.expiresAt ?? null;
  const transaction = await signTransaction('consent.grant', {
    grantId,
    patientId: s.tokens.user.id,
    granteeId: args.granteeId,
    scope: scopeName,
    scopeHash: await consentScopeHash(scopeName, items),
    purpose: args.purpose,
    expiresAtMs: String(expiresAt ? expiresAt.getTime() : 0),
  });
  return api.post<Grant>('/api/consents', {
    grantId, granteeId: args.granteeId, scope: args.scope, items, purpose: args.purpose,
    expiresAt: expiresAt ? expiresAt.toISOString() : null, transaction, wraps,
  });
}

export async function revokeConsent(grantId: string): Promise<Grant> {
  const s = requireSession();
  const transaction = await signTransaction('consent.revoke', { grantId, patientId: s.tokens.user.id });
  return api.post<Grant>(`/api/consents/${grantId}/revoke`, { transaction });
}
