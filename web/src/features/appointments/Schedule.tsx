import { useState } from 'preact/hooks';
import { me } from '../../app/session';
import { schedules, setSchedule, WEEKDAYS, type DoctorSchedule, type VisitKind, type Weekday } from '../../sdk/appointments';
import { organizationMembers } from '../../sdk/organizations';
import { ActionForm, Button, Card, DataTable, Empty, Field, formatDateTime, Notice, Page, ProblemAlert, ShortId, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { DoctorName } from './DoctorName';
import './appointments.css';

const SLOT_LENGTHS = [10, 15, 20, 30, 45, 60];

/** Doctors: their own schedule. Hospital staff: every schedule of the hospital, and any of its doctors' to set. */
export function Schedule() {
  const user = me.value;
  const list = useAsync(() => schedules(), []);
  const isStaff = user?.role === 'HospitalStaff';
  const [doctorId, setDoctorId] = useState<string>(isStaff ? '' : (user?.id ?? ''));
  const doctors = useAsync(
    () => (isStaff && user?.organizationId ? organizationMembers(user.organizationId).then((m) => m.filter((x) => x.role === 'Doctor')) : Promise.resolve([])),
    [isStaff, user?.organizationId],
  );
  const current = (list.data ?? []).find((s) => s.doctorId === doctorId);
  return (
    <Page title={isStaff ? 'Schedules' : 'My schedule'}>
      <ProblemAlert error={list.error ?? doctors.error} />
      {list.loading && !list.data && <Spinner label="Loading schedules…" />}
      {isStaff && list.data && (
        list.data.length === 0 ? (
          <Empty>No doctor of your hospital has a schedule yet.</Empty>
        ) : (
          <DataTable columns={['Doctor', 'Slot', 'Visit', 'Days', 'Updated']} label="Schedules of the hospital" class="card">
            {list.data.map((s) => (
              <tr key={s.id}>
                <td>
                  <DoctorName id={s.doctorId} />
                </td>
                <td>{s.slotMinutes} min</td>
                <td>{s.visitKind === 'Remote' ? 'Remote' : 'In person'}</td>
                <td>{s.hours.map((h) => h.day.slice(0, 3)).join(', ')}</td>
                <td>{formatDateTime(s.updatedAt)}</td>
              </tr>
            ))}
          </DataTable>
        )
      )}
      {isStaff && (
        <Field id="schedule-doctor" label="Doctor to schedule">
          <select id="schedule-doctor" value={doctorId} onChange={(e) => setDoctorId(e.currentTarget.value)}>
            <option value="">Choose a doctor…</option>
            {(doctors.data ?? []).map((d) => (
              <option key={d.userId} value={d.userId}>
                {d.licenseNumber ? `Licence ${d.licenseNumber}` : 'Doctor'} ({d.userId.slice(0, 8)})
              </option>
            ))}
          </select>
        </Field>
      )}
      {list.data && doctorId && <ScheduleForm key={`${doctorId}-${current?.updatedAt ?? ''}`} doctorId={doctorId} current={current} onSaved={() => list.reload()} />}
    </Page>
  );
}

interface DayRow {
  on: boolean;
  start: string;
  end: string;
}

function hhmm(t: string): string {
  return t.slice(0, 5);
}

function ScheduleForm(props: { doctorId: string; current: DoctorSchedule | undefined; onSaved: () => void }) {
  const c = props.current;
  const [timeZone, setTimeZone] = useState(c?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
  const [slotMinutes, setSlotMinutes] = useState(c?.slotMinutes ?? 15);
  const [visitKind, setVisitKind] = useState<VisitKind>(c?.visitKind ?? 'InPerson');
  const [days, setDays] = useState<Record<Weekday, DayRow>>(() => {
    const r = {} as Record<Weekday, DayRow>;
    for (const d of WEEKDAYS) {
      const h = c?.hours.find((x) => x.day === d);
      r[d] = h ? { on: true, start: hhmm(h.start), end: hhmm(h.end) } : { on: !c && d !== 'Saturday' && d !== 'Sunday', start: '09:00', end: '17:00' };
    }
    return r;
  });
  const [leave, setLeave] = useState((c?.leaveDays ?? []).join(', '));
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    setSaved(false);
    await setSchedule({
      doctorId: props.doctorId, timeZone, slotMinutes, visitKind,
      hours: WEEKDAYS.filter((d) => days[d].on).map((d) => ({ day: d, start: `${days[d].start}:00`, end: `${days[d].end}:00` })),
      breaks: c?.breaks ?? [],
      leaveDays: leave.split(/[\s,]+/).filter(Boolean),
    });
    setSaved(true);
    props.onSaved();
  });
  const setDay = (d: Weekday, patch: Partial<DayRow>) => setDays({ ...days, [d]: { ...days[d], ...patch } });
  return (
    <Card title={<>Schedule of <DoctorName id={props.doctorId} /> {c && <ShortId id={c.id} />}</>}>
      <ActionForm class="stack" aria-label="Schedule" onSubmit={() => void save.run()}>
        <Field id="schedule-zone" label="Time zone">
          <input id="schedule-zone" value={timeZone} onInput={(e) => setTimeZone(e.currentTarget.value)} />
        </Field>
        <Field id="schedule-slot" label="Slot length">
          <select id="schedule-slot" value={String(slotMinutes)} onChange={(e) => setSlotMinutes(Number(e.currentTarget.value))}>
            {SLOT_LENGTHS.map((m) => (
              <option key={m} value={String(m)}>
                {m} minutes
              </option>
            ))}
          </select>
        </Field>
        <Field id="schedule-visit" label="Visit kind">
          <select id="schedule-visit" value={visitKind} onChange={(e) => setVisitKind(e.currentTarget.value as VisitKind)}>
            <option value="InPerson">In person</option>
            <option value="Remote">Remote</option>
          </select>
        </Field>
        <fieldset>
          <legend>Working hours</legend>
          {WEEKDAYS.map((d) => (
            <div class="row" key={d}>
              <label>
                <input type="checkbox" checked={days[d].on} onChange={(e) => setDay(d, { on: e.currentTarget.checked })} /> {d}
              </label>
              <input type="time" aria-label={`${d} from`} value={days[d].start} disabled={!days[d].on} onInput={(e) => setDay(d, { start: e.currentTarget.value })} />
              <input type="time" aria-label={`${d} until`} value={days[d].end} disabled={!days[d].on} onInput={(e) => setDay(d, { end: e.currentTarget.value })} />
            </div>
          ))}
        </fieldset>
        <Field id="schedule-leave" label="Leave days" hint="Dates as 2026-12-24, separated by commas.">
          <input id="schedule-leave" value={leave} onInput={(e) => setLeave(e.currentTarget.value)} aria-describedby="schedule-leave-hint" />
        </Field>
        <ProblemAlert error={save.error} />
        {saved && <Notice kind="success">Schedule saved.</Notice>}
        <Button type="submit" busy={save.busy} busyLabel="Saving…">
          Save schedule
        </Button>
      </ActionForm>
    </Card>
  );
}
