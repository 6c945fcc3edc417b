import type { CheckedPrescription } from '../../sdk/dispensing';
import { DataTable, Empty, Notice, VerifiedMark, formatDateTime } from '../../ui/components';

/** Every fill of a prescription at any pharmacy, each with its receipt check; a fill that does not verify is a warning, never hidden. */
export function FillsTable(props: { rx: CheckedPrescription; label: string; pharmacies: Map<string, string> }) {
  const { rx } = props;
  if (rx.fills.length === 0) return <Empty>No fill yet.</Empty>;
  return (
    <>
      <DataTable label={props.label} columns={[{ label: 'Fill', class: 'num' }, 'Pharmacy', 'Date', { label: 'Quantity', class: 'num' }, 'Ledger receipt']}>
        {rx.fills.map((f) => (
          <tr key={f.transactionId}>
            <td class="num">{f.fillNumber}</td>
            <td>{props.pharmacies.get(f.pharmacyId) ?? `unknown pharmacy ${f.pharmacyId.slice(0, 8)}`}</td>
            <td>{formatDateTime(f.dispensedAt)}</td>
            <td class="num">{f.quantity}</td>
            <td><VerifiedMark ok={f.problem === null} label={f.problem === null ? 'receipt verified' : 'receipt NOT verified'} title={f.problem ?? undefined} /></td>
          </tr>
        ))}
      </DataTable>
      {rx.fills.filter((f) => f.problem).map((f) => (
        <Notice key={f.transactionId} kind="warning">{`Warning: fill ${f.fillNumber} does not verify against the ledger (${f.problem}). It is not counted.`}</Notice>
      ))}
    </>
  );
}
