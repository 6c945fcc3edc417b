import { useState } from 'preact/hooks';
import { openRecord, type DecryptedRecord } from '../../sdk/records';
import { Button, DataTable, ProblemAlert } from '../../ui/components';
import { useAction } from '../../ui/hooks';

/**
 * A claim's (or application's) attached records, opened here on the reader's key: the insurer's staff read them once the patient
 * sealed them for the insurer (a consent grant per verified staff member) and the claim links them to this insurer. Text is
 * shown; anything else is offered as a download made in the page.
 */
export function ClaimDocuments(props: { recordIds: string[]; label?: string }) {
  const [opened, setOpened] = useState<Record<string, { record: DecryptedRecord; url: string }>>({});
  const open = useAction(async (recordId: string) => {
    const record = await openRecord(recordId);
    const url = URL.createObjectURL(new Blob([new Uint8Array(record.content)], { type: record.contentType }));
    setOpened((o) => ({ ...o, [recordId]: { record, url } }));
  });
  if (props.recordIds.length === 0) return <p>No documents attached.</p>;
  return (
    <>
      <ProblemAlert error={open.error} />
      <DataTable label={props.label ?? 'Claim documents'} columns={['Document', 'Type', 'Content', '']}>
        {props.recordIds.map((id) => {
          const o = opened[id];
          return (
            <tr key={id} data-document={id}>
              <th scope="row">{`Record ${id.slice(0, 8)}`}{o && ` v${o.record.version}`}</th>
              <td>{o ? `${o.record.category} · ${o.record.contentType}` : '—'}</td>
              <td data-testid={`claim-document-${id}`}>
                {o && (o.record.contentType.startsWith('text/')
                  ? <pre>{new TextDecoder().decode(o.record.content)}</pre>
                  : <a href={o.url} download={`${id}`}>{`Download (${o.record.content.length} bytes)`}</a>)}
              </td>
              <td>{!o && <Button kind="secondary" busy={open.busy} busyLabel="Opening…" aria-label={`Open document ${id.slice(0, 8)}`} onClick={() => void open.run(id)}>Open</Button>}</td>
            </tr>
          );
        })}
      </DataTable>
    </>
  );
}
