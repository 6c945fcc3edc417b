// Insurance plans, applications, policies and eligibility in the browser (docs/insurance.md), following
// src/MedLedger.Client/InsuranceClient.cs and PoliciesClient.cs check for check: the insurer's browser signs insurance.policy
// over the plan's canonical terms and seals the policy card (the key to the benefit tags) for the patient's ledger-registered
// key and for itself; the patient's and the insurer's browsers show a policy only once its issue receipt, terms and card agree.
import {
  benefitTermsValue, fromBase64, newPolicyCard, openPolicyCard, planTermsBytes, planTermsFromJson, planTermsHash, sealPolicyCard, toBase64,
  type PlanTerms, type PolicyCard,
} from '../crypto';
import { createTransaction, receiptTransaction, type LedgerReceipt, type LedgerTransaction } from '../ledger';
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { checkReceipt, signTransaction, verifiedPublicKeys, VerificationError } from './ledger';
import { lookUpProfessional, requireTrusted } from './identity';

export type { PlanTerms, PolicyCard };

export const COVER_CATEGORIES = ['Outpatient', 'Inpatient', 'Pharmacy', 'Maternity', 'Emergency', 'Dental', 'Vision'] as const;
export const PREMIUM_PERIODS = ['Monthly', 'Quarterly', 'Yearly'] as const;
/** Reason codes an insurer declines an application with (PolicyRules). */
export const APPLICATION_DECLINE_REASONS = ['not-eligible', 'incomplete', 'duplicate', 'other'] as const;
/** Reason codes an insurer suspends a policy with (InsurancePolicyContract: codes only, free text could carry a diagnosis). */
export const SUSPEND_REASONS = ['premium-unpaid', 'fraud-suspected', 'patient-request', 'other'] as const;

export interface PlanBenefit {
  category: string;
  coveragePercent: number | null;
  copayMinor: number | null;
  annualLimitMinor: number;
  waitingPeriodDays: number;
}

/** A plan's terms as the insurer writes them (PlanCreate; PlanUpdate adds revision and status). */
export interface PlanInput {
  name: string;
  description: string | null;
  currency: string;
  premiumMinor: number;
  premiumPeriod: string;
  annualLimitMinor: number;
  dependantsAllowed: boolean;
  benefits: PlanBenefit[];
}

export interface PlanView extends PlanInput {
  id: string;
  insurerOrganizationId: string;
  insurerName: string;
  status: 'Open' | 'Withdrawn';
  revision: number;
  updatedAt: string;
}

export interface ApplicationView {
  id: string;
  patientId: string;
  planId: string;
  insurerOrganizationId: string;
  periodStart: string;
  status: string;
  declineReason: string | null;
  policyId: string | null;
  createdAt: string;
  decidedAt: string | null;
  /** Records the patient attached (docs/insurance.md "Application documents"). */
  recordIds?: string[];
}

export interface PolicyView {
  id: string;
  applicationId: string | null;
  patientId: string;
  insurerOrganizationId: string;
  planId: string;
  planRevision: number;
  terms: string;
  termsHash: string;
  periodStart: string;
  periodEnd: string;
  coverStart: string | null;
  currency: string;
  premiumMinor: number;
  annualLimitMinor: number;
  status: string;
  suspendReason: string | null;
  previousPolicyId: string | null;
  sealedCard: string;
  issueTransactionId: string;
  issuedAt: string;
  updatedAt: string;
  receipt: LedgerReceipt | null;
}

/** A policy checked against its issue on the ledger, with the terms it pins and the opened card. */
export interface VerifiedPolicy {
  policy: PolicyView;
  terms: PlanTerms;
  card: PolicyCard;
  issue: LedgerTransaction;
}

export interface PolicyShareView {
  id: string;
  policyId: string;
  patientId: string;
  granteeId: string;
  sealedCard: string;
  createdAt: string;
}

