import { useEffect } from 'preact/hooks';
import { Link } from '../../app/router';
import { conversations, participantLabel, type OpenedConversation } from '../../sdk/messages';
import { messagesLiveState, watchMessages } from '../../sdk/messagesHub';
import { me } from '../../app/session';
import { DataTable, Empty, formatDateTime, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAsync } from '../../ui/hooks';
import '../appointments/appointments.css';

/** The others in a conversation, named from their checked cards. */
function Others(props: { conversation: OpenedConversation }) {
  const myId = me.value?.id;
  const names = useAsync(() => Promise.all(props.conversation.participants.filter((p) => p.userId !== myId).map(participantLabel)), [props.conversation.id]);
  return <>{names.data ? names.data.join(', ') : '…'}</>;
}

/** Conversation list with unread counts, kept current by live events. */
export function Conversations() {
  const list = useAsync(() => conversations(), []);
  // New messages and read markers change unread counts: re-read the (small) list on each event.
  useEffect(() => watchMessages({ onMessage: () => list.reload(), onRead: () => list.reload(), onLive: () => list.reload() }), []);
  const live = messagesLiveState.value;
  return (
    <Page title="Messages" actions={<span class="muted" role="status">{live === 'live' ? 'live' : live}</span>}>
      <ProblemAlert error={list.error} />
      {list.loading && !list.data && <Spinner label="Opening your conversations…" />}
      {list.data && list.data.length === 0 && <Empty>No conversations yet. Start one with "Message" on an appointment.</Empty>}
      {list.data && list.data.length > 0 && (
        <DataTable columns={['Subject', 'With', 'Started', 'Unread']} label="Conversations" class="card">
          {list.data.map((c) => (
            <tr key={c.id}>
              <td>
                <Link href={`/messages/${c.id}`}>{c.subject}</Link>
              </td>
              <td>
                <Others conversation={c} />
              </td>
              <td>{formatDateTime(c.createdAt)}</td>
              <td>
                <span class={c.unread > 0 ? 'badge bad' : 'badge neutral'} data-testid="unread" aria-label={`${c.unread} unread`}>
                  {c.unread}
                </span>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </Page>
  );
}
