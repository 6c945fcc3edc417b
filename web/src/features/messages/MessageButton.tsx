import { navigate } from '../../app/router';
import { conversationWith } from '../../sdk/messages';
import { Button, ProblemAlert } from '../../ui/components';
import { useAction } from '../../ui/hooks';

/** "Message" where a patient sees their doctor or a doctor their patient: opens the conversation, starting it if needed. */
export function MessageButton(props: { otherId: string; subject: string; appointmentId?: string | null; label: string }) {
  const open = useAction(async () => {
    const c = await conversationWith(props.otherId, props.subject, props.appointmentId ?? null);
    navigate(`/messages/${c.id}`);
  });
  return (
    <>
      <Button kind="secondary" busy={open.busy} busyLabel="Opening…" onClick={() => void open.run()} aria-label={props.label}>
        Message
      </Button>
      <ProblemAlert error={open.error} />
    </>
  );
}