export interface EligibilityView {
  policyId: string;
  tag: string;
  date: string;
  status: string;
  covered: boolean;
  waitingPeriodPassed: boolean;
  remainingForTagMinor: number;
  remainingOverallMinor: number;
  currency: string;
}

/** Why this browser will not accept or trust a policy: something does not hold up. */
export class PolicyCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyCheckError';
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;
const ms = (iso: string) => Date.parse(iso);

// ---------- anyone signed in ----------

export const insurancePlans = (insurerId?: string, signal?: AbortSignal) =>
  api.get<PlanView[]>('/api/insurance/plans' + (insurerId ? `?insurerId=${encodeURIComponent(insurerId)}` : ''), { signal });

export const insurancePlan = (planId: string, signal?: AbortSignal) => api.get<PlanView>(`/api/insurance/plans/${planId}`, { signal });

/** The canonical terms of a plan as served now (what an issue pins). */
export function planTerms(plan: PlanView): PlanTerms {
  return {
    planId: plan.id, revision: plan.revision, currency: plan.currency, premiumMinor: plan.premiumMinor, premiumPeriod: plan.premiumPeriod,
    annualLimitMinor: plan.annualLimitMinor, dependantsAllowed: plan.dependantsAllowed,
    benefits: plan.benefits.map((b) => ({ category: b.category, coveragePercent: b.coveragePercent, copayMinor: b.copayMinor, annualLimitMinor: b.annualLimitMinor, waitingPeriodDays: b.waitingPeriodDays })),
  };
}

// ---------- insurer staff: plans ----------

export const createPlan = (plan: PlanInput) => api.post<PlanView>('/api/insurance/plans', plan);

/** New terms made against the revision read; a 409 stale-plan-revision means someone else changed the plan since. */
export const updatePlan = (planId: string, edit: PlanInput & { revision: number; status: 'Open' | 'Withdrawn' }) => api.put<PlanView>(`/api/insurance/plans/${planId}`, edit);

// ---------- patient ----------

/** Applies for a plan with cover from periodStart (YYYY-MM-DD) for a year; the same plan and period again returns the first application. */
export const applyForInsurance = (planId: string, periodStart: string, idempotencyKey: string = crypto.randomUUID()) =>
  api.post<ApplicationView>('/api/insurance/applications', { planId, periodStart }, { headers: { 'Idempotency-Key': idempotencyKey } });

export const myApplications = (signal?: AbortSignal) => api.get<ApplicationView[]>('/api/insurance/applications', { signal });

/** Your policies as the server lists them; open each with myPolicy to check it against the ledger. */
export const myPolicies = (signal?: AbortSignal) => api.get<PolicyView[]>('/api/insurance/policies', { signal });

/** Patient (MyPolicyAsync): one of your policies, checked against its issue receipt (which must name you), card opened. */
export async function myPolicy(policyId: string, signal?: AbortSignal): Promise<VerifiedPolicy> {
  const s = requireSession();
  const view = await api.get<PolicyView>(`/api/insurance/policies/${policyId}`, { signal });
  if (view.id !== policyId) throw new VerificationError(`Asked for policy ${policyId}, the server sent ${view.id}.`);
  const verified = await verifyPolicy(view);
  if (verified.policy.patientId !== s.tokens.user.id) throw new PolicyCheckError(`Policy ${policyId} is not yours.`);
  return verified;
}

/**
 * Patient (SharePolicyCardAsync): opens your card and seals it for a verified doctor, hospital staff member or pharmacist
 * found by email (their card checked here and their key the ledger's), so they can check eligibility per category.
 */
