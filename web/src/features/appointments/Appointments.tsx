import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Link } from '../../app/router';
import { me } from '../../app/session';
import { appointments, cancelAppointment, openReason, setAppointmentStatus, type Appointment } from '../../sdk/appointments';
import { appointmentsLiveState, watchAppointments } from '../../sdk/appointmentsHub';
import { DataTable, Button, Empty, Field, formatDateTime, formatTime, Page, ProblemAlert, ShortId, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { PatientName, useSharedProfiles } from '../shared/PatientName';
import { MessageButton } from '../messages/MessageButton';
import { DoctorName } from './DoctorName';
import { AdviceButton, CloseWithAdvice } from './ConsultationAdvice';
import { ReviewHospital } from './ReviewHospital';
import './appointments.css';

/** Patients: their appointments. Doctors: the day view. Hospital staff: the hospital's appointment list. */
export function Appointments() {
  const role = me.value?.role;
  if (role === 'Doctor') return <DoctorDay />;
  if (role === 'HospitalStaff') return <HospitalAppointments />;
  return <MyAppointments />;
}

/** The reason sealed for the signed-in patient or doctor, opened on this device. */
function Reason(props: { appointment: Appointment }) {
  const reason = useAsync(() => openReason(props.appointment), [props.appointment.id]);
  if (reason.error) return <span class="badge bad">reason does not open: {reason.error instanceof Error ? reason.error.message : 'error'}</span>;
  return <>{reason.data ?? '…'}</>;
}

function replace(list: Appointment[], a: Appointment): Appointment[] {
  return list.map((x) => (x.id === a.id ? a : x));
}

/** Re-reads the list whenever one of the caller's appointments changes (and once watching, for what came before). */
function useLiveAppointments(reload: () => void): void {
  useEffect(() => watchAppointments({ onAppointment: reload, onLive: reload }), []);
}

function LiveBadge() {
  const live = appointmentsLiveState.value;
  return (
    <span class="muted" data-testid="appointments-live">
      {live === 'live' ? 'Live' : live}
    </span>
  );
}

function MyAppointments() {
  const list = useAsync(() => appointments(), []);
  useLiveAppointments(list.reload);
  return (
    <Page
      title="My appointments"
      actions={
        <>
          <LiveBadge /> <Link href="/appointments/find">Find a doctor</Link>
        </>
      }
    >
      <ProblemAlert error={list.error} />
      {list.loading && !list.data && <Spinner label="Loading your appointments…" />}
      {list.data && list.data.length === 0 && (
        <Empty>
          You have no appointments. <Link href="/appointments/find">Find a doctor</Link>
        </Empty>
      )}
      {list.data && list.data.length > 0 && (
        <DataTable columns={['When', 'Doctor', 'Reason', 'Status', 'Actions']} label="My appointments" class="card">
          {list.data.map((a) => (
            <PatientRow key={a.id} appointment={a} onChanged={(n) => list.setData(replace(list.data!, n))} />
          ))}
        </DataTable>
      )}
    </Page>
  );
}

function PatientRow(props: { appointment: Appointment; onChanged: (a: Appointment) => void }) {
  const a = props.appointment;
  const cancel = useAction(async () => props.onChanged(await cancelAppointment(a.id, true)));
  const when = formatDateTime(a.start);
  return (
    <tr>
      <td>{when}</td>
      <td>
        <DoctorName id={a.doctorId} />
      </td>
      <td>
        <Reason appointment={a} />
      </td>
      <td>{a.status}</td>
      <td class="row">
        {a.status === 'Booked' && (
          <Button kind="danger" busy={cancel.busy} busyLabel="Cancelling…" onClick={() => void cancel.run()} aria-label={`Cancel the appointment on ${when}`}>
            Cancel
          </Button>
        )}
        {a.status === 'Fulfilled' && a.carePlanRecordId && <AdviceButton appointment={a} label={`Advice from the appointment on ${when}`} />}
        {a.status === 'Fulfilled' && <ReviewHospital appointmentId={a.id} hospitalId={a.hospitalId} label={`Review this hospital (appointment on ${when})`} />}
        {a.status !== 'Cancelled' && <MessageButton otherId={a.doctorId} appointmentId={a.id} subject={`Appointment on ${when}`} label={`Message the doctor about the appointment on ${when}`} />}
        <ProblemAlert error={cancel.error} />
      </td>
    </tr>
  );
}

function localDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function DoctorDay() {
  const [day, setDay] = useState(localDay(new Date()));
  const profiles = useSharedProfiles();
  const list = useAsync(() => {
    const from = new Date(`${day}T00:00:00`);
    return appointments(from, new Date(from.getTime() + 86_400_000));
  }, [day]);
  useLiveAppointments(list.reload);
  const rows = (list.data ?? []).slice().sort((x, y) => Date.parse(x.start) - Date.parse(y.start));
  return (
    <Page
      title="Day view"
      actions={
        <>
          <LiveBadge />{' '}
          <Button kind="secondary" onClick={() => list.reload()}>
            Refresh
          </Button>
        </>
      }
    >
      <Field id="day-view-date" label="Day">
        <input id="day-view-date" type="date" value={day} onInput={(e) => e.currentTarget.value && setDay(e.currentTarget.value)} />
      </Field>
      <ProblemAlert error={list.error} />
      {list.loading && !list.data && <Spinner label="Loading the day…" />}
      {list.data && rows.length === 0 && <Empty>No appointments on this day.</Empty>}
      {rows.length > 0 && (
        <DataTable columns={['Time', 'Patient', 'Reason', 'Visit', 'Status', 'Actions']} label="Appointments of the day" class="card">
          {rows.map((a) => (
            <DoctorRow key={a.id} appointment={a} patient={<PatientName id={a.patientId} profiles={profiles.data} />} onChanged={(n) => list.setData(replace(list.data!, n))} />
          ))}
        </DataTable>
      )}
    </Page>
  );
}

function DoctorRow(props: { appointment: Appointment; patient: ComponentChildren; onChanged: (a: Appointment) => void }) {
  const a = props.appointment;
  const time = formatTime(a.start);
  const status = useAction(async (s: 'Arrived' | 'InProgress' | 'Fulfilled' | 'NoShow') => props.onChanged(await setAppointmentStatus(a.id, s)));
  const cancel = useAction(async () => props.onChanged(await cancelAppointment(a.id, false)));
  const open = a.status !== 'Cancelled' && a.status !== 'Fulfilled' && a.status !== 'NoShow';
  return (
    <tr>
      <td>{time}</td>
      <td>{props.patient}</td>
      <td>
        <Reason appointment={a} />
      </td>
      <td>{a.visitKind === 'Remote' ? 'Remote' : 'In person'}</td>
      <td>{a.status}</td>
      <td class="row">
        {a.status === 'Booked' && (
          <Button kind="secondary" busy={status.busy} onClick={() => void status.run('Arrived')} aria-label={`Mark the ${time} patient arrived`}>
            Arrived
          </Button>
        )}
        {a.status === 'Arrived' && (
          <Button kind="secondary" busy={status.busy} onClick={() => void status.run('InProgress')} aria-label={`Mark the ${time} visit in progress`}>
            In progress
          </Button>
        )}
        {/* The contract moves arrived → in progress → fulfilled (never arrived → fulfilled directly). */}
        {a.status === 'InProgress' && (
          <Button kind="secondary" busy={status.busy} onClick={() => void status.run('Fulfilled')} aria-label={`Mark the ${time} visit fulfilled`}>
            Fulfilled
          </Button>
        )}
        {a.status === 'Booked' && (
          <Button kind="danger" busy={cancel.busy} busyLabel="Cancelling…" onClick={() => void cancel.run()} aria-label={`Cancel the ${time} appointment`}>
            Cancel
          </Button>
        )}
        {open && <CloseWithAdvice appointment={a} label={`Close the ${time} consultation with advice`} onClosed={props.onChanged} />}
        {a.status === 'Fulfilled' && a.carePlanRecordId && <AdviceButton appointment={a} label={`Advice given at ${time}`} />}
        {open && <MessageButton otherId={a.patientId} appointmentId={a.id} subject={`Appointment on ${formatDateTime(a.start)}`} label={`Message the ${time} patient`} />}
        <ProblemAlert error={status.error ?? cancel.error} />
      </td>
    </tr>
  );
}

function HospitalAppointments() {
  const profiles = useSharedProfiles();
  const list = useAsync(() => appointments(), []);
  useLiveAppointments(list.reload);
  const rows = (list.data ?? []).slice().sort((x, y) => Date.parse(x.start) - Date.parse(y.start));
  return (
    <Page
      title="Hospital appointments"
      actions={
        <>
          <LiveBadge /> <Link href="/appointments/schedule">Schedules</Link>
        </>
      }
    >
      <ProblemAlert error={list.error} />
      {list.loading && !list.data && <Spinner label="Loading appointments…" />}
      {list.data && rows.length === 0 && <Empty>No appointments at your hospital.</Empty>}
      {rows.length > 0 && (
        <DataTable columns={['When', 'Doctor', 'Patient', 'Visit', 'Status']} label="Hospital appointments" class="card">
          {rows.map((a) => (
            <tr key={a.id}>
              <td>{formatDateTime(a.start)}</td>
              <td>
                <DoctorName id={a.doctorId} />
              </td>
              <td>
                <PatientName id={a.patientId} profiles={profiles.data} />
              </td>
              <td>{a.visitKind === 'Remote' ? 'Remote' : 'In person'}</td>
              <td>
                {a.status} {a.cancelledBy && <span class="muted">(by <ShortId id={a.cancelledBy} />)</span>}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </Page>
  );
}
