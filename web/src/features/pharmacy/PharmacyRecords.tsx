import { useState } from 'preact/hooks';
import { me } from '../../app/session';
import { downloadText } from '../../ui/download';
import { dailySummary, formatMinor, localZone, movementsCsv } from '../../sdk/pharmacy';
import { createCounterPayable, parseMoney, pharmacyPayables, refundPayment } from '../../sdk/wallet';
import { ActionForm, Button, Card, DataTable, Empty, Field, formatDate, formatDateTime, Notice, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';

/** Today's date (yyyy-MM-dd) in an IANA zone. */
function todayIn(zone: string): string {
  // en-CA formats as yyyy-MM-dd.
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** The pharmacy's records: a day's summary in its time zone (stock moved, sales, dispenses, takings) and the CSV export of movements. */
export function PharmacyRecords() {
  const pharmacyId = me.value?.organizationId ?? null;
  const [zone] = useState(localZone());
  const [date, setDate] = useState(todayIn(zone));
  const summary = useAsync(
    (signal) => (pharmacyId && /^\d{4}-\d{2}-\d{2}$/.test(date) ? dailySummary(pharmacyId, date, zone, signal) : Promise.reject(new Error(pharmacyId ? 'Choose a date.' : 'Your account belongs to no pharmacy.'))),
    [pharmacyId, date, zone],
  );
  const s = summary.data;

  return (
    <Page title="Pharmacy records">
      <Card title="Daily summary">
        <div class="row">
          <Field id="records-date" label="Day">
            <input id="records-date" type="date" value={date} onInput={(e) => setDate(e.currentTarget.value)} />
          </Field>
          <p class="muted">Days run midnight to midnight in {zone}.</p>
        </div>
        <ProblemAlert error={summary.error} />
        {summary.loading && !s && <Spinner label="Loading the day…" />}
        {s && (
          <>
            <p>
              <strong>{s.sales}</strong> walk-in sale{s.sales === 1 ? '' : 's'}, <strong>{s.dispenses}</strong> dispense{s.dispenses === 1 ? '' : 's'},{' '}
              <strong>{s.orderReservations}</strong> order{s.orderReservations === 1 ? '' : 's'} reserved (their units count as sold).
            </p>
            {s.medicines.length === 0 ? <Empty>No stock moved on this day.</Empty> : (
              <DataTable label="Stock moved" columns={['Medicine', ...['Received', 'Sold', 'Dispensed', 'Written off', 'Returned', 'Adjusted'].map((label) => ({ label, class: 'num' }))]}>
                {s.medicines.map((l) => (
                  <tr key={l.medicineId}>
                    <th scope="row">{`${l.name} ${l.strength}`}</th>
                    <td class="num">{l.received}</td>
                    <td class="num">{l.sold}</td>
                    <td class="num">{l.dispensed}</td>
                    <td class="num">{l.writtenOff}</td>
                    <td class="num">{l.returned}</td>
                    <td class="num">{l.adjusted}</td>
                  </tr>
                ))}
              </DataTable>
            )}
            {s.takings.length === 0 ? <Empty>No payments or refunds on this day.</Empty> : (
              <DataTable label="Takings" columns={['Currency', { label: 'Payments', class: 'num' }, { label: 'Paid', class: 'num' }, { label: 'Refunds', class: 'num' }, { label: 'Refunded', class: 'num' }, { label: 'Net', class: 'num' }]}>
                {s.takings.map((t) => (
                  <tr key={t.currency}>
                    <th scope="row">{t.currency}</th>
                    <td class="num">{t.payments}</td>
                    <td class="num">{formatMinor(t.paid, t.currency)}</td>
                    <td class="num">{t.refunds}</td>
                    <td class="num">{formatMinor(t.refunded, t.currency)}</td>
                    <td class="num">{formatMinor(t.net, t.currency)}</td>
                  </tr>
                ))}
              </DataTable>
            )}
          </>
        )}
      </Card>
      {pharmacyId && <CounterPaymentsCard onChange={summary.reload} />}
      {pharmacyId && <ExportCard pharmacyId={pharmacyId} zone={zone} today={todayIn(zone)} />}
    </Page>
  );
}

/** Downloads the stock movements of a period as CSV (opened as text by a spreadsheet; typed text is made inert by the server). */
function ExportCard(props: { pharmacyId: string; zone: string; today: string }) {
  const [from, setFrom] = useState(props.today);
  const [to, setTo] = useState(props.today);
  const [done, setDone] = useState<string | null>(null);
  const run = useAction(async () => {
    setDone(null);
    const csv = await movementsCsv(props.pharmacyId, from, to, props.zone);
    downloadText(`stock-movements-${from}-${to}.csv`, csv);
    const rows = csv.split('\r\n').filter((l) => l).length - 1;
    setDone(`Exported ${rows} movement${rows === 1 ? '' : 's'}.`);
  });
  return (
    <Card title="Export stock movements">
      <ActionForm class="stack" noValidate onSubmit={() => void run.run()}>
        <div class="row">
          <Field id="export-from" label="From">
            <input id="export-from" type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
          </Field>
          <Field id="export-to" label="To">
            <input id="export-to" type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
          </Field>
        </div>
        <ProblemAlert error={run.error} />
        {done && <Notice kind="success">{done}</Notice>}
        <Button type="submit" kind="secondary" busy={run.busy} busyLabel="Exporting…">Download CSV</Button>
      </ActionForm>
    </Card>
  );
}

/**
 * Counter payments: a payable for a patient (the amount fixed now; the patient pays it from their wallet with a payment they
 * sign), the pharmacy's payables with their state, and refunds signed here (never more than was paid: the ledger refuses it).
 */
function CounterPaymentsCard(props: { onChange: () => void }) {
  const payables = useAsync((signal) => pharmacyPayables(signal), []);
  const [patientId, setPatientId] = useState('');
  const [amount, setAmount] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const [errors, setErrors] = useState<{ patientId?: string; amount?: string }>({});
  const create = useAction(async () => {
    setCreated(null);
    const minor = parseMoney(amount);
    const errs: { patientId?: string; amount?: string } = {};
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(patientId.trim())) errs.patientId = 'Enter the patient id the patient shows you (a UUID).';
    if (minor === null || minor < 1) errs.amount = 'Enter an amount, e.g. 12.90.';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const p = await createCounterPayable(patientId.trim().toLowerCase(), minor!, 'EUR');
    setCreated(`Payable of ${formatMinor(p.amount, p.currency)} made out to patient ${p.patientId.slice(0, 8)}; they pay it in their wallet.`);
    setPatientId('');
    setAmount('');
    payables.reload();
  });
  const [refundOf, setRefundOf] = useState('');
  const [refundAmount, setRefundAmount] = useState('');
  const [refunded, setRefunded] = useState<string | null>(null);
  const paid = (payables.data ?? []).filter((p) => p.paymentId);
  const refundTarget = paid.find((p) => p.paymentId === refundOf) ?? paid[0];
  const refund = useAction(async () => {
    setRefunded(null);
    const minor = parseMoney(refundAmount);
    if (!refundTarget || minor === null || minor < 1) throw new Error('Choose a paid payable and enter the amount to refund, e.g. 4.99.');
    const payment = await refundPayment(refundTarget.paymentId!, minor);
    setRefunded(`Refunded ${formatMinor(minor, payment.currency)}; ${formatMinor(payment.refunded, payment.currency)} of ${formatMinor(payment.amount, payment.currency)} refunded so far (ledger receipt verified).`);
    setRefundAmount('');
    payables.reload();
    props.onChange();
  });
  return (
    <Card title="Counter payments">
      <ActionForm class="stack" noValidate onSubmit={() => void create.run()}>
        <div class="row">
          <Field id="payable-patient" label="Patient id" error={errors.patientId}>
            <input id="payable-patient" value={patientId} onInput={(e) => setPatientId(e.currentTarget.value)} aria-invalid={!!errors.patientId} />
          </Field>
          <Field id="payable-amount" label="Amount (EUR)" error={errors.amount}>
            <input id="payable-amount" inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} aria-invalid={!!errors.amount} />
          </Field>
        </div>
        <ProblemAlert error={create.error} />
        {created && <Notice kind="success">{created}</Notice>}
        <Button type="submit" kind="secondary" busy={create.busy} busyLabel="Making…">Make payable</Button>
      </ActionForm>
      <ProblemAlert error={payables.error} />
      {payables.data && (payables.data.length === 0 ? <Empty>No counter payables yet.</Empty> : (
        <DataTable label="Payables" columns={['Made', 'Patient', { label: 'Amount', class: 'num' }, 'State']}>
          {payables.data.map((p) => (
            <tr key={p.id}>
              <td>{formatDateTime(p.createdAt)}</td>
              <td>{p.patientId.slice(0, 8)}</td>
              <td class="num">{formatMinor(p.amount, p.currency)}</td>
              <td>{p.paymentId ? 'Paid' : 'Open'}</td>
            </tr>
          ))}
        </DataTable>
      ))}
      {paid.length > 0 && (
        <ActionForm class="stack" noValidate onSubmit={() => void refund.run()}>
          <div class="row">
            <Field id="refund-of" label="Refund the payment of">
              <select id="refund-of" value={refundTarget?.paymentId ?? ''} onChange={(e) => setRefundOf(e.currentTarget.value)}>
                {paid.map((p) => <option key={p.id} value={p.paymentId!}>{`${formatMinor(p.amount, p.currency)} — patient ${p.patientId.slice(0, 8)} — ${formatDate(p.createdAt)}`}</option>)}
              </select>
            </Field>
            <Field id="refund-amount" label="Refund amount (EUR)">
              <input id="refund-amount" inputMode="decimal" value={refundAmount} onInput={(e) => setRefundAmount(e.currentTarget.value)} />
            </Field>
          </div>
          <ProblemAlert error={refund.error} />
          {refunded && <Notice kind="success">{refunded}</Notice>}
          <Button type="submit" kind="secondary" busy={refund.busy} busyLabel="Refunding…">Refund</Button>
        </ActionForm>
      )}
    </Card>
  );
}