export async function sharePolicyCard(policyId: string, professionalEmail: string): Promise<PolicyShareView> {
  const policy = await myPolicy(policyId);
  const professional = requireTrusted(await lookUpProfessional(professionalEmail));
  if (!['Doctor', 'HospitalStaff', 'Pharmacist'].includes(professional.card.role)) {
    throw new PolicyCheckError(`${professionalEmail} is not a doctor, hospital staff member or pharmacist.`);
  }
  const sealedCard = toBase64(await sealPolicyCard(professional.encryptionPublicKey, policy.card));
  return api.post<PolicyShareView>(`/api/insurance/policies/${policyId}/shares`, { granteeId: professional.card.userId, sealedCard });
}

// ---------- hospital and pharmacy professionals ----------

export const policiesSharedWithMe = (signal?: AbortSignal) => api.get<PolicyShareView[]>('/api/insurance/shared-policies', { signal });

/** Opens a card a patient shared with you (checked: this policy id, every tag from its salt). */
export function openSharedCard(share: PolicyShareView): Promise<PolicyCard> {
  return openPolicyCard(requireSession().keys.encryption, share.policyId, fromBase64(share.sealedCard));
}

/**
 * Professional (CheckEligibilityAsync): computes the category's tag from the shared card here and asks whether it covers
 * the date (YYYY-MM-DD); the server sees the tag only. A category the plan does not cover is a PolicyCheckError.
 */
export async function checkEligibility(policyId: string, category: string, date: string): Promise<EligibilityView> {
  const share = (await policiesSharedWithMe()).find((s) => s.policyId === policyId);
  if (!share) throw new PolicyCheckError(`No patient shared policy ${policyId} with you.`);
  const card = await openSharedCard(share);
  const tag = Object.hasOwn(card.tags, category) ? card.tags[category] : null;
  if (!tag) throw new PolicyCheckError(`Policy ${policyId.slice(0, 8)}'s plan does not cover ${category}.`);
  const answer = await api.get<EligibilityView>(`/api/insurance/policies/${policyId}/eligibility?tag=${encodeURIComponent(tag)}&date=${encodeURIComponent(date)}`);
  if (answer.policyId !== policyId || answer.tag !== tag) throw new VerificationError(`Asked about policy ${policyId}, the server answered about ${answer.policyId}.`);
  return answer;
}

// ---------- insurer staff: applications and policies ----------

export const insurerApplications = (status?: string, signal?: AbortSignal) =>
  api.get<ApplicationView[]>('/api/insurance/insurer/applications' + (status ? `?status=${encodeURIComponent(status)}` : ''), { signal });

export const declineApplication = (applicationId: string, reason: string) =>
  api.post<ApplicationView>(`/api/insurance/insurer/applications/${applicationId}/decline`, { reason });

/**
 * Insurer staff (AcceptApplicationAsync): reads the plan's terms now, draws the policy card, signs insurance.policy issue over
 * them in this page and seals the card for the patient's ledger-registered key and for you; the answer is checked against
 * its issue receipt.
 */
export async function acceptApplication(applicationId: string): Promise<VerifiedPolicy> {
  const application = (await insurerApplications()).find((a) => a.id === applicationId);
  if (!application) throw new PolicyCheckError(`Application ${applicationId} is not one of your insurer's.`);
  return issuePolicy(`/api/insurance/insurer/applications/${applicationId}/accept`, 'issue', application.patientId, application.planId,
    Date.parse(`${application.periodStart}T00:00:00Z`), null);
}

export const insurerPolicies = (signal?: AbortSignal) => api.get<PolicyView[]>('/api/insurance/insurer/policies', { signal });

/** Insurer staff (InsurerPolicyAsync): one of your insurer's policies, checked against its issue receipt, your copy of the card opened. */
export async function insurerPolicy(policyId: string, signal?: AbortSignal): Promise<VerifiedPolicy> {
  const view = await api.get<PolicyView>(`/api/insurance/insurer/policies/${policyId}`, { signal });
  if (view.id !== policyId) throw new VerificationError(`Asked for policy ${policyId}, the server sent ${view.id}.`);
  return verifyPolicy(view);
}

