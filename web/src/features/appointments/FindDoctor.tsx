import { useState } from 'preact/hooks';
import { Link } from '../../app/router';
import { bookAppointment, findDoctors, freeSlots, type Appointment, type DoctorListing, type FreeSlot } from '../../sdk/appointments';
import { grantForAppointment } from '../../sdk/consent';
import { listRecords } from '../../sdk/records';
import { ActionForm, Button, Card, Empty, Field, formatDateTime, Notice, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';

function doctorText(d: DoctorListing): string {
  return [d.displayName?.trim() || `Doctor ${d.doctorId.slice(0, 8)}`, d.specialty, d.hospitalName].filter(Boolean).join(' · ');
}

/** Patient: find a doctor by specialty or name, see their free slots, book one with a reason sealed for the doctor. */
export function FindDoctor() {
  const [specialty, setSpecialty] = useState('');
  const [name, setName] = useState('');
  const [query, setQuery] = useState<{ specialty: string; name: string }>({ specialty: '', name: '' });
  const [chosen, setChosen] = useState<DoctorListing | null>(null);
  const [booked, setBooked] = useState<Appointment | null>(null);
  const doctors = useAsync(() => findDoctors(query), [query.specialty, query.name]);
  return (
    <Page title="Find a doctor">
      <ActionForm class="card row" aria-label="Search doctors" onSubmit={() => setQuery({ specialty, name })}>
        <Field id="doctor-specialty" label="Specialty">
          <input id="doctor-specialty" value={specialty} onInput={(e) => setSpecialty(e.currentTarget.value)} />
        </Field>
        <Field id="doctor-name" label="Name">
          <input id="doctor-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Button type="submit">Search</Button>
      </ActionForm>
      {booked && (
        <Notice kind="success">
          Booked for {formatDateTime(booked.start)}. <Link href="/appointments">My appointments</Link>
        </Notice>
      )}
      <ProblemAlert error={doctors.error} />
      {doctors.loading && !doctors.data && <Spinner label="Finding doctors…" />}
      {doctors.data && doctors.data.length === 0 && <Empty>No doctor with a schedule matches.</Empty>}
      {doctors.data && doctors.data.length > 0 && (
        <ul class="plain-list" aria-label="Doctors">
          {doctors.data.map((d) => (
            <li key={`${d.doctorId}-${d.hospitalId}`} class="card">
              <strong>{doctorText(d)}</strong>
              <p class="muted">{d.nextSlots.length > 0 ? `Next free: ${formatDateTime(d.nextSlots[0].start)}` : 'No free slot soon'}</p>
              <Button kind="secondary" onClick={() => { setChosen(d); setBooked(null); }} aria-label={`Free slots of ${doctorText(d)}`}>
                Free slots
              </Button>
            </li>
          ))}
        </ul>
      )}
      {chosen && <SlotPicker key={chosen.doctorId} doctor={chosen} onBooked={(a) => { setBooked(a); setChosen(null); }} />}
    </Page>
  );
}

function SlotPicker(props: { doctor: DoctorListing; onBooked: (a: Appointment) => void }) {
  const d = props.doctor;
  const [reason, setReason] = useState('');
  const [share, setShare] = useState<string[]>([]);
  const records = useAsync(() => listRecords(), []);
  const slots = useAsync(() => {
    const from = new Date();
    return freeSlots(d.doctorId, from, new Date(from.getTime() + 14 * 86_400_000));
  }, [d.doctorId]);
  const book = useAction(async (slot: FreeSlot) => {
    if (!reason.trim()) throw new Error('Say briefly why you want to see the doctor (only the doctor and you can read it).');
    const appointment = await bookAppointment(slot, reason.trim());
    // The chosen records are shared with this doctor for this visit only (until two hours after it ends).
    if (share.length > 0) await grantForAppointment(appointment, 'Records', share);
    props.onBooked(appointment);
  });
  const toggle = (id: string, on: boolean) => setShare((cur) => (on ? [...cur, id] : cur.filter((x) => x !== id)));
  const mine = (slots.data ?? []).filter((s) => s.hospitalId === d.hospitalId);
  return (
    <Card title={`Free slots · ${doctorText(d)}`}>
      <Field id="appointment-reason" label="Reason for the visit" hint="Sealed on this device for the doctor and you; the server and the ledger see only its hash.">
        <textarea id="appointment-reason" rows={2} value={reason} onInput={(e) => setReason(e.currentTarget.value)} aria-describedby="appointment-reason-hint" />
      </Field>
      {records.data && records.data.length > 0 && (
        <fieldset aria-label="Share records with the doctor for this visit">
          <legend>Share records with the doctor for this visit</legend>
          <p class="muted">Only for this appointment: the doctor can read them until two hours after it ends, and not at all if it is cancelled.</p>
          {records.data.map((r) => (
            <label key={r.recordId} class="row">
              <input type="checkbox" checked={share.includes(r.recordId)} onChange={(e) => toggle(r.recordId, e.currentTarget.checked)}
                aria-label={`Share ${r.category} ${r.recordId.slice(0, 8)}`} />
              {r.category} · {formatDateTime(r.createdAtMs)}
            </label>
          ))}
        </fieldset>
      )}
      <ProblemAlert error={slots.error ?? records.error ?? book.error} />
      {slots.loading && <Spinner label="Loading free slots…" />}
      {slots.data && mine.length === 0 && <Empty>No free slot in the next two weeks.</Empty>}
      <ul class="row plain-list" aria-label="Free slots">
        {mine.map((s) => (
          <li key={s.start}>
            <Button kind="secondary" busy={book.busy} busyLabel="Booking…" onClick={() => void book.run(s)} aria-label={`Book ${s.localStart} (${s.visitKind === 'Remote' ? 'remote' : 'in person'})`}>
              {formatDateTime(s.start)}
            </Button>
          </li>
        ))}
      </ul>
    </Card>
  );
}
