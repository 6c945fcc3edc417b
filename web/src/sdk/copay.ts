// The pharmacy co-pay flow in the browser (docs/insurance.md "Pharmacy co-pay flow"), following
// src/MedLedger.Client/ClaimsClient.cs FileDispenseClaimAsync and CopayClient.cs: the pharmacist's page files the claim for its
// own dispense (signed here, naming the dispense, the dispense's own token); the patient's page checks a co-pay against the
// claim's verified file receipt and the benefit terms on the policy's verified issue receipt before paying it.
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { claimProblems, fileClaim, type ClaimView } from './claims';
import { getPrescription } from './dispensing';
import { myPolicy, PolicyCheckError } from './insurance';
import type { Payable } from './wallet';

/** The payable reference kind of a co-pay (ClaimProgress.CopayKind): its reference id is the claim. */
export const COPAY_KIND = 'copay';

/** InsuranceClaimContract.DispenseReference: "prescriptionId/fillNumber". */
export const dispenseReference = (prescriptionId: string, fillNumber: number) => `${prescriptionId}/${fillNumber}`;

/** Why a line is not eligible, in words (InsuranceClaimContract's automatic outcomes). */
export const OUTCOME_WORDS: Record<string, string> = {
  eligible: 'covered',
  'not-covered': 'your plan does not cover this category',
  'waiting-period': "the plan's waiting period for this category has not passed yet",
  'limit-exceeded': "the insurer's share would go over what is left of your annual limit",
  'outside-cover': 'the policy did not cover that day (premium not paid yet, suspended, or outside its period)',
  duplicate: 'this dispense was already claimed',
};

export const outcomeInWords = (outcome: string | null | undefined) => (outcome ? OUTCOME_WORDS[outcome] ?? outcome : 'not checked by the ledger yet');

/** A co-pay as this page checked it (CheckedCopay): owed = price − the insurer's share under the policy's terms on the ledger. */
export interface CheckedCopay {
  claim: ClaimView;
  priceMinor: number;
  shareMinor: number;
  owedMinor: number;
  /** The automatic outcome of a line that is not eligible: the patient owes its full price. */
  notEligibleReason: string | null;
  problems: string[];
}

/**
 * FileDispenseClaimAsync: the pharmacist files the claim for one of their pharmacy's fills (the patient pays with insurance).
 * One line, category Pharmacy, the price, service date the fill's time, paid to the pharmacy; the Idempotency-Key comes from the
 * dispense, so a retry or a second click answers with the same claim. The answer's copayMinor is what the patient owes.
 */
export async function fileDispenseClaim(prescriptionId: string, fillNumber: number, policyId: string, amountMinor: number): Promise<ClaimView> {
  const pharmacy = requireSession().tokens.user.organizationId;
  if (!pharmacy) throw new PolicyCheckError('Only a pharmacist of a pharmacy files for a dispense.');
  const rx = await getPrescription(prescriptionId);
  const fill = rx.fills.find((f) => f.fillNumber === fillNumber && f.pharmacyId === pharmacy && f.problem === null);
  if (!fill) throw new PolicyCheckError(`Fill ${fillNumber} of prescription ${prescriptionId.slice(0, 8)} was not dispensed at your pharmacy.`);
  const dispense = dispenseReference(prescriptionId, fillNumber);
  return fileClaim(policyId, dispense, [{ category: 'Pharmacy', amountMinor, serviceDate: fill.dispensedAt }],
    { dispense, idempotencyKey: `dispense-claim:${dispense}` });
}

/** A benefit's ledger value "percent:P:LIMIT:WAIT" or "copay:C:LIMIT:WAIT" (InsurancePolicyContract.TryParseBenefit). */
function parseBenefit(value: string | undefined): { percent: number | null; copay: number | null } | null {
  const parts = value?.split(':');
  if (!parts || parts.length !== 4 || !/^\d+$/.test(parts[1])) return null;
  const n = Number(parts[1]);
  return parts[0] === 'percent' ? { percent: n, copay: null } : parts[0] === 'copay' ? { percent: null, copay: n } : null;
}

/** InsuranceClaimContract.Share: floor(amount × P / 100), or the amount less the co-pay (never below 0). */
export const insurerShare = (amountMinor: number, percent: number | null, copay: number | null) =>
  percent !== null ? Math.floor((amountMinor * percent) / 100) : Math.max(0, amountMinor - (copay ?? 0));

/**
 * CheckCopayAsync: the claim's file receipt must verify and match; each line shown eligible must carry exactly the share the
 * contract's formula gives under the policy's benefit terms on its verified issue receipt; the co-pay shown must be the price less
 * those shares. Whether a line is eligible at all stays the server's word (ledger state); a line not eligible is owed in full.
 */
export async function checkCopay(claimId: string, signal?: AbortSignal): Promise<CheckedCopay> {
  const me = requireSession().tokens.user.id;
  const claim = await api.get<ClaimView>(`/api/insurance/claims/${claimId}`, { signal });
  const problems = [...(await claimProblems(claim, me))];
  if (claim.id !== claimId) problems.push(`Asked for claim ${claimId}, the server answered with ${claim.id}.`);
  if (!claim.dispense) problems.push(`Claim ${claimId} is not a pharmacy's claim for a dispense: it bills no co-pay.`);
  const policy = await myPolicy(claim.policyId, signal);
  const price = claim.lines.reduce((s, l) => s + l.amountMinor, 0);
  let share = 0;
  let notEligible: string | null = null;
  for (const l of claim.lines) {
    if (l.outcome !== 'eligible') {
      notEligible ??= l.outcome ?? 'not checked yet';
      continue;
    }
    const benefit = parseBenefit(policy.issue.payload[`benefit.${l.tag}`]);
    if (!benefit) {
      problems.push(`Claim ${claimId} line ${l.line} is shown eligible, but your policy on the ledger has no such benefit.`);
      continue;
    }
    const expected = insurerShare(l.amountMinor, benefit.percent, benefit.copay);
    if (l.payableMinor !== expected) {
      problems.push(`Claim ${claimId} line ${l.line}: the insurer's share shown is ${l.payableMinor}, your policy's terms on the ledger give ${expected}.`);
    }
    share += expected;
  }
  const owed = price - share;
  if ((claim.copayMinor ?? 0) !== owed) {
    problems.push(`Claim ${claimId}: the co-pay shown is ${claim.copayMinor ?? 0}, the price ${price} less the insurer's share ${share} is ${owed}.`);
  }
  return { claim, priceMinor: price, shareMinor: share, owedMinor: owed, notEligibleReason: notEligible, problems };
}

/** The problem with a co-pay payable (null: it is exactly what its checked claim leaves owed, to the filing pharmacy, in its currency). */
export async function copayPayableProblem(payable: Payable): Promise<string | null> {
  const c = await checkCopay(payable.referenceId);
  if (c.problems.length > 0) return `the co-pay does not check out: ${c.problems.join(' ')}`;
  if (payable.amount !== c.owedMinor || payable.currency !== c.claim.currency || payable.payeeOrganizationId !== c.claim.providerOrganizationId) {
    return `it asks ${payable.amount} ${payable.currency}; the claim on the ledger leaves ${c.owedMinor} ${c.claim.currency} owed to its pharmacy`;
  }
  return null;
}
