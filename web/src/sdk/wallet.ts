// Wallet and payments in the browser (docs/payments.md), following src/MedLedger.Client/WalletClient.cs: top-ups with an
// Idempotency-Key, payables paid with a payments.pay signed here after checking the payee is an admin-verified organization,
// and every settled payment and refund checked against its ledger receipt.
import { fromBase64, sha256, toHex } from '../crypto';
import { receiptTransaction, type LedgerReceipt } from '../ledger';
import { api, ApiProblem } from '../app/http';
import { requireSession } from '../app/session';
import { checkReceipt, signTransaction, VerificationError, type SignedTransactionWire } from './ledger';
import { checkOrganization, organizationCard, type Organization } from './organizations';
import { COPAY_KIND, copayPayableProblem } from './copay';

export interface WalletBalance {
  currency: string;
  balance: number;
}

export interface TopUp {
  id: string;
  amount: number;
  currency: string;
  externalReference: string;
  at: string;
  balance: number;
}

export interface Payable {
  id: string;
  payeeOrganizationId: string;
  patientId: string;
  referenceKind: string;
  referenceId: string;
  amount: number;
  currency: string;
  createdAt: string;
  paymentId: string | null;
  /** Set when it was settled outside the wallet (the insurer marked a premium paid): no longer payable. */
  closedAt?: string | null;
  closedReason?: string | null;
}

export interface Refund {
  id: string;
  paymentId: string;
  pharmacistId: string;
  amount: number;
  transactionId: string;
  at: string;
  receipt: LedgerReceipt;
}

export interface Payment {
  id: string;
  payableId: string;
  payerId: string;
  payeeOrganizationId: string;
  amount: number;
  currency: string;
  status: string;
  transactionId: string;
  createdAt: string;
  settledAt: string | null;
  receipt: LedgerReceipt | null;
  refunds: Refund[];
}

/** A payment after this browser's checks; `problem` says why it does not hold up (shown as a warning, never dropped). */
export interface CheckedPayment extends Payment {
  refunded: number;
  problem: string | null;
}

export interface WalletHistory {
  balances: WalletBalance[];
  topUps: TopUp[];
  payments: CheckedPayment[];
}

/** A payment signed here and the Idempotency-Key it travels with: sending it again returns the first result. */
export interface PaymentIntent {
  payableId: string;
  paymentId: string;
  idempotencyKey: string;
  transaction: SignedTransactionWire;
}

/** Why this browser will not pay: the payable or its payee does not hold up; nothing was signed or sent. */
export class PaymentCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentCheckError';
  }
}

/** "12.90 EUR" from minor units. */
export function formatMoney(minor: number, currency: string): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')} ${currency}`;
}

