import type { ClaimView } from '../../sdk/claims';
import { formatMoney } from '../../sdk/wallet';
import { DataTable, formatDate } from '../../ui/components';

/** How a line's category shows: its name from a card that opens here, otherwise the start of its tag (the ledger's only name for it). */
export const categoryName = (categories: Map<string, string> | undefined, tag: string) => categories?.get(tag) ?? `tag ${tag.slice(0, 8)}`;

/** "approved 40.00 EUR", "rejected (not-covered)": a line's decision as the insurer made it. */
export function decisionText(approvedMinor: number, decision: string | null, reason: string | null, currency: string): string {
  if (!decision) return 'not decided';
  return `${decision.replace(/-/g, ' ')}${approvedMinor > 0 ? ` ${formatMoney(approvedMinor, currency)}` : ''}${reason ? ` (${reason})` : ''}`;
}

/** A claim's lines: category, amount, day of care, the ledger's automatic outcome and payable, and the decision. */
export function ClaimLines(props: { claim: ClaimView; categories?: Map<string, string> }) {
  const c = props.claim;
  return (
    <DataTable label={`Lines of claim ${c.id.slice(0, 8)}`} columns={['Line', 'Category', 'Amount', 'Service date', 'Automatic outcome', 'Payable', 'Decision']}>
      {c.lines.map((l) => (
        <tr key={l.line} data-testid={`claim-line-${c.id}-${l.line}`}>
          <th scope="row">{l.line}</th>
          <td>{categoryName(props.categories, l.tag)}</td>
          <td>{formatMoney(l.amountMinor, c.currency)}</td>
          <td>{formatDate(l.serviceDate)}</td>
          <td data-testid={`claim-line-outcome-${c.id}-${l.line}`}>{l.outcome ?? 'pending'}</td>
          <td>{formatMoney(l.payableMinor, c.currency)}</td>
          <td data-testid={`claim-line-decision-${c.id}-${l.line}`}>{decisionText(l.approvedMinor, l.decision, l.reason, c.currency)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

/** "paid 70.00 EUR", "approved 70.00 EUR, not paid yet". */
export function claimMoneyText(c: ClaimView): string {
  if (c.paidMinor > 0) return `paid ${formatMoney(c.paidMinor, c.currency)}`;
  if (c.approvedMinor > 0) return `approved ${formatMoney(c.approvedMinor, c.currency)}, not paid yet`;
  return 'nothing paid';
}
