import { useEffect, useState } from 'preact/hooks';
import { Link } from '../../app/router';
import { watchHospital } from '../../sdk/bedsHub';
import { BUILT_IN_BED_TYPES, bedTypeLabel, searchHospitals, type HospitalSearchPage, type SearchQuery } from '../../sdk/hospitals';
import { ActionForm, Button, Empty, Field, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAsync } from '../../ui/hooks';
import { FreeBedChips, LiveBadge } from './live';
import { organizationCard } from '../../sdk/organizations';
import { VerifiedBadge } from './VerifiedBadge';

// The demo city (the demo world's hospitals are around it).
const DEFAULT_LATITUDE = 52.52;
const DEFAULT_LONGITUDE = 13.405;
const PAGE_SIZE = 10;

interface FormState {
  latitude: string;
  longitude: string;
  radiusKm: string;
  service: string;
  bedType: string;
}

function toQuery(f: FormState): { query?: SearchQuery; errors: Partial<Record<keyof FormState, string>> } {
  const errors: Partial<Record<keyof FormState, string>> = {};
  const latitude = Number(f.latitude);
  const longitude = Number(f.longitude);
  const radiusKm = Number(f.radiusKm);
  if (f.latitude.trim() === '' || !Number.isFinite(latitude) || latitude < -90 || latitude > 90) errors.latitude = 'Enter a latitude between -90 and 90.';
  if (f.longitude.trim() === '' || !Number.isFinite(longitude) || longitude < -180 || longitude > 180) errors.longitude = 'Enter a longitude between -180 and 180.';
  if (f.radiusKm.trim() === '' || !Number.isFinite(radiusKm) || radiusKm <= 0) errors.radiusKm = 'Enter a radius above 0 km.';
  if (Object.keys(errors).length) return { errors };
  return { query: { latitude, longitude, radiusKm, service: f.service, bedType: f.bedType || undefined, pageSize: PAGE_SIZE }, errors };
}

export function HospitalSearch() {
  const [form, setForm] = useState<FormState>({ latitude: String(DEFAULT_LATITUDE), longitude: String(DEFAULT_LONGITUDE), radiusKm: '25', service: '', bedType: '' });
  const [errors, setErrors] = useState<Partial<Record<keyof FormState, string>>>({});
  const [query, setQuery] = useState<SearchQuery>(toQuery(form).query!);
  const [page, setPage] = useState(1);
  const [locating, setLocating] = useState(false);
  const [locationMessage, setLocationMessage] = useState<string | null>(null);
  const results = useAsync((signal) => searchHospitals({ ...query, page }, signal), [query, page]);

  const set = (k: keyof FormState) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });

  const submit = () => {
    const { query: q, errors: errs } = toQuery(form);
    setErrors(errs);
    if (!q) return;
    setPage(1);
    setQuery(q);
  };

  const useMyLocation = () => {
    setLocationMessage(null);
    if (!('geolocation' in navigator)) {
      setLocationMessage('This browser cannot share its location; enter latitude and longitude instead.');
      return;
    }
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setLocating(false);
        const next = { ...form, latitude: pos.coords.latitude.toFixed(5), longitude: pos.coords.longitude.toFixed(5) };
        setForm(next);
        const { query: q } = toQuery(next);
        if (q) {
          setPage(1);
          setQuery(q);
        }
        setLocationMessage('Searching near your location.');
      },
      (err) => {
        setLocating(false);
        setLocationMessage(
          err.code === err.PERMISSION_DENIED
            ? 'Location access was refused. Enter a latitude and longitude instead (or allow location for this site).'
            : 'Your location could not be found. Enter a latitude and longitude instead.',
        );
      },
      { timeout: 15_000, maximumAge: 60_000 },
    );
  };

  return (
    <Page title="Hospitals" actions={<LiveBadge />}>
      <ActionForm class="card search-form" onSubmit={submit} aria-label="Search hospitals" noValidate>
        <Field id="h-lat" label="Latitude" error={errors.latitude}>
          <input id="h-lat" inputMode="decimal" value={form.latitude} onInput={set('latitude')} aria-invalid={!!errors.latitude} aria-describedby={errors.latitude ? 'h-lat-error' : undefined} />
        </Field>
        <Field id="h-lon" label="Longitude" error={errors.longitude}>
          <input id="h-lon" inputMode="decimal" value={form.longitude} onInput={set('longitude')} aria-invalid={!!errors.longitude} aria-describedby={errors.longitude ? 'h-lon-error' : undefined} />
        </Field>
        <Field id="h-radius" label="Radius (km)" error={errors.radiusKm}>
          <input id="h-radius" type="number" min={1} max={200} step="any" value={form.radiusKm} onInput={set('radiusKm')} aria-invalid={!!errors.radiusKm} />
        </Field>
        <Field id="h-service" label="Service" hint="e.g. dialysis">
          <input id="h-service" value={form.service} onInput={set('service')} aria-describedby="h-service-hint" />
        </Field>
        <Field id="h-bedtype" label="Free bed type">
          <select id="h-bedtype" value={form.bedType} onChange={set('bedType')}>
            <option value="">Any</option>
            {BUILT_IN_BED_TYPES.map((t) => (
              <option key={t} value={t}>
                {bedTypeLabel(t)}
              </option>
            ))}
          </select>
        </Field>
        <div class="actions">
          <Button type="submit">Search</Button>
          <Button kind="secondary" onClick={useMyLocation} busy={locating} busyLabel="Finding you…">
            Use my location
          </Button>
        </div>
      </ActionForm>
      {locationMessage && (
        <div class={`alert ${locationMessage.startsWith('Searching') ? 'info' : 'warning'}`} role="status">
          {locationMessage}
        </div>
      )}
      <ProblemAlert error={results.error} />
      {results.loading && !results.data && <Spinner label="Searching hospitals…" />}
      {results.data && <Results page={results.data} loading={results.loading} onPage={setPage} />}
    </Page>
  );
}

