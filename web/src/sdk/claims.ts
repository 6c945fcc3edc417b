// Insurance claims in the browser (docs/insurance.md "Claims"), following src/MedLedger.Client/ClaimsClient.cs check for check:
// the filer's page turns categories into the policy's benefit tags from the opened card and computes each line's one-time
// token; every insurance.claim (file, decide, reverse, payout, dismiss-dispute, dispute) is signed in the page; the patient's
// page takes a claim in their name only on its file receipt's word and lists claims the ledger names them in but the server
// left out.
import { claimDocumentsHash, claimLineToken, type PolicyCard } from '../crypto';
import { receiptTransaction, type LedgerReceipt } from '../ledger';
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { checkReceipt, myLedgerEntries, signTransaction, VerificationError } from './ledger';
import { insurancePlan, myPolicy, openSharedCard, PolicyCheckError, policiesSharedWithMe } from './insurance';

export const CLAIM_TYPE = 'insurance.claim';
export const CLAIM_STATUSES = ['filing', 'filed', 'approved', 'partly-approved', 'rejected', 'reversed', 'paying', 'paid'] as const;
/** Reason codes for decisions and reversals (InsuranceClaimContract). */
export const CLAIM_REASONS = ['not-covered', 'waiting-period', 'limit-exceeded', 'duplicate', 'outside-cover', 'not-medically-necessary', 'documents-missing', 'other'] as const;
/** Reason codes a patient disputes a claim with. */
export const DISPUTE_REASONS = ['care-not-received', 'amount-wrong', 'duplicate-billing', 'other'] as const;
export const CLAIM_MAX_LINES = 16;

export interface ClaimLineView {
  line: number;
  tag: string;
  amountMinor: number;
  serviceDate: string;
  token: string;
  outcome: string | null;
  payableMinor: number;
  decision: string | null;
  approvedMinor: number;
  reason: string | null;
}

export interface ClaimView {
  id: string;
  policyId: string;
  patientId: string;
  insurerOrganizationId: string;
  providerOrganizationId: string | null;
  filedBy: string;
  payeeKind: string;
  payeeId: string;
  currency: string;
  documentsHash: string | null;
  status: string;
  claimedMinor: number;
  reservedMinor: number;
  approvedMinor: number;
  paidMinor: number;
  dispute: string | null;
  reverseReason: string | null;
  recordIds: string[];
  lines: ClaimLineView[];
  fileTransactionId: string;
  filedAt: string;
  updatedAt: string;
  fileReceipt: LedgerReceipt | null;
  /** A pharmacy's claim for its dispense, "prescriptionId/fillNumber", and the patient's co-pay payable (docs/insurance.md "Pharmacy co-pay flow"). */
  dispense?: string | null;
  copayMinor?: number;
  copayPayableId?: string | null;
}

/** One line to claim: the category (made the policy's tag in this page), the amount and the day of the care (YYYY-MM-DD, UTC). */
export interface NewClaimLine {
  category: string;
  amountMinor: number;
  serviceDate: string;
}

/** The insurer's decision on one line: 0 to the line's payable, with a reason code unless approving the payable in full. */
export interface ClaimLineDecision {
  approvedMinor: number;
  reason?: string | null;
}

/** A claim in the patient's name as this page checked it: `problems` is empty when the file receipt verified and matched. */
export interface CheckedClaim {
  claim: ClaimView;
  problems: string[];
}

export interface MyClaims {
  claims: CheckedClaim[];
  /** Claim ids the ledger's "transactions that name me" shows filed in your name that the server's list left out. */
  onLedgerNotListed: string[];
}

/** A claim line as insurance.claim file carries it: tag:amountMinor:serviceDateMs:token. */
const lineValue = (tag: string, amountMinor: number, serviceDateMs: number, token: string) => `${tag}:${amountMinor}:${serviceDateMs}:${token}`;
const ms = (iso: string) => Date.parse(iso);

/** category → tag of a card, turned around: how a page shows a tag the ledger carries by its category name. */
export function categoriesByTag(card: PolicyCard): Map<string, string> {
  return new Map(Object.entries(card.tags).map(([category, tag]) => [tag, category]));
}

/** The policy card the caller files with: the patient's own (checked policy) or the one a patient shared with this professional. */
export async function claimCard(policyId: string): Promise<{ card: PolicyCard; patientId: string }> {
  const user = requireSession().tokens.user;
  if (user.role === 'Patient') {
    const mine = await myPolicy(policyId);
    return { card: mine.card, patientId: user.id };
  }
  const share = (await policiesSharedWithMe()).find((s) => s.policyId === policyId);
  if (!share) throw new PolicyCheckError(`No patient shared policy ${policyId} with you.`);
  return { card: await openSharedCard(share), patientId: share.patientId };
}

// ---------- filers: a provider's professional (with the patient's shared card) or the patient ----------

