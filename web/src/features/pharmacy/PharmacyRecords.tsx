import { useState } from 'preact/hooks';
import { me } from '../../app/session';
import { dailySummary, formatMinor, localZone, movementsCsv } from '../../sdk/pharmacy';
import { ActionForm, Button, Card, DataTable, Empty, Field, Notice, Page, ProblemAlert, Spinner } from '../../ui/components';
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
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
    try {
      const a = document.createElement('a');
      a.href = url;
      a.download = `stock-movements-${from}-${to}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
    } finally {
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    }
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
