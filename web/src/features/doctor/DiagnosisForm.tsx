import { useState } from 'preact/hooks';
import { requireSession } from '../../app/session';
import { Button, Card, Field, ProblemAlert, Progress } from '../../ui/components';
import { useAction } from '../../ui/hooks';
import { buildCondition, clinicalStatuses, isSnomedCode, verificationStatuses } from './fhirResources';
import { describedBy } from './formHelpers';
import { saveFhirRecord } from './saveFhir';

type Errors = Partial<Record<'codeText' | 'snomedCode' | 'onsetDate', string>>;

/** Writes a FHIR R4 Condition for the patient (recorder and asserter: this doctor). */
export function DiagnosisForm(props: { patientId: string; onSaved: (recordId: string) => void; onCancel: () => void }) {
  const [codeText, setCodeText] = useState('');
  const [snomedCode, setSnomedCode] = useState('');
  const [clinicalStatus, setClinicalStatus] = useState('active');
  const [verificationStatus, setVerificationStatus] = useState('confirmed');
  const [onsetDate, setOnsetDate] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [progress, setProgress] = useState<number | undefined>();

  const save = useAction(async () => {
    const condition = buildCondition({
      patientId: props.patientId,
      doctorId: requireSession().tokens.user.id,
      codeText,
      snomedCode,
      clinicalStatus,
      verificationStatus,
      onsetDate: onsetDate || undefined,
      note,
      recordedAt: new Date(),
    });
    setProgress(0);
    try {
      const saved = await saveFhirRecord(props.patientId, 'Condition', condition, setProgress);
      props.onSaved(saved.recordId);
    } finally {
      setProgress(undefined);
    }
  });

  const submit = (e: Event) => {
    e.preventDefault();
    const found: Errors = {};
    if (!codeText.trim()) found.codeText = 'Enter the diagnosis.';
    if (snomedCode.trim() && !isSnomedCode(snomedCode.trim())) found.snomedCode = 'A SNOMED CT code is 6 to 18 digits (e.g. 38341003).';
    if (onsetDate && new Date(onsetDate) > new Date()) found.onsetDate = 'The onset cannot be in the future.';
    setErrors(found);
    if (Object.keys(found).length === 0) void save.run();
  };

  // A field's error goes once the doctor edits that field (the whole form is checked again on save).
  const edit = (k: keyof Errors, set: (v: string) => void, value: string) => {
    set(value);
    if (errors[k]) setErrors({ ...errors, [k]: undefined });
  };

  return (
    <Card title="Write a diagnosis">
      <form class="stack" onSubmit={submit} noValidate aria-label="Write a diagnosis">
        <Field id="dx-code-text" label="Diagnosis" error={errors.codeText}>
          <input id="dx-code-text" value={codeText} onInput={(e) => edit('codeText', setCodeText, e.currentTarget.value)} required maxLength={500}
            aria-invalid={errors.codeText ? 'true' : undefined} aria-describedby={describedBy('dx-code-text', errors.codeText)} />
        </Field>
        <Field id="dx-snomed" label="SNOMED CT code (optional)" hint="The concept id, if you know it." error={errors.snomedCode}>
          <input id="dx-snomed" value={snomedCode} onInput={(e) => edit('snomedCode', setSnomedCode, e.currentTarget.value)} inputMode="numeric" autocomplete="off"
            aria-invalid={errors.snomedCode ? 'true' : undefined} aria-describedby={describedBy('dx-snomed', errors.snomedCode, true)} />
        </Field>
        <Field id="dx-clinical" label="Clinical status">
          <select id="dx-clinical" value={clinicalStatus} onChange={(e) => setClinicalStatus(e.currentTarget.value)}>
            {clinicalStatuses.map((s) => (
              <option key={s.code} value={s.code}>
                {s.label}
              </option>
            ))}
          </select>
        </Field>
        <Field id="dx-verification" label="Verification status">
          <select id="dx-verification" value={verificationStatus} onChange={(e) => setVerificationStatus(e.currentTarget.value)}>
            {verificationStatuses.map((s) => (
              <option key={s.code} value={s.code}>
                {s.label}
              </option>
            ))}
          </select>
        </Field>
        <Field id="dx-onset" label="Onset date (optional)" error={errors.onsetDate}>
          <input id="dx-onset" type="date" value={onsetDate} onInput={(e) => edit('onsetDate', setOnsetDate, e.currentTarget.value)}
            aria-invalid={errors.onsetDate ? 'true' : undefined} aria-describedby={describedBy('dx-onset', errors.onsetDate)} />
        </Field>
        <Field id="dx-note" label="Note (optional)">
          <textarea id="dx-note" value={note} onInput={(e) => setNote(e.currentTarget.value)} maxLength={5000} />
        </Field>
        {progress !== undefined && <Progress label="Encrypting and saving" value={progress} />}
        <ProblemAlert error={save.error} />
        <div class="row">
          <Button type="submit" busy={save.busy} busyLabel="Saving…">
            Save diagnosis
          </Button>
          <Button kind="secondary" onClick={props.onCancel} disabled={save.busy}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}
