import { useRef, useState } from 'preact/hooks';
import {
  formatMoney, myPayables, parseMoney, topUp, walletBalances, walletHistory,
} from '../../sdk/wallet';
import { pharmacyNames } from '../dispensing/names';
import { ActionForm, Button, Card, DataTable, Empty, Field, Notice, Page, ProblemAlert, Spinner, VerifiedMark, formatDateTime } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { usePayPayable } from './usePayPayable';
import { CopayCheck } from './CopayCheck';

const CURRENCIES = ['EUR', 'USD', 'GBP'];

/** Patient: balances, top-ups, open payables with Pay (payee checked, payment signed here) and the history with receipts checked. */
export function WalletPage() {
  const balances = useAsync((signal) => walletBalances(signal), []);
  const payables = useAsync((signal) => myPayables(signal), []);
  const history = useAsync((signal) => walletHistory(signal), []);
  const names = useAsync((signal) => pharmacyNames(signal), []);
  const reloadAll = () => (balances.reload(), payables.reload(), history.reload());
  const payee = (id: string) => names.data?.get(id) ?? `organization ${id.slice(0, 8)}`;

  const [paid, setPaid] = useState<string | null>(null);
  const pay = usePayPayable((p) => {
    setPaid(`Paid ${formatMoney(p.amount, p.currency)} to ${payee(p.payeeOrganizationId)}; the ledger receipt verifies.`);
    reloadAll();
  }, () => setPaid(null));

  const open = (payables.data ?? []).filter((p) => !p.paymentId && !p.closedAt);
  // Settled outside the wallet (an insurer marked the premium paid): shown so the patient knows why it left the list.
  const closed = (payables.data ?? []).filter((p) => !p.paymentId && p.closedAt);
  return (
    <Page title="Wallet">
      <Card title="Balance">
        <ProblemAlert error={balances.error} />
        {balances.loading && !balances.data && <Spinner label="Loading balance…" />}
        {balances.data && (balances.data.length === 0 ? <Empty>Your wallet is empty. Top it up below.</Empty> : (
          <DataTable label="Balances" columns={['Currency', { label: 'Balance', class: 'num' }]}>
            {balances.data.map((b) => <tr key={b.currency}><th scope="row">{b.currency}</th><td class="num">{formatMoney(b.balance, b.currency)}</td></tr>)}
          </DataTable>
        ))}
      </Card>
      <TopUpCard onDone={reloadAll} />
      <Card title="Open payables">
        <ProblemAlert error={payables.error} />
        <ProblemAlert error={pay.error} />
        {paid && <Notice kind="success">{paid}</Notice>}
        {payables.data && (open.length === 0 ? <Empty>Nothing to pay.</Empty> : (
          <DataTable label="Open payables" columns={['Payee', 'For', { label: 'Amount', class: 'num' }, 'Since', '']}>
            {open.map((p) => (
              <tr key={p.id}>
                <th scope="row">{payee(p.payeeOrganizationId)}</th>
                {/* A dispense paid with insurance: the pharmacy's claim left this co-pay (docs/insurance.md "Pharmacy co-pay flow"). */}
                <td>{p.referenceKind === 'copay' ? 'co-pay (insurance claim)' : p.referenceKind}</td>
                <td class="num">{formatMoney(p.amount, p.currency)}</td>
                <td>{formatDateTime(p.createdAt)}</td>
                <td>
                  <Button busy={pay.busy} busyLabel="Checking the payee and paying…" aria-label={`Pay ${formatMoney(p.amount, p.currency)} to ${payee(p.payeeOrganizationId)}`}
                    onClick={() => void pay.run(p.id)}>Pay</Button>
                </td>
              </tr>
            ))}
          </DataTable>
        ))}
        {open.filter((p) => p.referenceKind === 'copay').map((p) => <CopayCheck key={p.id} payable={p} />)}
        {closed.length > 0 && (
          <DataTable label="Settled outside the wallet" columns={['Payee', 'For', { label: 'Amount', class: 'num' }, 'Closed', 'Why']}>
            {closed.map((p) => (
              <tr key={p.id}>
                <th scope="row">{payee(p.payeeOrganizationId)}</th>
                <td>{p.referenceKind}</td>
                <td class="num">{formatMoney(p.amount, p.currency)}</td>
                <td>{formatDateTime(p.closedAt!)}</td>
                <td>{p.closedReason === 'paid-elsewhere' ? 'paid outside the wallet (marked paid by the payee)' : p.closedReason ?? 'closed'}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
      <Card title="History">
        <ProblemAlert error={history.error} />
        {history.loading && !history.data && <Spinner label="Loading and verifying history…" />}
        {history.data && (
          <>
            <h3>Payments</h3>
            {history.data.payments.length === 0 ? <Empty>No payments yet.</Empty> : (
              <DataTable label="Payments" columns={['Date', 'Payee', { label: 'Amount', class: 'num' }, 'Status', { label: 'Refunded', class: 'num' }, 'Ledger receipt']}>
                {history.data.payments.map((p) => (
                  <tr key={p.id}>
                    <td>{formatDateTime(p.createdAt)}</td>
                    <td>{payee(p.payeeOrganizationId)}</td>
                    <td class="num">{formatMoney(p.amount, p.currency)}</td>
                    <td>{p.refunded > 0 ? (p.refunded >= p.amount ? 'refunded' : 'partly refunded') : p.status}</td>
                    <td class="num">{p.refunded > 0 ? formatMoney(p.refunded, p.currency) : '—'}</td>
                    <td>{p.status === 'paid' || p.refunds.length > 0 ? <VerifiedMark ok={p.problem === null} label={p.problem === null ? 'receipt verified' : 'receipt NOT verified'} title={p.problem ?? undefined} /> : '—'}</td>
                  </tr>
                ))}
              </DataTable>
            )}
            {history.data.payments.filter((p) => p.problem).map((p) => (
              <Notice key={p.id} kind="warning">{`Warning: payment ${p.id.slice(0, 8)} does not verify against the ledger (${p.problem}).`}</Notice>
            ))}
            <h3>Top-ups</h3>
            {history.data.topUps.length === 0 ? <Empty>No top-ups yet.</Empty> : (
              <DataTable label="Top-ups" columns={['Date', { label: 'Amount', class: 'num' }, 'Reference']}>
                {history.data.topUps.map((t) => (
                  <tr key={t.id}><td>{formatDateTime(t.at)}</td><td class="num">{formatMoney(t.amount, t.currency)}</td><td>{t.externalReference}</td></tr>
                ))}
              </DataTable>
            )}
          </>
        )}
      </Card>
    </Page>
  );
}

function TopUpCard(props: { onDone: () => void }) {
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState('EUR');
  const [reference, setReference] = useState('');
  const [errors, setErrors] = useState<{ amount?: string; reference?: string }>({});
  const [done, setDone] = useState<string | null>(null);
  // One Idempotency-Key per attempt: kept while the same top-up is retried (a lost answer), new once it succeeds or the form changes.
  const attempt = useRef<{ key: string; what: string } | null>(null);
  const save = useAction(async () => {
    setDone(null);
    const minor = parseMoney(amount);
    const errs: { amount?: string; reference?: string } = {};
    if (minor === null || minor < 1) errs.amount = 'Enter an amount such as 20.00.';
    if (!reference.trim()) errs.reference = 'Enter the reference of your card or bank payment.';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const what = `${minor}|${currency}|${reference.trim()}`;
    if (attempt.current?.what !== what) attempt.current = { key: crypto.randomUUID(), what };
    const t = await topUp(minor!, currency, reference.trim(), attempt.current.key);
    attempt.current = null;
    setDone(`Added ${formatMoney(t.amount, t.currency)}; balance ${formatMoney(t.balance, t.currency)}.`);
    setAmount('');
    setReference('');
    props.onDone();
  });
  return (
    <Card title="Top up">
      <ActionForm class="stack" noValidate onSubmit={() => void save.run()}>
        <div class="row">
          <Field id="topup-amount" label="Amount" error={errors.amount}>
            <input id="topup-amount" inputMode="decimal" value={amount} onInput={(e) => setAmount((e.currentTarget as HTMLInputElement).value)} aria-invalid={!!errors.amount} />
          </Field>
          <Field id="topup-currency" label="Currency">
            <select id="topup-currency" value={currency} onChange={(e) => setCurrency((e.currentTarget as HTMLSelectElement).value)}>
              {CURRENCIES.map((c) => <option key={c} value={c}>{c}</option>)}
            </select>
          </Field>
        </div>
        <Field id="topup-reference" label="Payment reference" hint="The reference of the card or bank payment (card details never reach MedLedger)." error={errors.reference}>
          <input id="topup-reference" value={reference} maxLength={100} onInput={(e) => setReference((e.currentTarget as HTMLInputElement).value)} aria-invalid={!!errors.reference} />
        </Field>
        <ProblemAlert error={save.error} />
        {done && <Notice kind="success">{done}</Notice>}
        <Button type="submit" busy={save.busy} busyLabel="Topping up…">Top up</Button>
      </ActionForm>
    </Card>
  );
}
