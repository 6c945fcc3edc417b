// Documents sealed for the insurer and the insurer's own figures (docs/insurance.md "Claim documents", "Insurer figures"),
// following src/MedLedger.Client/ClaimDocumentsClient.cs check for check: the patient's page seals a claim's attached records
// for the claim's insurer with one consent grant per staff member an admin verified (scope: exactly those records, purpose
// insurance-claim); the claim link the server wrote at commit plus that grant is what lets the insurer's staff open them.
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { providerClaim } from './claims';
import { grantConsent, listGrants } from './consent';
import { identityCard } from './identity';

/** Thrown before anything is shared when a claim's documents cannot be sealed for its insurer. */
export class ClaimDocumentsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClaimDocumentsError';
  }
}

interface DirectoryProfessional {
  userId: string;
  role: string;
}

/** SealClaimDocumentsForInsurerAsync: returns the staff members the documents are sealed for. */
export async function sealClaimDocumentsForInsurer(claimId: string, recordIds?: string[]): Promise<string[]> {
  const user = requireSession().tokens.user;
  if (user.role !== 'Patient') throw new ClaimDocumentsError("Only the claim's patient can seal its documents for the insurer (a consent grant is the patient's to sign).");
  const claim = await providerClaim(claimId);
  if (claim.id !== claimId || claim.patientId !== user.id) throw new ClaimDocumentsError(`The server answered another claim than ${claimId}, or one not in your name; nothing was shared.`);
  const ids = [...new Set(recordIds ?? claim.recordIds)];
  // Only records the claim lists are shared: neither the server nor a caller can widen the set.
  if (ids.length === 0 || ids.some((id) => !claim.recordIds.includes(id))) throw new ClaimDocumentsError(`Claim ${claimId} has no such documents attached; nothing was shared.`);
  const grants = await listGrants();
  const insurerId = claim.insurerOrganizationId;
  const sealedFor: string[] = [];
  for (const p of await api.get<DirectoryProfessional[]>(`/api/organizations/${insurerId}/professionals`)) {
    if (p.role !== 'InsurerStaff') continue;
    // The directory is the server's word; the card an admin verified by their own signature is the ledger's.
    const card = await identityCard(p.userId);
    if (!card.verified || card.card.role !== 'InsurerStaff' || card.card.organizationId !== insurerId) continue;
    const covered = grants.some((g) => g.active && g.granteeId === p.userId && (g.scope === 'All' || (g.scope === 'Records' && ids.every((id) => g.items.includes(id)))));
    if (!covered) await grantConsent({ granteeId: p.userId, scope: 'Records', items: ids, purpose: 'insurance-claim' });
    sealedFor.push(p.userId);
  }
  if (sealedFor.length === 0) throw new ClaimDocumentsError(`Insurer ${insurerId} has no staff member an admin verified: the documents were not shared.`);
  return sealedFor;
}

/** The signed-in insurer's claims in one currency: the same shape as the admin dashboard's per-insurer figures. */
import type { InsurerClaimFigures } from './admin';
export type { InsurerClaimFigures };

/** Insurer staff: your insurer's claim figures, one entry per currency (none before the first claim). */
export const insurerFigures = (signal?: AbortSignal) => api.get<InsurerClaimFigures[]>('/api/insurance/insurer/figures', { signal });
