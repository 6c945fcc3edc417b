import { useState } from 'preact/hooks';
import { myPharmacyKeyShare, publishPharmacyKey, sharePharmacyKeyWithWaiting, verifiedPharmacyKey } from '../../sdk/pharmacyKey';
import { Button, Card, Notice, ProblemAlert, Spinner, VerifiedMark } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';

/** The pharmacy's organization key: publish one if none (made here, sealed to each verified pharmacist); share it with colleagues who wait. */
export function PharmacyKeyCard(props: { pharmacyId: string; onChange?: () => void }) {
  const current = useAsync(() => verifiedPharmacyKey(props.pharmacyId), [props.pharmacyId]);
  const share = useAsync(() => (current.data ? myPharmacyKeyShare() : Promise.resolve(null)), [current.data]);
  const [done, setDone] = useState<string | null>(null);
  const publish = useAction(async () => {
    setDone(null);
    const key = await publishPharmacyKey();
    setDone(`Pharmacy key ${key.keyId.slice(0, 16)} published and anchored on the ledger.`);
    current.reload();
    props.onChange?.();
  });
  const shareNow = useAction(async () => {
    setDone(null);
    const shared = await sharePharmacyKeyWithWaiting();
    setDone(`Pharmacy key shared with ${shared.length} colleague${shared.length === 1 ? '' : 's'}.`);
    share.reload();
  });
  const waiting = share.data?.waitingPharmacists.length ?? 0;
  return (
    <Card title="Pharmacy key">
      <p class="muted">
        Patients seal their orders for this key. Its private key is made in a pharmacist's browser and sealed to each verified pharmacist's
        ledger-checked key; the server never sees it.
      </p>
      {current.loading && !current.data && <Spinner label="Checking the pharmacy key on the ledger…" />}
      <ProblemAlert error={current.error} />
      {!current.loading && !current.error && !current.data && <p>No pharmacy key is published yet: patients cannot order until one is.</p>}
      {current.data && (
        <p>
          Current key <code>{current.data.keyId.slice(0, 16)}</code> <VerifiedMark ok={true} label="anchored on the ledger" />
          {share.data && !share.data.sealed && ' · not yet shared with you: ask a colleague who holds it'}
        </p>
      )}
      <ProblemAlert error={publish.error} />
      <ProblemAlert error={shareNow.error} />
      <ProblemAlert error={share.error} />
      {done && <Notice kind="success">{done}</Notice>}
      {!current.loading && !current.data && !current.error && (
        <Button busy={publish.busy} busyLabel="Publishing…" onClick={() => void publish.run()}>Publish pharmacy key</Button>
      )}
      {waiting > 0 && share.data?.sealed && (
        <Button kind="secondary" busy={shareNow.busy} busyLabel="Sharing…" onClick={() => void shareNow.run()}>
          {`Share the key with ${waiting} waiting colleague${waiting === 1 ? '' : 's'}`}
        </Button>
      )}
    </Card>
  );
}
