import { useRef } from 'preact/hooks';
import { preparePayment, submitPayment, type CheckedPayment, type PaymentIntent } from '../../sdk/wallet';
import { useAction } from '../../ui/hooks';

/**
 * Pays a payable from the wallet (payee's admin verification checked, payments.pay signed here). One signed payment per
 * payable is kept until it is answered, so a retry after a lost answer sends the same payment with the same
 * Idempotency-Key and the server pays it once. `before` runs first (clear a previous message); `paid` gets the checked payment.
 */
export function usePayPayable(paid: (p: CheckedPayment) => void, before?: () => void) {
  const intents = useRef(new Map<string, PaymentIntent>());
  return useAction(async (payableId: string) => {
    before?.();
    let intent = intents.current.get(payableId);
    if (!intent) {
      intent = await preparePayment(payableId);
      intents.current.set(payableId, intent);
    }
    const p = await submitPayment(intent);
    intents.current.delete(payableId);
    paid(p);
  });
}
