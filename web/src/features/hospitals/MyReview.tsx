import { useState } from 'preact/hooks';
import { getReviews, saveMyReview } from '../../sdk/hospitals';
import { Field } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';

/**
 * The patient's own review of a hospital, for the hospital page and the appointment list alike: one review per patient
 * and hospital (the server keeps it so), so the form starts from the saved one and saving edits it.
 */
export function useMyReview(hospitalId: string) {
  const reviews = useAsync((signal) => getReviews(hospitalId, signal), [hospitalId]);
  const mine = reviews.data?.items.find((r) => r.mine);
  const [rating, setRating] = useState<string>('');
  const [comment, setComment] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    setSaved(false);
    await saveMyReview(hospitalId, Number(rating || mine?.rating || 5), comment ?? mine?.comment ?? '');
    setSaved(true);
    reviews.reload();
  });
  /** The rating and comment fields; `idPrefix` keeps ids unique when several forms share a page. */
  const fields = (idPrefix: string, commentHint: string) => (
    <>
      <Field id={`${idPrefix}review-rating`} label="Rating">
        <select id={`${idPrefix}review-rating`} value={rating || String(mine?.rating ?? 5)} onChange={(e) => setRating(e.currentTarget.value)}>
          {[5, 4, 3, 2, 1].map((n) => (
            <option key={n} value={n}>
              {n} / 5
            </option>
          ))}
        </select>
      </Field>
      <Field id={`${idPrefix}review-comment`} label="Comment (optional)" hint={commentHint}>
        <textarea
          id={`${idPrefix}review-comment`}
          maxLength={1000}
          value={comment ?? mine?.comment ?? ''}
          onInput={(e) => setComment(e.currentTarget.value)}
          aria-describedby={`${idPrefix}review-comment-hint`}
        />
      </Field>
    </>
  );
  return { reviews, mine, save, saved, fields };
}
