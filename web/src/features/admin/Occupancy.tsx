import { useEffect, useState } from 'preact/hooks';
import { watchOverview } from '../../sdk/bedsHub';
import { adminOverview, bedTypeLabel, type AdminBedOverview, type BedTypeBeds, type HospitalOccupancy } from '../../sdk/hospitals';
import { DataTable, Card, Empty, formatDate, formatDateTime, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAsync } from '../../ui/hooks';
import { BedCountCells, BedsByTypeTable, LiveBadge } from '../hospitals/live';
import { OccupancyChart } from './OccupancyChart';

/** Totals by bed type recomputed from the hospital rows (a pushed row changes them). */
function totalsOf(hospitals: HospitalOccupancy[]): BedTypeBeds[] {
  const m = new Map<string, BedTypeBeds>();
  for (const t of hospitals.flatMap((h) => h.byType)) {
    const a = m.get(t.bedType) ?? { bedType: t.bedType, total: 0, occupied: 0, held: 0, free: 0 };
    m.set(t.bedType, { bedType: t.bedType, total: a.total + t.total, occupied: a.occupied + t.occupied, held: a.held + t.held, free: a.free + t.free });
  }
  return [...m.values()].sort((a, b) => a.bedType.localeCompare(b.bedType));
}

export function Occupancy() {
  const loaded = useAsync((signal) => adminOverview(signal), []);
  const [overview, setOverview] = useState<AdminBedOverview | undefined>();
  useEffect(() => setOverview(loaded.data), [loaded.data]);
  useEffect(
    () =>
      watchOverview(
        (o) => setOverview(o),
        (row) =>
          setOverview((old) => {
            if (!old) return old;
            const others = old.hospitals.filter((h) => h.hospitalId !== row.hospitalId);
            const hospitals = [...others, row].sort((a, b) => a.name.localeCompare(b.name) || a.hospitalId.localeCompare(b.hospitalId));
            return { ...old, hospitals, totals: totalsOf(hospitals), asOf: new Date().toISOString() };
          }),
      ),
    [],
  );

  return (
    <Page title="Occupancy" actions={<LiveBadge />}>
      <ProblemAlert error={loaded.error} />
      {loaded.loading && !overview && <Spinner label="Loading occupancy…" />}
      {overview && (
        <>
          <Card title="Beds by hospital">
            {overview.hospitals.length === 0 ? <Empty>No hospital lists any beds yet.</Empty> : <OccupancyChart hospitals={overview.hospitals} />}
            <p class="muted">Updated {formatDateTime(overview.asOf)}</p>
          </Card>
          {overview.hospitals.length > 0 && (
            <Card title="Numbers">
              <OccupancyTable hospitals={overview.hospitals} />
            </Card>
          )}
          <Card title="All hospitals">
            <BedsByTypeTable rows={overview.totals} caption="Totals by bed type" />
          </Card>
          <Card title="Bookings per day">
            <BookingsPerDay rows={overview.bookingsPerDay} />
          </Card>
        </>
      )}
    </Page>
  );
}

function OccupancyTable(props: { hospitals: HospitalOccupancy[] }) {
  return (
    <DataTable columns={['Hospital', 'Bed type', { label: 'Total', class: 'num' }, { label: 'Occupied', class: 'num' }, { label: 'Held', class: 'num' }, { label: 'Free', class: 'num' }]} label="Occupancy by hospital and bed type">
      {props.hospitals.flatMap((h) =>
        h.byType.map((t) => (
          <tr key={h.hospitalId + t.bedType}>
            <th scope="row">{h.name}</th>
            <td>{bedTypeLabel(t.bedType)}</td>
            <BedCountCells counts={t} />
          </tr>
        )),
      )}
    </DataTable>
  );
}

function BookingsPerDay(props: { rows: { day: string; count: number }[] }) {
  const max = Math.max(1, ...props.rows.map((r) => r.count));
  const w = 24;
  const h = 80;
  return (
    <figure class="chart" style="margin:0">
      <svg style="max-width:480px" viewBox={`0 0 ${props.rows.length * w} ${h + 4}`} role="img" aria-label={`Bookings per day over the last ${props.rows.length} days; ${props.rows.reduce((s, r) => s + r.count, 0)} in total`}>
        {props.rows.map((r, i) => {
          const bh = (r.count / max) * h;
          return (
            <rect key={r.day} x={i * w + 3} y={h - bh + 2} width={w - 6} height={Math.max(bh, 1)} fill="#0b5cad">
              <title>{`${formatDate(r.day)}: ${r.count}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption class="muted">
        {props.rows.length > 0 && `${formatDate(props.rows[0].day)} – ${formatDate(props.rows[props.rows.length - 1].day)}`}
      </figcaption>
    </figure>
  );
}
