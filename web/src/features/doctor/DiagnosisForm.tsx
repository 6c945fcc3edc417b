import { useState } from 'preact/hooks';
import { Field } from '../../ui/components';
import { buildCondition, clinicalStatuses, isSnomedCode, verificationStatuses } from './fhirResources';
import { FhirFormCard, TextField, useFhirSave, useFieldErrors } from './fhirForm';

type Fields = 'codeText' | 'snomedCode' | 'onsetDate';

/** Writes a FHIR R4 Condition for the patient (recorder and asserter: this doctor). */
export function DiagnosisForm(props: { patientId: string; onSaved: (recordId: string) => void; onCancel: () => void }) {
  const [codeText, setCodeText] = useState('');
  const [snomedCode, setSnomedCode] = useState('');
  const [clinicalStatus, setClinicalStatus] = useState('active');
  const [verificationStatus, setVerificationStatus] = useState('confirmed');
  const [onsetDate, setOnsetDate] = useState('');
  const [note, setNote] = useState('');
  const { errors, setErrors, edit } = useFieldErrors<Fields>();

  const { save, progress } = useFhirSave(props.patientId, 'Condition', props.onSaved, (doctorId: string) =>
    buildCondition({
      patientId: props.patientId,
      doctorId,
      codeText,
      snomedCode,
      clinicalStatus,
      verificationStatus,
      onsetDate: onsetDate || undefined,
      note,
      recordedAt: new Date(),
    }),
  );

  const submit = () => {
    const found: Partial<Record<Fields, string>> = {};
    if (!codeText.trim()) found.codeText = 'Enter the diagnosis.';
    if (snomedCode.trim() && !isSnomedCode(snomedCode.trim())) found.snomedCode = 'A SNOMED CT code is 6 to 18 digits (e.g. 38341003).';
    if (onsetDate && new Date(onsetDate) > new Date()) found.onsetDate = 'The onset cannot be in the future.';
    setErrors(found);
    if (Object.keys(found).length === 0) void save.run();
  };

  return (
    <FhirFormCard title="Write a diagnosis" submitLabel="Save diagnosis" onSubmit={submit} onCancel={props.onCancel}
      busy={save.busy} error={save.error} progress={progress}>
      <TextField id="dx-code-text" label="Diagnosis" error={errors.codeText} value={codeText}
        onInput={(v) => edit('codeText', setCodeText, v)} required maxLength={500} />
      <TextField id="dx-snomed" label="SNOMED CT code (optional)" hint="The concept id, if you know it." error={errors.snomedCode}
        value={snomedCode} onInput={(v) => edit('snomedCode', setSnomedCode, v)} inputMode="numeric" autocomplete="off" />
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
      <TextField id="dx-onset" label="Onset date (optional)" date error={errors.onsetDate} value={onsetDate}
        onInput={(v) => edit('onsetDate', setOnsetDate, v)} />
      <Field id="dx-note" label="Note (optional)">
        <textarea id="dx-note" value={note} onInput={(e) => setNote(e.currentTarget.value)} maxLength={5000} />
      </Field>
    </FhirFormCard>
  );
}