function Results(props: { page: HospitalSearchPage; loading: boolean; onPage: (p: number) => void }) {
  const { page } = props;
  // Free beds by hospital, replaced by every pushed snapshot of a listed hospital.
  const [live, setLive] = useState<Record<string, Record<string, number>>>({});
  const ids = page.items.map((h) => h.hospitalId).join(',');
  useEffect(() => {
    setLive({});
    const stops = page.items.map((h) =>
      watchHospital(h.hospitalId, (s) => setLive((old) => ({ ...old, [s.hospitalId]: Object.fromEntries(s.byType.map((t) => [t.bedType, t.free])) }))),
    );
    return () => stops.forEach((stop) => stop());
  }, [ids]);

  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  if (page.items.length === 0) return <Empty>No verified hospital matches within this radius. Try a larger radius or fewer filters.</Empty>;
  return (
    <section aria-label="Search results" aria-busy={props.loading}>
      <p class="muted" role="status">
        {page.total} hospital{page.total === 1 ? '' : 's'} found, nearest first.
      </p>
      {page.items.map((h) => (
        <article class="card hit" key={h.hospitalId} aria-labelledby={`hit-${h.hospitalId}`}>
          <div class="row" style="justify-content:space-between">
            <h2 id={`hit-${h.hospitalId}`}>
              <Link href={`/hospitals/${h.hospitalId}`}>{h.name}</Link>
            </h2>
            <span class="distance">{h.distanceKm.toFixed(1)} km</span>
          </div>
          <div class="muted">{h.address}</div>
          <VerifiedBadge card={organizationCard(h)} />
          {h.rating.count > 0 && (
            <div class="muted">
              Rated {h.rating.average?.toFixed(1)} / 5 ({h.rating.count} review{h.rating.count === 1 ? '' : 's'})
            </div>
          )}
          <FreeBedChips free={live[h.hospitalId] ?? h.freeBeds} label={`Free beds at ${h.name}`} />
        </article>
      ))}
      <nav class="pager" aria-label="Result pages">
        <Button kind="secondary" disabled={page.page <= 1} onClick={() => props.onPage(page.page - 1)}>
          Previous page
        </Button>
        <span>
          Page {page.page} of {pages}
        </span>
        <Button kind="secondary" disabled={page.page >= pages} onClick={() => props.onPage(page.page + 1)}>
          Next page
        </Button>
      </nav>
    </section>
  );
}
