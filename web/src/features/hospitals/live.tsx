import { DataTable } from '../../ui/components';
import { useEffect, useState } from 'preact/hooks';
import { liveState, watchHospital } from '../../sdk/bedsHub';
import { bedTypeLabel, type BedSnapshot, type BedTypeBeds, type BookingStatus } from '../../sdk/hospitals';
import './hospitals.css';

/** Whether the live connection is up; announced politely so screen reader users hear a drop. */
export function LiveBadge() {
  const state = liveState.value;
  const [cls, text] =
    state === 'live' ? ['on', 'Live'] : state === 'reconnecting' || state === 'connecting' ? ['wait', state === 'connecting' ? 'Connecting…' : 'Reconnecting…'] : ['off', 'Not live'];
  return (
    <span class={`live ${cls}`} role="status" aria-live="polite" title="Bed counts update by themselves while this says Live">
      {text}
    </span>
  );
}

/** The hospital's bed snapshot: the loaded one first, then every pushed one. */
export function useLiveBeds(hospitalId: string | null | undefined, initial: BedSnapshot | undefined): BedSnapshot | undefined {
  const [beds, setBeds] = useState<BedSnapshot | undefined>(initial);
  useEffect(() => setBeds(initial), [initial]);
  useEffect(() => {
    if (!hospitalId) return;
    return watchHospital(hospitalId, (s) => setBeds((old) => (!old || old.hospitalId !== s.hospitalId || Date.parse(s.asOf) >= Date.parse(old.asOf) ? s : old)));
  }, [hospitalId]);
  return beds;
}

/** Free beds per type as compact chips (search results). */
export function FreeBedChips(props: { free: Record<string, number>; label: string }) {
  const entries = Object.entries(props.free);
  if (entries.length === 0)
    return (
      <ul class="beds-chips" aria-label={props.label}>
        <li class="none">No beds listed</li>
      </ul>
    );
  return (
    <ul class="beds-chips" aria-label={props.label}>
      {entries.map(([type, free]) => (
        <li key={type}>
          {bedTypeLabel(type)}: <strong>{free}</strong> free
        </li>
      ))}
    </ul>
  );
}

/** The total / occupied / held / free cells of one row of a bed table. */
export function BedCountCells(props: { counts: { total: number; occupied: number; held: number; free: number }; strongFree?: boolean }) {
  const { total, occupied, held, free } = props.counts;
  return (
    <>
      <td class="num">{total}</td>
      <td class="num">{occupied}</td>
      <td class="num">{held}</td>
      <td class="num">{props.strongFree ? <strong>{free}</strong> : free}</td>
    </>
  );
}

/** Totals by bed type as a table (total, occupied, held, free). */
export function BedsByTypeTable(props: { rows: BedTypeBeds[]; caption: string }) {
  if (props.rows.length === 0) return <p class="empty">No beds are listed yet.</p>;
  return (
    <DataTable columns={['Bed type', { label: 'Total', class: 'num' }, { label: 'Occupied', class: 'num' }, { label: 'Held', class: 'num' }, { label: 'Free', class: 'num' }]} caption={props.caption}>
      {props.rows.map((r) => (
        <tr key={r.bedType}>
          <th scope="row">{bedTypeLabel(r.bedType)}</th>
          <BedCountCells counts={r} strongFree />
        </tr>
      ))}
    </DataTable>
  );
}

export function BookingStatusBadge(props: { status: BookingStatus }) {
  const kind = props.status === 'Held' || props.status === 'Admitted' ? 'ok' : props.status === 'Failed' ? 'bad' : 'neutral';
  return <span class={`badge ${kind}`}>{props.status}</span>;
}
