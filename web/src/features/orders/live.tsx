import { useEffect } from 'preact/hooks';
import { ordersLiveState, watchOrders } from '../../sdk/ordersHub';

/** Re-reads the list whenever one of the caller's orders changes (and once watching, for what came before). */
export function useLiveOrders(reload: () => void): void {
  useEffect(() => watchOrders({ onOrder: reload, onLive: reload }), []);
}

/** Whether order status updates arrive by themselves. */
export function OrdersLiveBadge() {
  const live = ordersLiveState.value;
  return (
    <span class="muted" role="status" aria-live="polite" data-testid="orders-live">
      {live === 'live' ? 'Live' : live === 'connecting' || live === 'reconnecting' ? 'Connecting…' : 'Not live'}
    </span>
  );
}

export const STATUS_LABELS: Record<string, string> = {
  submitting: 'being placed', placed: 'placed', accepted: 'accepted', ready: 'ready for collection', collected: 'collected',
  cancelled: 'cancelled', declined: 'declined', expired: 'expired',
};

export const statusLabel = (s: string) => STATUS_LABELS[s] ?? s;
