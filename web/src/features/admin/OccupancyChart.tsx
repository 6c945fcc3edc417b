import type { HospitalOccupancy } from '../../sdk/hospitals';
import { bedTypeLabel } from '../../sdk/hospitals';

const COLORS = { occupied: '#b3261e', held: '#c98a00', free: '#1d7a36' };
const ROW = 34;
const LABEL_WIDTH = 340;
const BAR_WIDTH = 420;
const WIDTH = LABEL_WIDTH + BAR_WIDTH + 150;

/**
 * Occupied / held / free beds per hospital and bed type as stacked horizontal bars, drawn as inline SVG
 * (no chart library: the CSP allows only bundled code). Bars share one scale, so lengths compare totals.
 * The same numbers are in the table next to it, which is what assistive technology reads.
 */
export function OccupancyChart(props: { hospitals: HospitalOccupancy[] }) {
  const rows = props.hospitals.flatMap((h) => h.byType.map((t) => ({ key: `${h.hospitalId}-${t.bedType}`, hospital: h.name, ...t })));
  const max = Math.max(1, ...rows.map((r) => r.total));
  const scale = (n: number) => (n / max) * BAR_WIDTH;
  const height = rows.length * ROW + 10;
  return (
    <figure class="chart" style="margin:0">
      <ul class="legend" aria-hidden="true">
        <li>
          <span class="swatch" style={`background:${COLORS.occupied}`} />
          Occupied
        </li>
        <li>
          <span class="swatch" style={`background:${COLORS.held}`} />
          Held by bookings
        </li>
        <li>
          <span class="swatch" style={`background:${COLORS.free}`} />
          Free
        </li>
      </ul>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label="Bed occupancy by hospital and bed type; the table below lists the same numbers" data-testid="occupancy-chart">
        {rows.map((r, i) => {
          const y = i * ROW + 5;
          const occ = scale(r.occupied);
          const held = scale(r.held);
          const free = scale(r.free);
          return (
            <g key={r.key} data-row={`${r.hospital} ${r.bedType}`}>
              <text x={LABEL_WIDTH - 8} y={y + 17} text-anchor="end" font-size="13" fill="#1b2430">
                {truncate(r.hospital, 30)} · {bedTypeLabel(r.bedType)}
              </text>
              <rect x={LABEL_WIDTH} y={y} width={BAR_WIDTH} height={24} fill="#eef1f4" />
              <rect x={LABEL_WIDTH} y={y} width={occ} height={24} fill={COLORS.occupied}>
                <title>{`${r.occupied} occupied`}</title>
              </rect>
              <rect x={LABEL_WIDTH + occ} y={y} width={held} height={24} fill={COLORS.held}>
                <title>{`${r.held} held`}</title>
              </rect>
              <rect x={LABEL_WIDTH + occ + held} y={y} width={free} height={24} fill={COLORS.free}>
                <title>{`${r.free} free`}</title>
              </rect>
              <text x={LABEL_WIDTH + BAR_WIDTH + 8} y={y + 17} font-size="13" fill="#1b2430">
                {`${r.free} free / ${r.total}`}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
