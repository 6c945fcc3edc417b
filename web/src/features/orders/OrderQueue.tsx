import { useState } from 'preact/hooks';
import { Link } from '../../app/router';
import { me } from '../../app/session';
import { describeMedicine, formatMinor, getStock, type Medicine } from '../../sdk/pharmacy';
import {
  acceptOrder, collectOrder, declineOrder, DECLINE_REASONS, markOrderReady, openOrder, pharmacyOrders, releaseCancelledOrder, reservationStillHeld,
  type OpenedOrder, type OrderView,
} from '../../sdk/orders';
import { ApiProblem } from '../../app/http';
import { Button, Card, DataTable, Empty, Field, Notice, Page, ProblemAlert, ShortId, Spinner, formatDateTime } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { OrdersLiveBadge, statusLabel, useLiveOrders } from './live';
import { PharmacyKeyCard } from './PharmacyKeyCard';

const DAY_MS = 24 * 3600 * 1000;

interface QueueRow {
  order: OrderView;
  /** For a cancelled order accepted before: whether its reservation still holds units (null: not known or not applicable). */
  needsRelease: boolean | null;
}

/**
 * Pharmacist: the pharmacy's order queue (placed, accepted, ready, and cancelled orders whose reserved units still need
 * releasing), live. Open an order (its placing checked on the ledger, its lines opened with the pharmacy key), accept
 * (reserves stock), decline with a reason code, mark ready, hand over (refused while unpaid), release.
 */
