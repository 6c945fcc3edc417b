import { useState } from 'preact/hooks';
import { Link } from '../../app/router';
import { Button, Notice, ProblemAlert, Spinner } from '../../ui/components';
import { useMyReview } from '../hospitals/MyReview';

/**
 * Patient, on a fulfilled appointment: review its hospital. One review per patient and hospital (the server keeps
 * it so), so the form opens with the patient's review there if any and saving edits it.
 */
export function ReviewHospital(props: { appointmentId: string; hospitalId: string; label: string }) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <Button kind="secondary" onClick={() => setOpen(true)} aria-label={props.label}>
        Review this hospital
      </Button>
    );
  }
  return <ReviewForm {...props} onBack={() => setOpen(false)} />;
}

function ReviewForm(props: { appointmentId: string; hospitalId: string; label: string; onBack: () => void }) {
  const { reviews, mine, save, saved, fields } = useMyReview(props.hospitalId);
  if (!reviews.data) return reviews.error ? <ProblemAlert error={reviews.error} /> : <Spinner label="Loading your review…" />;
  return (
    <form
      class="stack"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      {fields(`${props.appointmentId}-`, 'Plain text, up to 1000 characters; shown without your name.')}
      <div class="row">
        <Button type="submit" busy={save.busy} busyLabel="Saving…">
          {mine ? 'Save changes' : 'Save review'}
        </Button>
        <Button kind="secondary" onClick={props.onBack} disabled={save.busy}>
          Back
        </Button>
      </div>
      <ProblemAlert error={save.error} />
      {saved && (
        <Notice kind="success">
          Your review was saved. <Link href={`/hospitals/${props.hospitalId}`}>See it on the hospital's page</Link>
        </Notice>
      )}
    </form>
  );
}
