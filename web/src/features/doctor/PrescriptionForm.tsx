import { useState } from 'preact/hooks';
import { buildMedicationRequest } from './fhirResources';
import { optionalDecimal, optionalInteger } from './formHelpers';
import { FhirFormCard, TextField, useFhirSave, useFieldErrors } from './fhirForm';

type Fields = 'medication' | 'dosageText' | 'dose' | 'doseUnit' | 'timesPerDay' | 'durationDays' | 'repeats';
interface NumberValues { doseValue?: number; timesPerDay?: number; durationDays?: number; repeats?: number }

/** Writes a FHIR R4 MedicationRequest (status active, intent order; requester: this doctor). */
export function PrescriptionForm(props: { patientId: string; onSaved: (recordId: string) => void; onCancel: () => void }) {
  const [medication, setMedication] = useState('');
  const [dosageText, setDosageText] = useState('');
  const [dose, setDose] = useState('');
  const [doseUnit, setDoseUnit] = useState('');
  const [timesPerDay, setTimesPerDay] = useState('');
  const [durationDays, setDurationDays] = useState('');
  const [repeats, setRepeats] = useState('');
  const { errors, setErrors, edit } = useFieldErrors<Fields>();

  const { save, progress } = useFhirSave(props.patientId, 'MedicationRequest', props.onSaved, (doctorId: string, values: NumberValues) =>
    buildMedicationRequest({
      patientId: props.patientId,
      doctorId,
      medication,
      dosageText,
      doseUnit,
      ...values,
      authoredOn: new Date(),
    }),
  );

  const submit = () => {
    const found: Partial<Record<Fields, string>> = {};
    const values: NumberValues = {
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

  return (
    <FhirFormCard title="Write a prescription" submitLabel="Save prescription" onSubmit={submit} onCancel={props.onCancel}
      busy={save.busy} error={save.error} progress={progress}>
      <TextField id="rx-medication" label="Medication" hint="Name and strength, e.g. Amoxicillin 500 mg capsules." error={errors.medication}
        value={medication} onInput={(v) => edit('medication', setMedication, v)} required maxLength={500} />
      <TextField id="rx-dosage" label="Dosage instructions" hint="As the patient should read them." error={errors.dosageText}
        value={dosageText} onInput={(v) => edit('dosageText', setDosageText, v)} required maxLength={1000} />
      <div class="row">
        <TextField id="rx-dose" label="Dose per intake (optional)" error={errors.dose} value={dose}
          onInput={(v) => edit('dose', setDose, v)} inputMode="decimal" />
        <TextField id="rx-dose-unit" label="Dose unit" error={errors.doseUnit} value={doseUnit}
          onInput={(v) => edit('doseUnit', setDoseUnit, v)} maxLength={40} />
      </div>
      <TextField id="rx-frequency" label="Times per day (optional)" error={errors.timesPerDay} value={timesPerDay}
        onInput={(v) => edit('timesPerDay', setTimesPerDay, v)} inputMode="numeric" />
      <TextField id="rx-duration" label="Duration in days (optional)" error={errors.durationDays} value={durationDays}
        onInput={(v) => edit('durationDays', setDurationDays, v)} inputMode="numeric" />
      <TextField id="rx-repeats" label="Number of repeats (optional)" hint="Refills allowed after the first dispense." error={errors.repeats}
        value={repeats} onInput={(v) => edit('repeats', setRepeats, v)} inputMode="numeric" />
    </FhirFormCard>
  );
}