async function changePolicy(policyId: string, action: 'suspend' | 'reinstate', reason: string | null): Promise<PolicyView> {
  const payload: Record<string, string> = { action, policyId };
  if (reason !== null) payload.reason = reason;
  return api.post<PolicyView>(`/api/insurance/insurer/policies/${policyId}/${action}`, { transaction: await signTransaction('insurance.policy', payload) });
}

export const suspendPolicy = (policyId: string, reason: string) => changePolicy(policyId, 'suspend', reason);
export const reinstatePolicy = (policyId: string) => changePolicy(policyId, 'reinstate', null);

/**
 * Insurer staff (MarkPremiumPaidAsync): marks a pending policy's premium paid, signed here as an insurance.policy activate
 * whose cover starts at the later of the period start and the mark's signed time. A policy already active comes back as it is.
 */
export async function markPremiumPaid(policyId: string): Promise<PolicyView> {
  const s = requireSession();
  const policy = (await insurerPolicy(policyId)).policy;
  const at = Date.now();
  const payload = { action: 'activate', policyId, coverStartMs: String(Math.max(ms(policy.periodStart), at)) };
  const tx = await createTransaction('insurance.policy', s.tokens.user.id, payload, s.keys.signing, at);
  return api.post<PolicyView>(`/api/insurance/insurer/policies/${policyId}/mark-paid`, { transaction: { transaction: toBase64(tx.signingBytes), signature: toBase64(tx.signature) } });
}

/** Insurer staff (RenewPolicyAsync): the next period's policy of an active one, under the plan's terms now. */
export async function renewPolicy(policyId: string): Promise<VerifiedPolicy> {
  const previous = await insurerPolicy(policyId);
  return issuePolicy(`/api/insurance/insurer/policies/${policyId}/renew`, 'renew', previous.policy.patientId, previous.policy.planId, ms(previous.policy.periodEnd), policyId);
}

