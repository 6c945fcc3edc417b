import { useState } from 'preact/hooks';
import { ActionForm, Button, Empty, Field, formatDateTime, Page, ProblemAlert, ShortId, Spinner, VerifiedMark } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { breakGlassEvents, REVIEW_OUTCOMES, reviewBreakGlass, type BreakGlassEvent } from '../../sdk/admin';
import { organizations } from '../../sdk/organizations';
import { verifiedReason } from '../../sdk/breakGlass';

const outcomeLabels: Record<string, string> = { justified: 'Justified', unjustified: 'Unjustified', 'needs-follow-up': 'Needs follow-up' };

export function BreakGlass() {
  const [onlyUnreviewed, setOnlyUnreviewed] = useState(true);
  const events = useAsync((signal) => breakGlassEvents(onlyUnreviewed, signal), [onlyUnreviewed]);
  const orgs = useAsync((signal) => organizations(undefined, signal), []);
  const hospitalName = (id: string) => orgs.data?.find((o) => o.id === id)?.name;
  return (
    <Page title="Break-glass">
      <p class="muted">Every emergency access to a patient's summary without consent is listed here for review. The patient was notified when it happened.</p>
      <label class="checkbox">
        <input type="checkbox" checked={onlyUnreviewed} onChange={(e) => setOnlyUnreviewed(e.currentTarget.checked)} />
        Only events not reviewed yet
      </label>
      <ProblemAlert error={events.error} />
      {events.loading && !events.data && <Spinner label="Loading break-glass events…" />}
      {events.data && events.data.length === 0 && <Empty>{onlyUnreviewed ? 'No break-glass event is waiting for review.' : 'No break-glass events.'}</Empty>}
      {events.data?.map((e) => (
        <EventCard key={e.id} event={e} hospital={hospitalName(e.hospitalId)} onReviewed={events.reload} />
      ))}
    </Page>
  );
}

function EventCard(props: { event: BreakGlassEvent; hospital?: string; onReviewed: () => void }) {
  const e = props.event;
  const [outcome, setOutcome] = useState<string>(REVIEW_OUTCOMES[0]);
  const review = useAction(async () => {
    await reviewBreakGlass(e.id, outcome);
    props.onReviewed();
  });
  // The ledger holds only a salted commitment to the reason; this checks the served reason opens it.
  const reasonOnLedger = useAsync((signal) => verifiedReason(e, signal), [e.id, e.reason]);
  const id = `outcome-${e.id}`;
  return (
    <article class="card" aria-label={`Break-glass event ${e.id.slice(0, 8)}`}>
      <dl class="facts">
        <dt>When</dt>
        <dd>{formatDateTime(e.at)}</dd>
        <dt>Hospital</dt>
        <dd>{props.hospital ?? <ShortId id={e.hospitalId} />}</dd>
        <dt>Doctor</dt>
        <dd>
          <ShortId id={e.doctorId} />
        </dd>
        <dt>Patient</dt>
        <dd>
          <ShortId id={e.patientId} />
        </dd>
        <dt>Stated reason</dt>
        <dd>
          {e.reason}{' '}
          <VerifiedMark ok={reasonOnLedger.data ?? null} label={reasonOnLedger.data === undefined ? undefined : reasonOnLedger.data ? 'matches the ledger commitment' : 'does NOT match the ledger'} />
        </dd>
        <dt>Ledger transaction</dt>
        <dd>
          <ShortId id={e.transactionId} />
        </dd>
        <dt>Review</dt>
        <dd>{e.reviewedAt ? `${outcomeLabels[e.reviewOutcome ?? ''] ?? e.reviewOutcome} (${formatDateTime(e.reviewedAt)})` : <span class="badge bad">not reviewed</span>}</dd>
      </dl>
      {!e.reviewedAt && (
        <ActionForm
          class="inline-form"
          onSubmit={() => void review.run()}
        >
          {/* The review endpoint records an outcome only (no free-text note). */}
          <Field id={id} label="Outcome">
            <select id={id} value={outcome} onChange={(ev) => setOutcome(ev.currentTarget.value)}>
              {REVIEW_OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {outcomeLabels[o]}
                </option>
              ))}
            </select>
          </Field>
          <Button type="submit" busy={review.busy} busyLabel="Recording…">
            Record review
          </Button>
        </ActionForm>
      )}
      <ProblemAlert error={review.error} />
    </article>
  );
}
