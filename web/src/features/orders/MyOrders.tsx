import { useState } from 'preact/hooks';
import { Link } from '../../app/router';
import { organizations } from '../../sdk/organizations';
import { describeMedicine, formatMinor, type Medicine } from '../../sdk/pharmacy';
import { cancelOrder, myOrders, openMyOrder, pharmacyCatalogue, type OrderContent, type OrderView } from '../../sdk/orders';
import { myPayables } from '../../sdk/wallet';
import { Button, Card, DataTable, Empty, Notice, Page, ProblemAlert, ShortId, Spinner, formatDateTime } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { OrdersLiveBadge, statusLabel, useLiveOrders } from './live';
import { usePayPayable } from '../wallet/usePayPayable';

interface MyOrder {
  order: OrderView;
  content: OrderContent | null;
  problem: string | null;
}

/** Patient: your orders with live status, the amount, the lines opened from your own sealed copy; cancel, and pay once accepted. */
export function MyOrders() {
  const orders = useAsync(async (signal): Promise<MyOrder[]> => {
    const list = await myOrders(signal);
    const out: MyOrder[] = [];
    for (const order of [...list].reverse()) {
      try {
        out.push({ order, content: await openMyOrder(order), problem: null });
      } catch (e) {
        out.push({ order, content: null, problem: e instanceof Error ? e.message : String(e) });
      }
    }
    return out;
  }, []);
  const payables = useAsync((signal) => myPayables(signal), []);
  const names = useAsync((signal) => organizations('Pharmacy', signal).then((o) => new Map(o.map((x) => [x.id, x.name]))), []);
  // Medicine names come from each pharmacy's public catalogue (the sealed lines carry ids only).
  const medicines = useAsync(async (signal) => {
    const ids = [...new Set((orders.data ?? []).map((o) => o.order.pharmacyId))];
    const map = new Map<string, Medicine>();
    for (const id of ids) {
      try {
        for (const i of (await pharmacyCatalogue(id, signal)).items) map.set(i.medicine.id, i.medicine);
      } catch {
        // A pharmacy no longer listed: its lines show ids.
      }
    }
    return map;
  }, [orders.data]);
  const reload = () => (orders.reload(), payables.reload());
  useLiveOrders(reload);

  const [done, setDone] = useState<string | null>(null);
  const cancel = useAction(async (orderId: string) => {
    setDone(null);
    await cancelOrder(orderId);
    setDone(`Order ${orderId.slice(0, 8)} cancelled.`);
    reload();
  });
  const pay = usePayPayable((p) => {
    setDone(`Paid ${formatMinor(p.amount, p.currency)}; the ledger receipt verifies.`);
    reload();
  }, () => setDone(null));

  const payableOf = (orderId: string) => (payables.data ?? []).find((p) => p.referenceKind === 'order' && p.referenceId === orderId);
  const lineText = (c: OrderContent) =>
    c.lines.map((l) => `${l.quantity} × ${medicines.data?.get(l.medicineId) ? describeMedicine(medicines.data.get(l.medicineId)!) : l.medicineId}`).join('; ');
  return (
    <Page title="My orders" actions={<OrdersLiveBadge />}>
      <Card>
        <p><Link href="/orders/new">Order medicines from a pharmacy</Link></p>
        <ProblemAlert error={orders.error} />
        <ProblemAlert error={cancel.error} />
        <ProblemAlert error={pay.error} />
        {done && <Notice kind="success">{done}</Notice>}
        {orders.loading && !orders.data && <Spinner label="Loading and opening your orders…" />}
        {orders.data && (orders.data.length === 0 ? <Empty>No orders yet.</Empty> : (
          <DataTable label="My orders" columns={['Order', 'Pharmacy', 'Lines', { label: 'Amount', class: 'num' }, 'Status', 'Placed', '']}>
            {orders.data.map(({ order: o, content, problem }) => {
              const payable = payableOf(o.id);
              const short = o.id.slice(0, 8);
              return (
                <tr key={o.id} data-order={o.id}>
                  <th scope="row"><ShortId id={o.id} /></th>
                  <td>{names.data?.get(o.pharmacyId) ?? o.pharmacyId.slice(0, 8)}</td>
                  <td>{content ? lineText(content) : <span class="muted" title={problem ?? undefined}>cannot be opened</span>}{content?.prescriptionId && ' · with a prescription'}</td>
                  <td class="num">{formatMinor(o.amount, o.currency)}</td>
                  <td data-testid={`order-status-${o.id}`}>
                    {statusLabel(o.status)}
                    {o.status === 'declined' && o.declineReason && ` (${o.declineReason})`}
                    {payable && (payable.paymentId ? ' · paid' : ' · awaiting payment')}
                  </td>
                  <td>{formatDateTime(o.placedAt)}</td>
                  <td>
                    {payable && !payable.paymentId && (
                      <Button busy={pay.busy} busyLabel="Paying…" aria-label={`Pay order ${short}`} onClick={() => void pay.run(payable.id)}>Pay</Button>
                    )}
                    {(o.status === 'placed' || o.status === 'accepted') && (
                      <Button kind="danger" busy={cancel.busy} busyLabel="Cancelling…" aria-label={`Cancel order ${short}`} onClick={() => void cancel.run(o.id)}>Cancel</Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        ))}
        {(orders.data ?? []).filter((o) => o.problem).map((o) => (
          <Notice key={o.order.id} kind="warning">{`Order ${o.order.id.slice(0, 8)} cannot be opened here: ${o.problem}`}</Notice>
        ))}
      </Card>
    </Page>
  );
}
