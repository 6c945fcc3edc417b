import { useEffect, useState } from 'preact/hooks';
import { Link } from '../../app/router';
import { bedTypeLabel, cancelBooking, getHospital, myBookings, type BedBooking } from '../../sdk/hospitals';
import { DataTable, Button, Empty, formatDateTime, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { BookingStatusBadge } from './live';

/** Hospital names for the listed bookings (bookings carry ids only). */
function useHospitalNames(ids: string[]): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  const key = [...new Set(ids)].sort().join(',');
  useEffect(() => {
    const ctl = new AbortController();
    for (const id of new Set(ids)) {
      if (names[id]) continue;
      getHospital(id, ctl.signal).then(
        (h) => setNames((old) => ({ ...old, [id]: h.name })),
        () => undefined, // a hospital no longer listed keeps its id
      );
    }
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return names;
}

export function MyBookings() {
  const bookings = useAsync((signal) => myBookings(signal), []);
  const names = useHospitalNames((bookings.data ?? []).map((b) => b.hospitalId));
  return (
    <Page title="My bookings">
      <ProblemAlert error={bookings.error} />
      {bookings.loading && !bookings.data && <Spinner label="Loading your bookings…" />}
      {bookings.data && bookings.data.length === 0 && (
        <Empty>
          You have no bed bookings. <Link href="/hospitals">Find a hospital</Link>
        </Empty>
      )}
      {bookings.data && bookings.data.length > 0 && (
        <DataTable columns={['Hospital', 'Bed type', 'Status', 'Booked', 'Held until', { label: <span class="hide-narrow">Action</span> }]} class="card">
          {bookings.data.map((b) => (
            <BookingRow key={b.id} booking={b} hospital={names[b.hospitalId]} onChanged={(nb) => bookings.setData(bookings.data!.map((x) => (x.id === nb.id ? nb : x)))} />
          ))}
        </DataTable>
      )}
    </Page>
  );
}

function BookingRow(props: { booking: BedBooking; hospital?: string; onChanged: (b: BedBooking) => void }) {
  const b = props.booking;
  const cancel = useAction(async () => props.onChanged(await cancelBooking(b.id)));
  const hospital = props.hospital ?? 'Hospital';
  return (
    <tr>
      <td>
        <Link href={`/hospitals/${b.hospitalId}`}>{hospital}</Link>
      </td>
      <td>{bedTypeLabel(b.bedType)}</td>
      <td>
        <BookingStatusBadge status={b.status} />
      </td>
      <td>{formatDateTime(b.createdAt)}</td>
      <td>{b.status === 'Held' ? formatDateTime(b.expiresAt) : b.closedAt ? `closed ${formatDateTime(b.closedAt)}` : '—'}</td>
      <td>
        {b.status === 'Held' && (
          <Button kind="danger" busy={cancel.busy} busyLabel="Cancelling…" onClick={() => void cancel.run()} aria-label={`Cancel ${bedTypeLabel(b.bedType)} bed at ${hospital}`}>
            Cancel
          </Button>
        )}
        <ProblemAlert error={cancel.error} />
      </td>
    </tr>
  );
}
