import { useState } from 'preact/hooks';
import { Link } from '../../app/router';
import { role } from '../../app/session';
import { bedTypeLabel, bookBed, getHospital, type BedBooking, type BedSnapshot } from '../../sdk/hospitals';
import { myHospitalRegistrations, registerWithHospital, withdrawHospitalRegistration } from '../../sdk/care';
import { ActionForm, Button, Card, Empty, Field, formatDateTime, Notice, Page, ProblemAlert, ShortId, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { BedsByTypeTable, LiveBadge, useLiveBeds } from './live';
import { organizationCard } from '../../sdk/organizations';
import { VerifiedBadge } from './VerifiedBadge';
import { useMyReview } from './MyReview';

export function HospitalDetail(props: { params: Record<string, string> }) {
  const id = props.params.id;
  const hospital = useAsync((signal) => getHospital(id, signal), [id]);
  const beds = useLiveBeds(id, hospital.data?.beds);

  if (hospital.loading && !hospital.data) return <Spinner label="Loading hospital…" />;
  if (!hospital.data)
    return (
      <Page title="Hospital">
        <ProblemAlert error={hospital.error} />
        <Link href="/hospitals">Back to the hospital search</Link>
      </Page>
    );
  const h = hospital.data;
  return (
    <Page title={h.name} actions={<LiveBadge />}>
      <div class="grid">
        <Card title="Contact">
          <dl class="facts">
            <dt>Address</dt>
            <dd>{h.address}</dd>
            <dt>Registration no.</dt>
            <dd>{h.registrationNumber}</dd>
            <dt>Verification</dt>
            <dd>
              <VerifiedBadge card={organizationCard({ ...h, kind: 'Hospital' })} />
            </dd>
            {h.contactPhone && (
              <>
                <dt>Phone</dt>
                <dd>
                  <a href={`tel:${h.contactPhone}`}>{h.contactPhone}</a>
                </dd>
              </>
            )}
            {h.contactEmail && (
              <>
                <dt>Email</dt>
                <dd>{h.contactEmail}</dd>
              </>
            )}
            <dt>Rating</dt>
            <dd>{h.rating.count > 0 ? `${h.rating.average?.toFixed(1)} / 5 (${h.rating.count})` : 'No reviews yet'}</dd>
          </dl>
        </Card>
        <Card title="Departments and services">
          <h3>Departments</h3>
          {h.departments.length ? <ul>{h.departments.map((d) => <li key={d}>{d}</li>)}</ul> : <Empty>None listed.</Empty>}
          <h3>Services</h3>
          {h.services.length ? <ul>{h.services.map((s) => <li key={s}>{s}</li>)}</ul> : <Empty>None listed.</Empty>}
        </Card>
        <Card title="Visiting rules">{h.visitingRules ? <p style="white-space:pre-wrap">{h.visitingRules}</p> : <Empty>None published.</Empty>}</Card>
      </div>
      <Card title="Beds">
        {beds && <BedsByTypeTable rows={beds.byType} caption={`Updated ${formatDateTime(beds.asOf)}`} />}
      </Card>
      {role.value === 'Patient' && <CareRegistrationCard hospitalId={id} />}
      {role.value === 'Patient' && beds && <BookBed hospitalId={id} beds={beds} />}
      <Card title="Doctors">
        {h.doctors.length === 0 ? (
          <Empty>No verified doctors listed.</Empty>
        ) : (
          <ul>
            {h.doctors.map((d) => (
              <li key={d.userId}>
                Licence {d.licenseNumber ?? '—'} · <ShortId id={d.userId} />
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Reviews hospitalId={id} />
    </Page>
  );
}

/** The patient's own "register with this hospital" (a care.register they sign): only then may its staff assign its doctors to them. */
function CareRegistrationCard(props: { hospitalId: string }) {
  const registrations = useAsync((signal) => myHospitalRegistrations(signal), [props.hospitalId]);
  const registered = (registrations.data ?? []).some((r) => r.hospitalId === props.hospitalId);
  const change = useAction(async () => {
    if (registered) {
      await withdrawHospitalRegistration(props.hospitalId);
      registrations.setData((registrations.data ?? []).filter((r) => r.hospitalId !== props.hospitalId));
    } else {
      const r = await registerWithHospital(props.hospitalId);
      registrations.setData([r, ...(registrations.data ?? [])]);
    }
  });
  return (
    <Card title="Care at this hospital">
      <ProblemAlert error={registrations.error ?? change.error} />
      {registrations.loading && !registrations.data && <Spinner label="Loading your registration…" />}
      {registrations.data && (
        <div class="stack">
          <p id="care-registration-status">
            {registered
              ? 'You are registered with this hospital: its staff may assign its doctors to your care.'
              : 'You are not registered with this hospital. Its staff can assign a doctor to you only after you register (or while you hold a bed here).'}
          </p>
          <div>
            <Button kind={registered ? 'secondary' : 'primary'} busy={change.busy} busyLabel="Signing…" onClick={() => void change.run()}>
              {registered ? 'Withdraw registration' : 'Register with this hospital'}
            </Button>
          </div>
        </div>
      )}
    </Card>
  );
}

function BookBed(props: { hospitalId: string; beds: BedSnapshot }) {
  const types = props.beds.byType;
  const [bedType, setBedType] = useState('');
  const [booking, setBooking] = useState<BedBooking | null>(null);
  const chosen = bedType || types.find((t) => t.free > 0)?.bedType || '';
  const book = useAction(async () => {
    setBooking(null);
    setBooking(await bookBed(props.hospitalId, chosen));
  });
  return (
    <Card title="Book an emergency bed">
      {types.length === 0 ? (
        <Empty>This hospital lists no beds yet.</Empty>
      ) : (
        <ActionForm
          class="inline-form"
          onSubmit={() => void book.run()}
        >
          <Field id="book-type" label="Bed type">
            <select id="book-type" value={chosen} onChange={(e) => setBedType(e.currentTarget.value)}>
              {types.map((t) => (
                <option key={t.bedType} value={t.bedType}>
                  {bedTypeLabel(t.bedType)} ({t.free} free)
                </option>
              ))}
            </select>
          </Field>
          <Button type="submit" busy={book.busy} busyLabel="Booking…" disabled={!chosen}>
            Book bed
          </Button>
        </ActionForm>
      )}
      <p class="muted">A booked bed is held for you for a limited time; the hospital admits you or releases it.</p>
      <ProblemAlert error={book.error} />
      {booking && (
        <Notice kind="success">
          <strong>Bed held.</strong> A {bedTypeLabel(booking.bedType)} bed is held for you until <strong>{formatDateTime(booking.expiresAt)}</strong>.{' '}
          <Link href="/bookings">See my bookings</Link>
        </Notice>
      )}
    </Card>
  );
}

function Reviews(props: { hospitalId: string }) {
  const { reviews, mine, save, saved, fields } = useMyReview(props.hospitalId);
  return (
    <Card title="Reviews">
      <ProblemAlert error={reviews.error} />
      {reviews.loading && !reviews.data && <Spinner label="Loading reviews…" />}
      {reviews.data && (
        <>
          <p>{reviews.data.rating.count > 0 ? `Average ${reviews.data.rating.average?.toFixed(1)} / 5 from ${reviews.data.rating.count} review(s).` : 'No reviews yet.'}</p>
          {reviews.data.items.map((r) => (
            <div class="review" key={r.id}>
              <strong>{r.rating} / 5</strong> <span class="muted">{formatDateTime(r.updatedAt)}</span> {r.mine && <span class="badge neutral">yours</span>}
              {/* Plain text, rendered as text (never markup). */}
              {r.comment && <p>{r.comment}</p>}
            </div>
          ))}
        </>
      )}
      {role.value === 'Patient' && reviews.data && (
        <ActionForm
          class="stack"
          onSubmit={() => void save.run()}
        >
          <h3>{mine ? 'Edit your review' : 'Write a review'}</h3>
          <p class="muted">Patients who had a bed booking or a fulfilled appointment here can review the hospital. Reviews are shown without your name.</p>
          {fields('', 'Plain text, up to 1000 characters.')}
          <ProblemAlert error={save.error} />
          {saved && <Notice kind="success">Your review was saved.</Notice>}
          <div>
            <Button type="submit" busy={save.busy} busyLabel="Saving…">
              Save review
            </Button>
          </div>
        </ActionForm>
      )}
    </Card>
  );
}
