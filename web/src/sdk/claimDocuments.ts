// Documents sealed for the insurer and the insurer's own figures (docs/insurance.md "Claim documents", "Insurer figures"),
// following src/MedLedger.Client/ClaimDocumentsClient.cs check for check: the patient's page seals a claim's attached records
// for the claim's insurer with one consent grant per staff member an admin verified (scope: exactly those records, purpose
// insurance-claim); the claim link the server wrote at commit plus that grant is what lets the insurer's staff open them.
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { myClaims, providerClaim } from './claims';
import { grantConsent, listGrants } from './consent';
import { identityCard } from './identity';
import { myApplications, type ApplicationView } from './insurance';

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
  return sealForVerifiedInsurerStaff(claim.insurerOrganizationId, ids, 'insurance-claim');
}

/** The signed-in insurer's claims in one currency: the same shape as the admin dashboard's per-insurer figures. */
import type { InsurerClaimFigures } from './admin';
export type { InsurerClaimFigures };

/** Insurer staff: your insurer's claim figures, one entry per currency (none before the first claim). */
export const insurerFigures = (signal?: AbortSignal) => api.get<InsurerClaimFigures[]>('/api/insurance/insurer/figures', { signal });

/**
 * For each staff member of insurerId whose identity card an admin verified by their own signature (role insurer staff, that
 * organization), a consent grant scoped to exactly recordIds unless one already covers them. Returns the staff sealed for.
 */
async function sealForVerifiedInsurerStaff(insurerId: string, recordIds: string[], purpose: 'insurance-claim' | 'insurance-application'): Promise<string[]> {
  const ids = [...new Set(recordIds)];
  const grants = await listGrants();
  const sealedFor: string[] = [];
  for (const p of await api.get<DirectoryProfessional[]>(`/api/organizations/${insurerId}/professionals`)) {
    if (p.role !== 'InsurerStaff') continue;
    // The directory is the server's word; the card an admin verified by their own signature is the ledger's.
    const card = await identityCard(p.userId);
    if (!card.verified || card.card.role !== 'InsurerStaff' || card.card.organizationId !== insurerId) continue;
    const covered = grants.some((g) => g.active && g.granteeId === p.userId && (g.scope === 'All' || (g.scope === 'Records' && ids.every((id) => g.items.includes(id)))));
    if (!covered) await grantConsent({ granteeId: p.userId, scope: 'Records', items: ids, purpose });
    sealedFor.push(p.userId);
  }
  if (sealedFor.length === 0) throw new ClaimDocumentsError(`Insurer ${insurerId} has no staff member an admin verified: the documents were not shared.`);
  return sealedFor;
}

// ---------- application documents (docs/insurance.md "Application documents"; ApplicationDocumentsClient.cs) ----------

/**
 * AttachApplicationDocumentsAsync: links your own records to your application (the server checks they are yours) and seals them
 * for the plan's insurer's verified staff (purpose insurance-application). keepAfterDecision: they stay open to the insurer after
 * the application is decided. Returns the staff members sealed for.
 */
export async function attachApplicationDocuments(applicationId: string, recordIds: string[], keepAfterDecision = false): Promise<string[]> {
  const user = requireSession().tokens.user;
  if (user.role !== 'Patient') throw new ClaimDocumentsError("Only the application's patient can attach and seal its documents.");
  const application = await api.post<ApplicationView>(`/api/insurance/applications/${applicationId}/documents`, { recordIds, keepAfterDecision });
  if (application.id !== applicationId || application.patientId !== user.id) throw new ClaimDocumentsError(`The server answered another application than ${applicationId}; nothing was shared.`);
  if (recordIds.some((id) => !(application.recordIds ?? []).includes(id))) throw new ClaimDocumentsError(`Application ${applicationId} does not list these documents; nothing was shared.`);
  return sealForVerifiedInsurerStaff(application.insurerOrganizationId, recordIds, 'insurance-application');
}

/**
 * SealInsuranceDocumentsForNewStaffAsync, run at a patient's sign-in: grants every verified staff member of the insurers of your
 * claims (checked against their file receipts) and open applications who lacks a grant for their documents — staff who joined
 * the insurer since you sealed. Returns how many grants were made.
 */
export async function sealInsuranceDocumentsForNewStaff(): Promise<number> {
  const user = requireSession().tokens.user;
  if (user.role !== 'Patient') return 0;
  const before = (await listGrants()).filter((g) => g.active).length;
  const targets: { insurerId: string; ids: string[]; purpose: 'insurance-claim' | 'insurance-application' }[] = [];
  for (const c of (await myClaims()).claims) {
    if (c.problems.length === 0 && c.claim.patientId === user.id && c.claim.recordIds.length > 0) targets.push({ insurerId: c.claim.insurerOrganizationId, ids: c.claim.recordIds, purpose: 'insurance-claim' });
  }
  for (const a of await myApplications()) {
    if ((a.status === 'submitted' || a.status === 'accepting') && (a.recordIds ?? []).length > 0) targets.push({ insurerId: a.insurerOrganizationId, ids: a.recordIds ?? [], purpose: 'insurance-application' });
  }
  for (const t of targets) {
    try {
      await sealForVerifiedInsurerStaff(t.insurerId, t.ids, t.purpose);
    } catch (e) {
      // An insurer with no verified staff: nothing to seal for yet.
      if (!(e instanceof ClaimDocumentsError)) throw e;
    }
  }
  return (await listGrants()).filter((g) => g.active).length - before;
}

export interface ApplicationDocumentView {
  recordId: string;
  keptAfterDecision: boolean;
  open: boolean;
}

/** Insurer staff: the records attached to one of your insurer's applications (open each with openRecord). */
export const insurerApplicationDocuments = (applicationId: string, signal?: AbortSignal) =>
  api.get<{ applicationId: string; patientId: string; status: string; documents: ApplicationDocumentView[] }>(`/api/insurance/insurer/applications/${applicationId}/documents`, { signal });
