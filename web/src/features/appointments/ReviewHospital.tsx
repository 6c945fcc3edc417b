import { useState } from 'preact/hooks';
import { Link } from '../../app/router';
import { getReviews, saveMyReview } from '../../sdk/hospitals';
import { Button, Field, Notice, ProblemAlert, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';

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
  const reviews = useAsync((signal) => getReviews(props.hospitalId, signal), [props.hospitalId]);
  const mine = reviews.data?.items.find((r) => r.mine);
  const [rating, setRating] = useState<string>('');
  const [comment, setComment] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    setSaved(false);
    await saveMyReview(props.hospitalId, Number(rating || mine?.rating || 5), comment ?? mine?.comment ?? '');
    setSaved(true);
  });
  const id = (name: string) => `${name}-${props.appointmentId}`;
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
      <Field id={id('review-rating')} label="Rating">
        <select id={id('review-rating')} value={rating || String(mine?.rating ?? 5)} onChange={(e) => setRating(e.currentTarget.value)}>
          {[5, 4, 3, 2, 1].map((n) => (
            <option key={n} value={n}>
              {n} / 5
            </option>
          ))}
        </select>
      </Field>
      <Field id={id('review-comment')} label="Comment (optional)" hint="Plain text, up to 1000 characters; shown without your name.">
        <textarea id={id('review-comment')} maxLength={1000} value={comment ?? mine?.comment ?? ''} onInput={(e) => setComment(e.currentTarget.value)} aria-describedby={`${id('review-comment')}-hint`} />
      </Field>
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
