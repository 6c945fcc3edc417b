import { useState } from 'preact/hooks';
import { closeConsultation, openConsultationAdvice, type Appointment } from '../../sdk/appointments';
import { Button, Field, formatDateTime, ProblemAlert, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';

/** Doctor: close a visit with its outcome and advice, both sealed on this device as records the patient can prove. */
export function CloseWithAdvice(props: { appointment: Appointment; label: string; onClosed: (a: Appointment) => void }) {
  const a = props.appointment;
  const [open, setOpen] = useState(false);
  const [outcome, setOutcome] = useState('');
  const [advice, setAdvice] = useState('');
  const [followUp, setFollowUp] = useState('');
  const close = useAction(async () => props.onClosed(await closeConsultation(a.id, outcome, advice, followUp || undefined)));
  if (!open) {
    return (
      <Button kind="secondary" onClick={() => setOpen(true)} aria-label={props.label}>
        Close with advice
      </Button>
    );
  }
  return (
    <form
      class="close-advice stack"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        void close.run();
      }}
    >
      <Field id={`outcome-${a.id}`} label="Outcome (visit note)">
        <textarea id={`outcome-${a.id}`} rows={2} required value={outcome} onInput={(e) => setOutcome(e.currentTarget.value)} />
      </Field>
      <Field id={`advice-${a.id}`} label="Advice for the patient" hint="Sealed for the patient and you; the ledger holds only its hash.">
        <textarea id={`advice-${a.id}`} rows={3} required value={advice} onInput={(e) => setAdvice(e.currentTarget.value)} aria-describedby={`advice-${a.id}-hint`} />
      </Field>
      <Field id={`follow-up-${a.id}`} label="Follow-up visit (optional)">
        <input id={`follow-up-${a.id}`} type="date" value={followUp} onInput={(e) => setFollowUp(e.currentTarget.value)} />
      </Field>
      <div class="row">
        <Button type="submit" busy={close.busy} busyLabel="Sealing and signing…">
          Close consultation
        </Button>
        <Button kind="secondary" onClick={() => setOpen(false)} disabled={close.busy}>
          Back
        </Button>
      </div>
      <ProblemAlert error={close.error} />
    </form>
  );
}

/** Patient (and the doctor): the advice opened here and checked against the ledger, with the entry that proves it. */
export function AdviceView(props: { appointmentId: string }) {
  const advice = useAsync(() => openConsultationAdvice(props.appointmentId), [props.appointmentId]);
  if (advice.error) return <ProblemAlert error={advice.error} />;
  if (!advice.data) return <Spinner label="Opening and verifying the advice…" />;
  const d = advice.data;
  return (
    <section class="advice card" aria-label="Advice">
      <h3>Advice</h3>
      <p>
        <strong>Outcome:</strong> {d.outcome}
      </p>
      <ul>
        {d.advice.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ul>
      <p class="muted">
        <span class="badge ok">verified</span> signed by the doctor on {formatDateTime(d.closedAt)}; ledger block {d.closeReceipt.blockHeight}, transaction{' '}
        <code>{d.closeReceipt.transactionId.slice(0, 16)}…</code>
      </p>
    </section>
  );
}

/** Patient row action: shows the advice below the appointment when asked. */
export function AdviceButton(props: { appointment: Appointment; label: string }) {
  const [shown, setShown] = useState(false);
  return (
    <>
      <Button kind="secondary" onClick={() => setShown(!shown)} aria-expanded={shown} aria-label={props.label}>
        Advice
      </Button>
      {shown && <AdviceView appointmentId={props.appointment.id} />}
    </>
  );
}
