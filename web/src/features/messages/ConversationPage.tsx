import { useEffect, useRef, useState } from 'preact/hooks';
import { Link, type RouteProps } from '../../app/router';
import { me } from '../../app/session';
import { attachment, conversation, markRead, messages, participantLabel, sendMessage, type OpenedMessage, type OutgoingAttachment } from '../../sdk/messages';
import { messagesLiveState, watchMessages } from '../../sdk/messagesHub';
import { ActionForm, Button, Empty, Field, formatDateTime, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import '../appointments/appointments.css';

/** One conversation: every message opened and checked here, attachments sealed per message, new messages live. */
export function ConversationPage(props: RouteProps) {
  const id = props.params.conversationId;
  const myId = me.value?.id;
  const conv = useAsync(() => conversation(id), [id]);
  const names = useAsync(async () => {
    const c = await conversation(id);
    const labels = await Promise.all(c.participants.map(participantLabel));
    return new Map(c.participants.map((p, i) => [p.userId, labels[i]]));
  }, [id]);
  const [items, setItems] = useState<OpenedMessage[]>([]);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);
  const lastSeq = useRef(0);
  const fetching = useRef<Promise<void> | null>(null);

  // Reads what came after the last message shown; one fetch at a time, so events arriving together are not shown twice.
  const catchUp = () => {
    fetching.current ??= messages(id, lastSeq.current)
      .then(async (fresh) => {
        const newer = fresh.filter((m) => m.seq > lastSeq.current);
        if (newer.length > 0) {
          lastSeq.current = newer[newer.length - 1].seq;
          setItems((old) => [...old, ...newer]);
          await markRead(id, lastSeq.current);
        }
        setLoaded(true);
      })
      .catch((e: unknown) => setLoadError(e))
      .finally(() => (fetching.current = null));
    return fetching.current;
  };

  useEffect(() => {
    lastSeq.current = 0;
    setItems([]);
    setLoaded(false);
    void catchUp();
    return watchMessages({
      onMessage: (e) => {
        if (e.conversationId === id) void catchUp();
      },
      onLive: () => void catchUp(),
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  const send = useAction(async () => {
    if (!text.trim() && files.length === 0) throw new Error('Write a message or attach a file.');
    const outgoing: OutgoingAttachment[] = await Promise.all(
      files.map(async (f) => ({ fileName: f.name, contentType: f.type || 'application/octet-stream', content: new Uint8Array(await f.arrayBuffer()) })),
    );
    await sendMessage(id, text.trim(), outgoing);
    setText('');
    setFiles([]);
    if (fileInput.current) fileInput.current.value = '';
    await catchUp();
  });

  return (
    <Page title={conv.data ? conv.data.subject : 'Conversation'} actions={<Link href="/messages">All conversations</Link>}>
      <p class="muted" role="status">
        {messagesLiveState.value === 'live' ? 'Live' : messagesLiveState.value}
        {names.data && ` · with ${[...names.data.entries()].filter(([u]) => u !== myId).map(([, n]) => n).join(', ')}`}
      </p>
      <ProblemAlert error={conv.error ?? loadError} />
      {!loaded && !loadError && <Spinner label="Opening messages…" />}
      {loaded && items.length === 0 && <Empty>No messages yet.</Empty>}
      <ol class="message-list" aria-label="Messages">
        {items.map((m) => (
          <li key={m.seq} class={m.senderId === myId ? 'card mine' : 'card'}>
            <p class="muted">
              {m.senderId === myId ? 'You' : (names.data?.get(m.senderId) ?? m.senderId.slice(0, 8))} · {formatDateTime(m.sentAt)}
            </p>
            <p class="message-text">{m.text}</p>
            {m.attachments.map((a, i) => (
              <AttachmentLink key={a.hash} message={m} index={i} />
            ))}
          </li>
        ))}
      </ol>
      <ActionForm class="stack card" aria-label="Write a message" onSubmit={() => void send.run()}>
        <Field id="message-text" label="Message">
          <textarea id="message-text" rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </Field>
        <Field id="message-files" label="Attach files" hint="Sealed on this device; the server stores only ciphertext.">
          <input id="message-files" ref={fileInput} type="file" multiple onChange={(e) => setFiles([...(e.currentTarget.files ?? [])])} aria-describedby="message-files-hint" />
        </Field>
        <ProblemAlert error={send.error} />
        <Button type="submit" busy={send.busy} busyLabel="Sealing and sending…">
          Send
        </Button>
      </ActionForm>
    </Page>
  );
}

function AttachmentLink(props: { message: OpenedMessage; index: number }) {
  const a = props.message.attachments[props.index];
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => () => void (url && URL.revokeObjectURL(url)), [url]);
  const open = useAction(async () => {
    const bytes = await attachment(props.message, props.index);
    setUrl(URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: a.contentType })));
  });
  return (
    <p class="row">
      {url ? (
        <a href={url} download={a.fileName} data-testid="attachment-download">
          Save {a.fileName}
        </a>
      ) : (
        <Button kind="secondary" busy={open.busy} busyLabel="Checking and decrypting…" onClick={() => void open.run()} aria-label={`Open attachment ${a.fileName}`}>
          {a.fileName} ({Math.max(1, Math.round(a.size / 1024))} KB)
        </Button>
      )}
      <ProblemAlert error={open.error} />
    </p>
  );
}