/** Minor units from "12.90" (at most two decimals), or null. */
export function parseMoney(text: string): number | null {
  const m = /^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

export const walletBalances = (signal?: AbortSignal) => api.get<WalletBalance[]>('/api/payments/wallet', { signal });

/** Patient: add money paid outside (the card side is out of scope). Reuse `idempotencyKey` when retrying the same top-up. */
export const topUp = (amount: number, currency: string, externalReference: string, idempotencyKey: string) =>
  api.post<TopUp>('/api/payments/wallet/top-ups', { amount, currency, externalReference }, { headers: { 'Idempotency-Key': idempotencyKey } });

export const myPayables = (signal?: AbortSignal) => api.get<Payable[]>('/api/payments/wallet/payables', { signal });

/** The payee's directory card checked here against an admin's signed verification (a 404 means not in the directory: not verified). */
export async function payeeProblem(organizationId: string): Promise<string | null> {
  let org: Organization;
  try {
    org = await api.get<Organization>(`/api/organizations/${organizationId}`);
  } catch (e) {
    if (e instanceof ApiProblem && e.status === 404) return 'it is not in the directory';
    throw e;
  }
  if (org.id !== organizationId) return `the server answered with organization ${org.id}`;
  const checked = await checkOrganization(organizationCard(org));
  return checked.verified ? null : checked.notVerifiedReason;
}

/**
 * Patient (WalletClient.PreparePaymentAsync): the payable must be an open one of yours and its payee an organization a
 * platform admin verified; then signs a payments.pay for exactly its payee, reference, amount and currency with a
 * one-time token. Keep the intent to retry with the same Idempotency-Key.
 */
export async function preparePayment(payableId: string): Promise<PaymentIntent> {
  const me = requireSession().tokens.user.id;
  const payable = (await myPayables()).find((p) => p.id === payableId);
  if (!payable) throw new PaymentCheckError(`Payable ${payableId} is not made out to you.`);
  if (payable.patientId !== me || payable.paymentId) throw new PaymentCheckError(`Payable ${payableId} is not an open payable of yours.`);
  if (payable.referenceKind === COPAY_KIND) {
    const copay = await copayPayableProblem(payable);
    if (copay) throw new PaymentCheckError(`Co-pay ${payableId.slice(0, 8)} refused: ${copay}.`);
  }
  const problem = await payeeProblem(payable.payeeOrganizationId);
  if (problem) throw new PaymentCheckError(`The payee ${payable.payeeOrganizationId} is not verified by the admin: ${problem}.`);
  const paymentId = crypto.randomUUID();
  const token = toHex(crypto.getRandomValues(new Uint8Array(32)));
  const transaction = await signTransaction('payments.pay', {
    paymentId, payerId: me, payeeOrganizationId: payable.payeeOrganizationId, referenceKind: payable.referenceKind, referenceId: payable.referenceId,
    amount: String(payable.amount), currency: payable.currency, token,
  });
  return { payableId, paymentId, idempotencyKey: crypto.randomUUID(), transaction };
}

/** Sends a prepared payment (again after a lost answer: the same key returns the first result) and checks its receipt. */
export async function submitPayment(intent: PaymentIntent): Promise<CheckedPayment> {
  const info = await api.post<Payment>(`/api/payments/wallet/payables/${intent.payableId}/payment`, { transaction: intent.transaction }, {
    headers: { 'Idempotency-Key': intent.idempotencyKey },
  });
  const txId = toHex(await sha256(fromBase64(intent.transaction.transaction)));
  if (info.id !== intent.paymentId || info.transactionId !== txId) {
    throw new VerificationError(`Asked to make payment ${intent.paymentId}, the server answered with ${info.id}.`);
  }
  const checked = await checkPayment(info);
  if (checked.problem) throw new VerificationError(checked.problem);
  return checked;
}

/**
 * A settled payment must match its payments.pay (payer, payee, amount, currency) on a verified receipt, and each refund its
 * payments.refund, never totalling more than the payment (WalletClient.CheckPaymentAsync).
 */
export async function checkPayment(p: Payment): Promise<CheckedPayment> {
  const refunded = p.refunds.reduce((s, r) => s + r.amount, 0);
  try {
    if (p.status === 'paid') {
      if (!p.receipt) throw new VerificationError(`Payment ${p.id} is reported paid without its ledger receipt.`);
      await checkReceipt(p.receipt);
      const tx = await receiptTransaction(p.receipt);
      if (tx.id !== p.transactionId || tx.type !== 'payments.pay' || tx.actorId !== p.payerId || tx.payload.paymentId !== p.id
        || tx.payload.payeeOrganizationId !== p.payeeOrganizationId || tx.payload.amount !== String(p.amount) || tx.payload.currency !== p.currency) {
        throw new VerificationError(`Payment ${p.id} does not match its payments.pay on the ledger.`);
      }
    }
    for (const r of p.refunds) {
      await checkReceipt(r.receipt);
      const tx = await receiptTransaction(r.receipt);
      if (tx.id !== r.transactionId || tx.type !== 'payments.refund' || tx.actorId !== r.pharmacistId || tx.payload.refundId !== r.id
        || tx.payload.paymentId !== p.id || tx.payload.amount !== String(r.amount)) {
        throw new VerificationError(`Refund ${r.id} of payment ${p.id} does not match its payments.refund on the ledger.`);
      }
    }
    if (refunded > p.amount) throw new VerificationError(`Payment ${p.id} is reported refunded beyond its amount.`);
    return { ...p, refunded, problem: null };
  } catch (e) {
    return { ...p, refunded, problem: e instanceof Error ? e.message : String(e) };
  }
}

/** Patient: balances, top-ups and payments; every payment and refund checked against its receipt (a failing one carries its problem). */
export async function walletHistory(signal?: AbortSignal): Promise<WalletHistory> {
  const h = await api.get<{ balances: WalletBalance[]; topUps: TopUp[]; payments: Payment[] }>('/api/payments/wallet/history', { signal });
  const payments: CheckedPayment[] = [];
  for (const p of h.payments) payments.push(await checkPayment(p));
  return { balances: h.balances, topUps: h.topUps, payments };
}

// ---------- the pharmacy's own pharmacists ----------

/** Pharmacist: a counter payable for a patient; the amount (minor units) is fixed now. */
export const createCounterPayable = (patientId: string, amount: number, currency: string) =>
  api.post<Payable>('/api/payments/payables', { patientId, amount, currency });

/** Pharmacist: your pharmacy's payables and the payments that settled them. */
export const pharmacyPayables = (signal?: AbortSignal) => api.get<Payable[]>('/api/payments/payables', { signal });

/**
 * Pharmacist: refund `amount` of a payment to your pharmacy with a payments.refund signed here (WalletClient.RefundPaymentAsync);
 * the answer must show this refund on a verified receipt. The ledger never lets refunds exceed the payment.
 */
export async function refundPayment(paymentId: string, amount: number): Promise<CheckedPayment> {
  if (!Number.isInteger(amount) || amount < 1) throw new PaymentCheckError('Refund a positive amount.');
  const pharmacy = requireSession().tokens.user.organizationId;
  if (!pharmacy) throw new PaymentCheckError('Only a pharmacist of a pharmacy refunds.');
  const refundId = crypto.randomUUID();
  const transaction = await signTransaction('payments.refund', { refundId, paymentId, payeeOrganizationId: pharmacy, amount: String(amount) });
  const info = await api.post<Payment>(`/api/payments/${paymentId}/refunds`, { transaction });
  const checked = await checkPayment(info);
  if (checked.problem) throw new VerificationError(checked.problem);
  if (!checked.refunds.some((r) => r.id === refundId)) throw new VerificationError(`The server's answer does not list our refund ${refundId}.`);
  return checked;
}
