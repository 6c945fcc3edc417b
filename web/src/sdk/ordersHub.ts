// Live order status over SignalR (/hubs/orders) through the shared hub connection (liveHub.ts): a patient hears of their
// own orders, a pharmacy's pharmacists of their pharmacy's (OrdersHub). The event carries ids and the status only; screens
// re-read the order or list (whose receipts they check) instead of trusting it.
import { liveHub, type LiveListener } from './liveHub';

export interface OrderEvent {
  id: string;
  patientId: string;
  pharmacyId: string;
  status: string;
}

export interface OrdersListener extends LiveListener {
  onOrder?: (e: OrderEvent) => void;
}

const hub = liveHub<OrdersListener>('/hubs/orders', (c, listeners) => {
  c.on('order', (e: OrderEvent) => listeners.forEach((l) => l.onOrder?.(e)));
});

export const ordersLiveState = hub.state;

/** Receives order changes the caller may see until the returned function is called. */
export const watchOrders = hub.watch;
