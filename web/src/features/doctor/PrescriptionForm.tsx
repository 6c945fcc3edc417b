import { useState } from 'preact/hooks';
import { requireSession } from '../../app/session';
import { Button, Card, Field, ProblemAlert, Progress } from '../../ui/components';
import { useAction } from '../../ui/hooks';
import { buildMedicationRequest } from './fhirResources';
import { describedBy, optionalDecimal, optionalInteger } from './formHelpers';
import { saveFhirRecord } from './saveFhir';

type Errors = Partial<Record<'medication' | 'dosageText' | 'dose' | 'doseUnit' | 'timesPerDay' | 'durationDays' | 'repeats', string>>;

/** Writes a FHIR R4 MedicationRequest (status active, intent order; requester: this doctor). */
export function PrescriptionForm(props: { patientId: string; onSaved: (recordId: string) => void; onCancel: () => void }) {
  const [medication, setMedication] = useState('');
  const [dosageText, setDosageText] = useState('');
  const [dose, setDose] = useState('');
  const [doseUnit, setDoseUnit] = useState('');
  const [timesPerDay, setTimesPerDay] = useState('');
  const [durationDays, setDurationDays] = useState('');
  const [repeats, setRepeats] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [progress, setProgress] = useState<number | undefined>();

  const save = useAction(async (values: { doseValue?: number; timesPerDay?: number; durationDays?: number; repeats?: number }) => {
    const request = buildMedicationRequest({
      patientId: props.patientId,
      doctorId: requireSession().tokens.user.id,
      medication,
      dosageText,
      doseUnit,
      ...values,
      authoredOn: new Date(),
    });
    setProgress(0);
    try {
      const saved = await saveFhirRecord(props.patientId, 'MedicationRequest', request, setProgress);
      props.onSaved(saved.recordId);
    } finally {
      setProgress(undefined);
    }
  });

  const submit = (e: Event) => {
    e.preventDefault();
    const found: Errors = {};
    const values = {
      doseValue: optionalDecimal(dose),
      timesPerDay: optionalInteger(timesPerDay, 1, 24),
      durationDays: optionalInteger(durationDays, 1, 3650),
      repeats: optionalInteger(repeats, 0, 100),
    };
    if (!medication.trim()) found.medication = 'Enter the medication.';
    if (!dosageText.trim()) found.dosageText = 'Enter how to take it.';
    if (Number.isNaN(values.doseValue)) found.dose = 'Enter a positive number, e.g. 500 or 2.5.';
    if (doseUnit.trim() && values.doseValue === undefined) found.dose = 'Enter the dose for this unit.';
    if (values.doseValue !== undefined && !Number.isNaN(values.doseValue) && !doseUnit.trim()) found.doseUnit = 'Enter the unit, e.g. mg or tablet.';
    if (Number.isNaN(values.timesPerDay)) found.timesPerDay = 'Enter a whole number from 1 to 24.';
    if (Number.isNaN(values.durationDays)) found.durationDays = 'Enter a whole number of days from 1 to 3650.';
    if (Number.isNaN(values.repeats)) found.repeats = 'Enter a whole number from 0 to 100.';
    setErrors(found);
    if (Object.keys(found).length === 0) void save.run(values);
  };

  // A field's error goes once the doctor edits that field (the whole form is checked again on save).
  const edit = (k: keyof Errors, set: (v: string) => void, value: string) => {
    set(value);
    if (errors[k]) setErrors({ ...errors, [k]: undefined });
  };
  const invalid = (k: keyof Errors) => (errors[k] ? 'true' : undefined);
  return (
    <Card title="Write a prescription">
      <form class="stack" onSubmit={submit} noValidate aria-label="Write a prescription">
        <Field id="rx-medication" label="Medication" hint="Name and strength, e.g. Amoxicillin 500 mg capsules." error={errors.medication}>
          <input id="rx-medication" value={medication} onInput={(e) => edit('medication', setMedication, e.currentTarget.value)} required maxLength={500}
            aria-invalid={invalid('medication')} aria-describedby={describedBy('rx-medication', errors.medication, true)} />
        </Field>
        <Field id="rx-dosage" label="Dosage instructions" hint="As the patient should read them." error={errors.dosageText}>
          <input id="rx-dosage" value={dosageText} onInput={(e) => edit('dosageText', setDosageText, e.currentTarget.value)} required maxLength={1000}
            aria-invalid={invalid('dosageText')} aria-describedby={describedBy('rx-dosage', errors.dosageText, true)} />
        </Field>
        <div class="row">
          <Field id="rx-dose" label="Dose per intake (optional)" error={errors.dose}>
            <input id="rx-dose" value={dose} onInput={(e) => edit('dose', setDose, e.currentTarget.value)} inputMode="decimal"
              aria-invalid={invalid('dose')} aria-describedby={describedBy('rx-dose', errors.dose)} />
          </Field>
          <Field id="rx-dose-unit" label="Dose unit" error={errors.doseUnit}>
            <input id="rx-dose-unit" value={doseUnit} onInput={(e) => edit('doseUnit', setDoseUnit, e.currentTarget.value)} maxLength={40}
              aria-invalid={invalid('doseUnit')} aria-describedby={describedBy('rx-dose-unit', errors.doseUnit)} />
          </Field>
        </div>
        <Field id="rx-frequency" label="Times per day (optional)" error={errors.timesPerDay}>
          <input id="rx-frequency" value={timesPerDay} onInput={(e) => edit('timesPerDay', setTimesPerDay, e.currentTarget.value)} inputMode="numeric"
            aria-invalid={invalid('timesPerDay')} aria-describedby={describedBy('rx-frequency', errors.timesPerDay)} />
        </Field>
        <Field id="rx-duration" label="Duration in days (optional)" error={errors.durationDays}>
          <input id="rx-duration" value={durationDays} onInput={(e) => edit('durationDays', setDurationDays, e.currentTarget.value)} inputMode="numeric"
            aria-invalid={invalid('durationDays')} aria-describedby={describedBy('rx-duration', errors.durationDays)} />
        </Field>
        <Field id="rx-repeats" label="Number of repeats (optional)" hint="Refills allowed after the first dispense." error={errors.repeats}>
          <input id="rx-repeats" value={repeats} onInput={(e) => edit('repeats', setRepeats, e.currentTarget.value)} inputMode="numeric"
            aria-invalid={invalid('repeats')} aria-describedby={describedBy('rx-repeats', errors.repeats, true)} />
        </Field>
        {progress !== undefined && <Progress label="Encrypting and saving" value={progress} />}
        <ProblemAlert error={save.error} />
        <div class="row">
          <Button type="submit" busy={save.busy} busyLabel="Saving…">
            Save prescription
          </Button>
          <Button kind="secondary" onClick={props.onCancel} disabled={save.busy}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}