/** One calendar year later in UTC, as DateTimeOffset.AddYears does (29 February becomes 28 February). */
function addYearUtc(startMs: number): number {
  const d = new Date(startMs);
  const y = d.getUTCFullYear() + 1;
  const days = new Date(Date.UTC(y, d.getUTCMonth() + 1, 0)).getUTCDate();
  return Date.UTC(y, d.getUTCMonth(), Math.min(d.getUTCDate(), days), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

async function issuePolicy(url: string, action: 'issue' | 'renew', patientId: string, planId: string, startMs: number, previous: string | null): Promise<VerifiedPolicy> {
  const s = requireSession();
  const insurerId = s.tokens.user.organizationId;
  if (!insurerId) throw new PolicyCheckError('Insurer staff act for their organization.');
  const plan = await insurancePlan(planId);
  if (plan.id !== planId) throw new VerificationError(`Asked for plan ${planId}, the server sent ${plan.id}.`);
  const terms = planTerms(plan);
  const termsHash = await planTermsHash(planTermsBytes(terms));
  const policyId = crypto.randomUUID();
  const card = await newPolicyCard(policyId, planId, terms.benefits.map((b) => b.category));
  const payload: Record<string, string> = {
    action, policyId, insurerId, patientId, planId, planRevision: String(plan.revision), termsHash, periodStartMs: String(startMs),
    periodEndMs: String(addYearUtc(startMs)), currency: plan.currency, premiumMinor: String(plan.premiumMinor), annualLimitMinor: String(plan.annualLimitMinor),
  };
  for (const b of terms.benefits) payload[`benefit.${card.tags[b.category]}`] = benefitTermsValue(b);
  if (previous) payload.previousPolicyId = previous;
  // The patient's key as the ledger registered it, never one the server merely serves.
  const patientKeys = await verifiedPublicKeys(patientId);
  const transaction = await signTransaction('insurance.policy', payload);
  const view = await api.post<PolicyView>(url, {
    transaction,
    sealedCardForPatient: toBase64(await sealPolicyCard(patientKeys.encryptionPublicKey, card)),
    sealedCardForInsurer: toBase64(await sealPolicyCard(s.keys.encryption.publicKey, card)),
  });
  const verified = await verifyPolicy(view);
  if (verified.policy.id !== policyId || (await planTermsHash(planTermsBytes(verified.terms))) !== termsHash) {
    throw new PolicyCheckError(`Asked to issue policy ${policyId}, the server answered with ${view.id}.`);
  }
  return verified;
}

/**
 * A policy only on the ledger's word (VerifyPolicyAsync): the receipt verifies and is the insurance.policy issue/renew the policy
 * names; it names this policy, patient, insurer, plan, revision, period, premium, limit and currency; the served terms hash to
 * its termsHash; and the opened card's tags are exactly the ledger's benefit tags, each with the terms the plan gives its category.
 */
export async function verifyPolicy(view: PolicyView): Promise<VerifiedPolicy> {
  if (!view.receipt) throw new VerificationError(`The server sent policy ${view.id} without the receipt of its issue.`);
  await checkReceipt(view.receipt);
  const tx = await receiptTransaction(view.receipt);
  const p = tx.payload;
  if (tx.id !== view.issueTransactionId || tx.type !== 'insurance.policy' || (p.action !== 'issue' && p.action !== 'renew') || p.policyId !== view.id
    || p.patientId !== view.patientId || p.insurerId !== view.insurerOrganizationId || p.planId !== view.planId || p.planRevision !== String(view.planRevision)
    || p.periodStartMs !== String(ms(view.periodStart)) || p.periodEndMs !== String(ms(view.periodEnd)) || p.premiumMinor !== String(view.premiumMinor)
    || p.annualLimitMinor !== String(view.annualLimitMinor) || p.currency !== view.currency) {
    throw new VerificationError(`Policy ${view.id} is not what its insurance.policy on the ledger says.`);
  }
  const termsBytes = fromBase64(view.terms);
  if ((await planTermsHash(termsBytes)) !== p.termsHash) {
    throw new VerificationError(`Policy ${view.id}'s terms are not the ones whose hash the ledger holds.`);
  }
  const terms = planTermsFromJson(termsBytes);
  const card = await openPolicyCard(requireSession().keys.encryption, view.id, fromBase64(view.sealedCard));
  const onLedger = new Map(Object.entries(p).filter(([k]) => k.startsWith('benefit.')).map(([k, v]) => [k.slice('benefit.'.length), v]));
  const cardTags = Object.entries(card.tags);
  if (terms.planId !== view.planId || terms.revision !== view.planRevision || card.planId !== view.planId || cardTags.length !== onLedger.size
    || terms.benefits.length !== onLedger.size
    || terms.benefits.some((b) => !Object.hasOwn(card.tags, b.category) || onLedger.get(card.tags[b.category]) !== benefitTermsValue(b))) {
    throw new PolicyCheckError(`Policy ${view.id}'s card does not match the benefit tags and terms on the ledger.`);
  }
  return { policy: view, terms, card, issue: tx };
}

/** Today in UTC as YYYY-MM-DD (the API's dates are UTC days). */
export function todayUtc(offsetDays = 0): string {
  return new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);
}

/** "80 % up to 1,000.00 EUR" / "co-pay 5.00 EUR up to …", and the waiting period. */
export function describeBenefit(b: Pick<PlanBenefit, 'coveragePercent' | 'copayMinor' | 'annualLimitMinor' | 'waitingPeriodDays'>, currency: string,
  money: (minor: number, currency: string) => string): string {
  const share = b.coveragePercent !== null ? `${b.coveragePercent} %` : `co-pay ${money(b.copayMinor ?? 0, currency)}`;
  return `${share} up to ${money(b.annualLimitMinor, currency)}` + (b.waitingPeriodDays > 0 ? `, ${b.waitingPeriodDays}-day wait` : '');
}
