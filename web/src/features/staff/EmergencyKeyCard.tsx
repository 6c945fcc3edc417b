import { useState } from 'preact/hooks';
import { publishHospitalEmergencyKey, verifiedHospitalEmergencyKey, type PublishedEmergencyKey } from '../../sdk/hospitalEmergencyKey';
import { Button, Card, Notice, Progress, ProblemAlert, Spinner, VerifiedMark } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';

/** Publish or rotate the hospital emergency key: made here, sealed to each verified doctor, anchored on the ledger. */
export function EmergencyKeyCard(props: { hospitalId: string; verifiedDoctors: number }) {
  const current = useAsync(() => verifiedHospitalEmergencyKey(props.hospitalId), [props.hospitalId]);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [published, setPublished] = useState<PublishedEmergencyKey | null>(null);
  const publish = useAction(async () => {
    setPublished(null);
    const result = await publishHospitalEmergencyKey((done, total) => setProgress({ done, total }));
    setPublished(result);
    current.reload();
  });
  const exists = !!current.data;
  return (
    <Card title="Hospital emergency key">
      <p class="muted">
        Doctors of your hospital use this key to open a patient's emergency summary in a break-glass event. Its private key is made in this browser, sealed to each
        verified doctor's ledger-checked key and then forgotten; the server never sees it.
      </p>
      {current.loading && !current.data && <Spinner label="Checking the current key on the ledger…" />}
      {current.error != null && <ProblemAlert error={current.error} />}
      {!current.loading && !current.error && !exists && <p>No emergency key is published yet.</p>}
      {current.data && (
        <p>
          Current key <code>{current.data.keyId.slice(0, 16)}</code> <VerifiedMark ok={true} label="anchored on the ledger" />
        </p>
      )}
      {exists && <p class="muted">Rotating makes a new key: doctors get the new key, and patients must make their emergency summary available to the hospital again.</p>}
      {publish.busy && <Progress label="Sealing the key to each doctor" value={progress && progress.total ? progress.done / progress.total : undefined} />}
      <ProblemAlert error={publish.error} />
      {published && (
        <Notice kind="success">
          Emergency key <code>{published.key.keyId.slice(0, 16)}</code> published and sealed to {published.doctors} doctor{published.doctors === 1 ? '' : 's'}.
        </Notice>
      )}
      <Button kind={exists ? 'secondary' : 'primary'} busy={publish.busy} busyLabel="Publishing…" onClick={() => void publish.run()} disabled={props.verifiedDoctors === 0}>
        {exists ? 'Rotate emergency key' : 'Publish emergency key'}
      </Button>
      {props.verifiedDoctors === 0 && <p class="muted">A key can be published once your hospital has a verified doctor.</p>}
    </Card>
  );
}