/**
 * FileClaimAsync: signs insurance.claim file here. Categories become the policy's tags from the opened card; each line's
 * token comes from the filer (your organization, or you as the patient), the reference (the visit, dispense or receipt
 * billed) and the line number, so billing the same care again gives the same tokens, which the ledger flags as duplicate.
 * The same Idempotency-Key again answers with the first claim.
 */
export async function fileClaim(policyId: string, referenceId: string, lines: NewClaimLine[], options: {
  payToPatient?: boolean; documents?: { recordId: string; version: number }[]; idempotencyKey?: string;
  /** A pharmacy's claim for its own dispense, "prescriptionId/fillNumber" (fileDispenseClaim in ./copay). */
  dispense?: string;
} = {}): Promise<ClaimView> {
  const user = requireSession().tokens.user;
  if (!referenceId.trim()) throw new PolicyCheckError('A claim needs a reference (the visit, dispense or receipt billed).');
  if (lines.length < 1 || lines.length > CLAIM_MAX_LINES) throw new PolicyCheckError(`A claim has 1 to ${CLAIM_MAX_LINES} lines.`);
  const { card, patientId } = await claimCard(policyId);
  // The plan is public: it names the insurer and the currency.
  const plan = await insurancePlan(card.planId);
  let provider: string | null = null;
  if (user.role !== 'Patient') {
    if (!user.organizationId) throw new PolicyCheckError('A professional files for their organization.');
    provider = user.organizationId;
  }
  const filer = provider ?? user.id;
  const toPatient = provider === null || options.payToPatient === true;
  const payload: Record<string, string> = {
    action: 'file', claimId: crypto.randomUUID(), policyId, patientId, insurerId: plan.insurerOrganizationId, currency: plan.currency,
    lineCount: String(lines.length), payeeKind: toPatient ? 'patient' : 'organization', payeeId: toPatient ? patientId : (provider as string),
  };
  if (provider) payload.providerOrgId = provider;
  if (options.documents && options.documents.length > 0) payload.documentsHash = await claimDocumentsHash(options.documents);
  if (options.dispense) payload.dispense = options.dispense;
  for (const [i, l] of lines.entries()) {
    const n = i + 1;
    const tag = Object.hasOwn(card.tags, l.category) ? card.tags[l.category] : null;
    if (!tag) throw new PolicyCheckError(`Policy ${policyId.slice(0, 8)}'s plan does not cover ${l.category}.`);
    if (!Number.isSafeInteger(l.amountMinor) || l.amountMinor <= 0) throw new PolicyCheckError(`Line ${n}: the amount must be more than 0.`);
    const serviceMs = ms(l.serviceDate);
    if (Number.isNaN(serviceMs)) throw new PolicyCheckError(`Line ${n}: the service date is not a date.`);
    payload[`line.${n}`] = lineValue(tag, l.amountMinor, serviceMs, await claimLineToken(filer, referenceId.trim(), n));
  }
  const transaction = await signTransaction(CLAIM_TYPE, payload);
  return api.post<ClaimView>('/api/insurance/claims', { transaction, recordIds: options.documents?.map((d) => d.recordId) ?? null },
    { headers: { 'Idempotency-Key': options.idempotencyKey ?? crypto.randomUUID().replace(/-/g, '') } });
}

/** A provider's staff: your organization's claims (a patient: the claims in your name, unchecked; prefer myClaims). */
export const providerClaims = (status?: string, signal?: AbortSignal) =>
  api.get<ClaimView[]>('/api/insurance/claims' + (status ? `?status=${encodeURIComponent(status)}` : ''), { signal });

export const providerClaim = (claimId: string, signal?: AbortSignal) => api.get<ClaimView>(`/api/insurance/claims/${claimId}`, { signal });

// ---------- the patient ----------

/**
 * MyClaimsAsync: every claim in your name, each only on the ledger's word (its file receipt verifies, is the claim's
 * insurance.claim file, names you and exactly what is shown), and the claims the ledger's "transactions that name me" shows
 * filed in your name that the list left out. Statuses and decisions after filing stay the server's word.
 */
export async function myClaims(signal?: AbortSignal): Promise<MyClaims> {
  const me = requireSession().tokens.user;
  const claims = await api.get<ClaimView[]>('/api/insurance/my-claims', { signal });
  const checked: CheckedClaim[] = [];
  for (const c of claims) checked.push({ claim: c, problems: await claimProblems(c, me.id) });
  const listed = new Set(claims.map((c) => c.id));
  const onLedger = (await myLedgerEntries(500, undefined, signal))
    .filter((e) => e.type === CLAIM_TYPE && e.valid && e.payload.action === 'file' && e.payload.patientId === me.id && !listed.has(e.payload.claimId ?? ''))
    .map((e) => e.payload.claimId);
  return { claims: checked, onLedgerNotListed: [...new Set(onLedger)] };
}

