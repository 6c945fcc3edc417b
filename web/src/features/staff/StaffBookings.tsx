import { useEffect, useState } from 'preact/hooks';
import { me } from '../../app/session';
import { watchHospital } from '../../sdk/bedsHub';
import { admitBooking, bedTypeLabel, hospitalBookings, releaseBooking, type BedBooking, type BookingStatus } from '../../sdk/hospitals';
import { DataTable, Button, Empty, Field, formatDateTime, Page, ProblemAlert, ShortId, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { BookingStatusBadge, LiveBadge } from '../hospitals/live';
import { PatientName, useSharedProfiles } from '../shared/PatientName';
import { label, type OpenedProfile } from '../../sdk/profiles';

const statuses: BookingStatus[] = ['Held', 'Admitted', 'Released', 'Cancelled', 'Expired', 'Failed'];

export function StaffBookings() {
  const hospitalId = me.value?.organizationId ?? null;
  const [status, setStatus] = useState<BookingStatus | ''>('Held');
  const bookings = useAsync(
    (signal) => (hospitalId ? hospitalBookings(hospitalId, status || undefined, signal) : Promise.reject(new Error('Your account belongs to no hospital.'))),
    [hospitalId, status],
  );
  // Every booking change pushes the hospital's bed snapshot: reload the list then, so new holds appear by themselves.
  // Fetched once for the screen: a held bed's patient has wrapped their profile for this hospital's staff.
  const profiles = useSharedProfiles();
  const { reload } = bookings;
  useEffect(() => (hospitalId ? watchHospital(hospitalId, () => reload()) : undefined), [hospitalId, status]);

  return (
    <Page title="Bookings" actions={<LiveBadge />}>
      <div class="inline-form">
        <Field id="booking-status" label="Show">
          <select id="booking-status" value={status} onChange={(e) => setStatus(e.currentTarget.value as BookingStatus | '')}>
            <option value="">All bookings</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s === 'Held' ? 'Held (waiting for admission)' : s}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <ProblemAlert error={bookings.error} />
      <ProblemAlert error={profiles.error} />
      {bookings.loading && !bookings.data && <Spinner label="Loading bookings…" />}
      {bookings.data && bookings.data.length === 0 && <Empty>No bookings{status ? ` with status ${status}` : ''}.</Empty>}
      {bookings.data && bookings.data.length > 0 && (
        <DataTable columns={['Booking', 'Patient', 'Bed type', 'Status', 'Booked', 'Held until', 'Actions']} class="card">
          {bookings.data.map((b) => (
            <BookingRow key={b.id} booking={b} profiles={profiles.data} onChanged={reload} />
          ))}
        </DataTable>
      )}
    </Page>
  );
}

function BookingRow(props: { booking: BedBooking; profiles: Map<string, OpenedProfile> | undefined; onChanged: () => void }) {
  const b = props.booking;
  const admit = useAction(async () => {
    await admitBooking(b.id);
    props.onChanged();
  });
  const release = useAction(async () => {
    await releaseBooking(b.id);
    props.onChanged();
  });
  // Staff confirm who they admit: the patient's name when the patient wrapped their profile for this viewer.
  const profile = props.profiles?.get(b.patientId);
  const what = `${bedTypeLabel(b.bedType)} booking ${b.id.slice(0, 8)}${profile ? ` for ${label(profile, b.patientId)}` : ''}`;
  return (
    <tr>
      <td>
        <ShortId id={b.id} />
      </td>
      <td>
        <PatientName id={b.patientId} profiles={props.profiles} />
      </td>
      <td>{bedTypeLabel(b.bedType)}</td>
      <td>
        <BookingStatusBadge status={b.status} />
      </td>
      <td>{formatDateTime(b.createdAt)}</td>
      <td>{b.status === 'Held' ? formatDateTime(b.expiresAt) : '—'}</td>
      <td>
        {b.status === 'Held' && (
          <div class="row">
            <Button busy={admit.busy} busyLabel="Admitting…" disabled={release.busy} onClick={() => void admit.run()} aria-label={`Admit ${what}`}>
              Admit
            </Button>
            <Button kind="secondary" busy={release.busy} busyLabel="Releasing…" disabled={admit.busy} onClick={() => void release.run()} aria-label={`Release ${what}`}>
              Release
            </Button>
          </div>
        )}
        <ProblemAlert error={admit.error ?? release.error} />
      </td>
    </tr>
  );
}
