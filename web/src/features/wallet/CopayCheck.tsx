import { checkCopay, outcomeInWords } from '../../sdk/copay';
import { formatMoney, type Payable } from '../../sdk/wallet';
import { Notice, ProblemAlert, Spinner } from '../../ui/components';
import { useAsync } from '../../ui/hooks';

/**
 * Patient: what a co-pay payable is for, checked in this page against the claim's verified file receipt and the benefit terms on
 * the policy's verified issue receipt (docs/insurance.md "The patient's check of the co-pay"): "co-pay after insurance 4.00 of
 * 20.00", or the full price with the reason the claim was not eligible. A co-pay that does not check out is a warning (Pay refuses it).
 */
export function CopayCheck(props: { payable: Payable }) {
  const { payable } = props;
  const check = useAsync((signal) => checkCopay(payable.referenceId, signal), [payable.referenceId]);
  const c = check.data;
  const money = (minor: number) => formatMoney(minor, payable.currency);
  return (
    <div data-testid={`copay-check-${payable.id}`}>
      <ProblemAlert error={check.error} />
      {check.loading && !c && <Spinner label="Checking the co-pay against the ledger…" />}
      {c && c.problems.length === 0 && payable.amount === c.owedMinor && (c.notEligibleReason === null ? (
        <Notice kind="success">{`Co-pay after insurance: ${money(c.owedMinor)} of ${money(c.priceMinor)} (your insurer pays ${money(c.shareMinor)}); checked against the ledger.`}</Notice>
      ) : (
        <Notice kind="warning">{`Not covered by your insurance: you owe the full price ${money(c.owedMinor)} of ${money(c.priceMinor)}, because ${outcomeInWords(c.notEligibleReason)}.`}</Notice>
      ))}
      {c && (c.problems.length > 0 || payable.amount !== c.owedMinor) && (
        <div class="alert error" role="alert">
          <strong>This co-pay does not check out: </strong>
          {c.problems.length > 0 ? c.problems.join(' ') : `it asks ${money(payable.amount)}; the claim on the ledger leaves ${money(c.owedMinor)} owed.`}
        </div>
      )}
    </div>
  );
}
