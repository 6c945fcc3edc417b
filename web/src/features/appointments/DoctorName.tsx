import { cardLine, identityCard } from '../../sdk/identity';
import { ShortId } from '../../ui/components';
import { useAsync } from '../../ui/hooks';

/** A doctor as their checked card names them ("Dr. … · Cardiology · Northside · verified"); the short id until it loads. */
export function DoctorName(props: { id: string }) {
  const card = useAsync(() => identityCard(props.id), [props.id]);
  if (!card.data) {
    return (
      <>
        Doctor <ShortId id={props.id} />
      </>
    );
  }
  return <>{cardLine(card.data)}</>;
}