/** ClaimProblemsAsync: what does not hold up in a claim shown to its patient (empty: verified). */
export async function claimProblems(c: ClaimView, me: string): Promise<string[]> {
  if (!c.fileReceipt) return [`The server sent claim ${c.id} without the receipt of its filing.`];
  try {
    await checkReceipt(c.fileReceipt);
  } catch (e) {
    return [`Claim ${c.id}'s receipt does not verify: ${e instanceof Error ? e.message : String(e)}`];
  }
  const tx = await receiptTransaction(c.fileReceipt);
  const p = tx.payload;
  if (tx.id !== c.fileTransactionId || tx.type !== CLAIM_TYPE || p.action !== 'file' || p.claimId !== c.id) {
    return [`Claim ${c.id}'s receipt is not its insurance.claim file.`];
  }
  const problems: string[] = [];
  if (p.patientId !== me || c.patientId !== me) problems.push(`Claim ${c.id} on the ledger is not in your name.`);
  if (p.policyId !== c.policyId || p.insurerId !== c.insurerOrganizationId || p.currency !== c.currency || (p.providerOrgId ?? null) !== c.providerOrganizationId
    || p.payeeId !== c.payeeId || (p.documentsHash ?? null) !== c.documentsHash || (p.dispense ?? null) !== (c.dispense ?? null)) {
    problems.push(`Claim ${c.id}'s policy, insurer, provider, payee, currency, documents or dispense differ from the ledger's.`);
  }
  const count = Number(p.lineCount);
  const onLedger: string[] = [];
  for (let n = 1; Number.isSafeInteger(count) && n <= count; n++) onLedger.push(p[`line.${n}`] ?? '');
  const shown = c.lines.map((l) => lineValue(l.tag, l.amountMinor, ms(l.serviceDate), l.token));
  const sum = onLedger.reduce((s, v) => s + Number(v.split(':')[1]), 0);
  if (c.lines.some((l, i) => l.line !== i + 1) || onLedger.length !== shown.length || onLedger.some((v, i) => v !== shown[i]) || c.claimedMinor !== sum) {
    problems.push(`Claim ${c.id}'s lines (amounts, dates, tags or tokens) differ from the ledger's.`);
  }
  return problems;
}

/** The patient disputes a claim in their name (signed here): care-not-received, amount-wrong, duplicate-billing or other. */
export const disputeClaim = (claimId: string, reason: string) => claimAction(`/api/insurance/my-claims/${claimId}/dispute`, claimId, 'dispute', { reason });

// ---------- insurer staff ----------

export function insurerClaims(status?: string, disputedOnly = false, signal?: AbortSignal): Promise<ClaimView[]> {
  const query = [status ? `status=${encodeURIComponent(status)}` : null, disputedOnly ? 'disputed=true' : null].filter((q) => q !== null);
  return api.get<ClaimView[]>('/api/insurance/insurer/claims' + (query.length ? `?${query.join('&')}` : ''), { signal });
}

export const insurerClaim = (claimId: string, signal?: AbortSignal) => api.get<ClaimView>(`/api/insurance/insurer/claims/${claimId}`, { signal });

/** Decides every line (in line order), signed here. */
export function decideClaim(claimId: string, decisions: ClaimLineDecision[]): Promise<ClaimView> {
  const extra: Record<string, string> = {};
  decisions.forEach((d, i) => (extra[`decision.${i + 1}`] = `${d.approvedMinor}:${d.reason || '-'}`));
  return claimAction(`/api/insurance/insurer/claims/${claimId}/decide`, claimId, 'decide', extra);
}

export const reverseClaim = (claimId: string, reason: string) => claimAction(`/api/insurance/insurer/claims/${claimId}/reverse`, claimId, 'reverse', { reason });

export const dismissClaimDispute = (claimId: string, reason: string) =>
  claimAction(`/api/insurance/insurer/claims/${claimId}/dismiss-dispute`, claimId, 'dismiss-dispute', { reason });

/** Pays the approved total out, signed here; a retry of a paid claim answers with it as it is (paid once). */
export async function payOutClaim(claimId: string): Promise<ClaimView> {
  const claim = await insurerClaim(claimId);
  return claimAction(`/api/insurance/insurer/claims/${claimId}/payout`, claimId, 'payout', { amountMinor: String(claim.approvedMinor) });
}

async function claimAction(url: string, claimId: string, action: string, extra: Record<string, string>): Promise<ClaimView> {
  const transaction = await signTransaction(CLAIM_TYPE, { ...extra, action, claimId });
  const view = await api.post<ClaimView>(url, { transaction });
  if (view.id !== claimId) throw new VerificationError(`Acted on claim ${claimId}, the server answered about ${view.id}.`);
  return view;
}
