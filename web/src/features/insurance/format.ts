import { formatMoney } from '../../sdk/wallet';
import { describeBenefit, type PlanBenefit } from '../../sdk/insurance';

/** "80 % up to 1000.00 EUR, 30-day wait". */
export const benefitText = (b: PlanBenefit, currency: string) => describeBenefit(b, currency, formatMoney);

export const POLICY_STATUS_LABELS: Record<string, string> = {
  pending: 'pending (premium unpaid)', active: 'active', suspended: 'suspended', expired: 'expired', renewed: 'renewed',
};

export const policyStatusLabel = (s: string) => POLICY_STATUS_LABELS[s] ?? s;