export function OrderQueue() {
  const pharmacyId = me.value?.organizationId ?? '';
  const queue = useAsync(async (signal): Promise<QueueRow[]> => {
    const all = await pharmacyOrders(undefined, signal);
    const rows: QueueRow[] = [];
    for (const order of all) {
      if (order.status === 'placed' || order.status === 'accepted' || order.status === 'ready') rows.push({ order, needsRelease: null });
      // A cancelled order stays a day so the pharmacist sees it went; one accepted before stays while its units are held.
      else if (order.status === 'cancelled' && !order.acceptNote && Date.now() - Date.parse(order.updatedAt) < DAY_MS) rows.push({ order, needsRelease: false });
      else if (order.status === 'cancelled' && order.acceptNote) {
        let held: boolean | null = null;
        try {
          held = await reservationStillHeld(order.id);
        } catch {
          held = null;
        }
        if (held !== false) rows.push({ order, needsRelease: held });
      }
    }
    return rows;
  }, []);
  const stock = useAsync((signal) => (pharmacyId ? getStock(pharmacyId, signal) : Promise.resolve([])), [pharmacyId]);
  const medicines = new Map<string, Medicine>((stock.data ?? []).map((l) => [l.medicine.id, l.medicine]));
  useLiveOrders(queue.reload);

  const [opened, setOpened] = useState<OpenedOrder | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [reason, setReason] = useState<string>(DECLINE_REASONS[0]);
  const after = (message: string) => {
    setDone(message);
    queue.reload();
    stock.reload();
  };
  const open = useAction(async (orderId: string) => {
    setDone(null);
    setOpened(null);
    setOpened(await openOrder(orderId));
  });
  const act = useAction(async (orderId: string, action: 'accept' | 'ready' | 'collect' | 'decline' | 'release') => {
    setDone(null);
    const short = orderId.slice(0, 8);
    switch (action) {
      case 'accept':
        await acceptOrder(orderId);
        return after(`Order ${short} accepted; its stock is reserved.`);
      case 'ready':
        await markOrderReady(orderId);
        return after(`Order ${short} is ready for collection.`);
      case 'collect':
        try {
          await collectOrder(orderId);
        } catch (e) {
          if (e instanceof ApiProblem && e.status === 409 && (e.type?.endsWith('order-unpaid') || e.title === 'Order not paid')) {
            throw new Error(`Order ${short} is not paid yet: it is handed over once the patient has paid.`);
          }
          throw e;
        }
        setOpened(null);
        return after(`Order ${short} handed over.`);
      case 'decline':
        await declineOrder(orderId, reason);
        setOpened(null);
        return after(`Order ${short} declined (${reason}).`);
      case 'release':
        return after((await releaseCancelledOrder(orderId)) ? `The units reserved for order ${short} are back in stock.` : `Nothing was held for order ${short} any more.`);
    }
  });

  const rows = queue.data ?? [];
  const name = (id: string) => (medicines.get(id) ? describeMedicine(medicines.get(id)!) : id);
  return (
    <Page title="Orders" actions={<OrdersLiveBadge />}>
      {pharmacyId && <PharmacyKeyCard pharmacyId={pharmacyId} onChange={queue.reload} />}
      <Card title="Order queue">
        <ProblemAlert error={queue.error} />
        <ProblemAlert error={act.error} />
        {done && <Notice kind="success">{done}</Notice>}
        {queue.loading && !queue.data && <Spinner label="Loading the queue…" />}
        {queue.data && (rows.length === 0 ? <Empty>No orders waiting.</Empty> : (
          <DataTable label="Order queue" columns={['Order', { label: 'Amount', class: 'num' }, 'Status', 'Placed', 'Expires', '']}>
            {rows.map(({ order: o, needsRelease }) => {
              const short = o.id.slice(0, 8);
              return (
                <tr key={o.id} data-order={o.id}>
                  <th scope="row"><ShortId id={o.id} /></th>
                  <td class="num">{formatMinor(o.amount, o.currency)}</td>
                  <td data-testid={`queue-status-${o.id}`}>{statusLabel(o.status)}{o.status === 'cancelled' && (!o.acceptNote ? ' by the patient · nothing was reserved' : needsRelease ? ' · units still reserved' : ' · reservation unknown')}</td>
                  <td>{formatDateTime(o.placedAt)}</td>
                  <td>{formatDateTime(o.expiresAt)}</td>
                  <td>
                    {o.status !== 'cancelled' && (
                      <Button kind="secondary" busy={open.busy} busyLabel="Checking and opening…" aria-label={`Open order ${short}`} onClick={() => void open.run(o.id)}>Open</Button>
                    )}
                    {o.status === 'accepted' && <Button busy={act.busy} busyLabel="Working…" aria-label={`Mark order ${short} ready`} onClick={() => void act.run(o.id, 'ready')}>Ready</Button>}
                    {o.status === 'ready' && <Button busy={act.busy} busyLabel="Working…" aria-label={`Hand over order ${short}`} onClick={() => void act.run(o.id, 'collect')}>Hand over</Button>}
                    {o.status === 'cancelled' && o.acceptNote && (
                      <Button kind="secondary" busy={act.busy} busyLabel="Releasing…" aria-label={`Release the units of order ${short}`} onClick={() => void act.run(o.id, 'release')}>Release</Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        ))}
      </Card>
      <ProblemAlert error={open.error} />
      {opened && (
        <Card title={`Order ${opened.order.id.slice(0, 8)}`}>
          <p>
            {statusLabel(opened.order.status)} · {formatMinor(opened.order.amount, opened.order.currency)} · its placing verifies on the ledger
            {opened.content.prescriptionId && (
              <>
                {' · '}
                <Link href="/pharmacy/dispense">prescription {opened.content.prescriptionId.slice(0, 8)} (dispense it)</Link>
              </>
            )}
          </p>
          <DataTable label="Order lines" columns={['Medicine', { label: 'Quantity', class: 'num' }, { label: 'Unit price', class: 'num' }]}>
            {opened.content.lines.map((l) => (
              <tr key={l.medicineId}>
                <th scope="row">{name(l.medicineId)}</th>
                <td class="num">{l.quantity}</td>
                <td class="num">{formatMinor(l.unitPrice, opened.content.currency)}</td>
              </tr>
            ))}
          </DataTable>
          {opened.order.status === 'placed' && (
            <div class="row">
              <Button busy={act.busy} busyLabel="Checking the total and reserving…" aria-label={`Accept order ${opened.order.id.slice(0, 8)}`}
                onClick={() => void act.run(opened.order.id, 'accept').then(() => setOpened(null))}>Accept</Button>
              <Field id="decline-reason" label="Decline reason">
                <select id="decline-reason" value={reason} onChange={(e) => setReason((e.currentTarget as HTMLSelectElement).value)}>
                  {DECLINE_REASONS.map((r) => <option key={r} value={r}>{r}</option>)}
                </select>
              </Field>
              <Button kind="danger" busy={act.busy} busyLabel="Declining…" aria-label={`Decline order ${opened.order.id.slice(0, 8)}`}
                onClick={() => void act.run(opened.order.id, 'decline')}>Decline</Button>
            </div>
          )}
        </Card>
      )}
    </Page>
  );
}
