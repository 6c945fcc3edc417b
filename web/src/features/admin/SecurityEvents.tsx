import { useState } from 'preact/hooks';
import { DataTable, Empty, Field, formatDateTime, Page, ProblemAlert, ShortId, Spinner } from '../../ui/components';
import { useAsync } from '../../ui/hooks';
import { SECURITY_EVENT_KINDS, securityEvents } from '../../sdk/admin';
import { words } from './labels';

export function SecurityEvents() {
  const [kind, setKind] = useState('');
  const [limit, setLimit] = useState(100);
  const events = useAsync((signal) => securityEvents(kind, limit, signal), [kind, limit]);
  return (
    <Page title="Security events">
      <div class="inline-form">
        <Field id="event-kind" label="Kind">
          <select id="event-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            <option value="">All kinds</option>
            {SECURITY_EVENT_KINDS.map((k) => (
              <option key={k} value={k}>
                {words(k)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="event-limit" label="Show">
          <select id="event-limit" value={String(limit)} onChange={(e) => setLimit(Number(e.currentTarget.value))}>
            {[50, 100, 500, 1000].map((n) => (
              <option key={n} value={n}>
                newest {n}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <ProblemAlert error={events.error} />
      {events.loading && !events.data && <Spinner label="Loading security events…" />}
      {events.data && events.data.length === 0 && <Empty>No security events{kind ? ` of kind ${words(kind)}` : ''}.</Empty>}
      {events.data && events.data.length > 0 && (
        <DataTable columns={['When', 'Kind', 'Actor', 'Subject', 'Detail', { label: 'Address', class: 'hide-narrow' }]} caption={<>{events.data.length} event{events.data.length === 1 ? '' : 's'}, newest first (ids only: the log holds no names or content)</>} class="card" busy={events.loading}>
          {events.data.map((e) => (
            <tr key={e.id}>
              <td>{formatDateTime(e.at)}</td>
              <td>{words(e.kind)}</td>
              <td>{e.actorId ? <ShortId id={e.actorId} /> : '—'}</td>
              <td>{e.subjectId ? <ShortId id={e.subjectId} /> : '—'}</td>
              <td>{e.detail ?? ''}</td>
              <td class="hide-narrow">{e.remoteAddress ?? ''}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </Page>
  );
}
