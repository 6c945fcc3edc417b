import { useState } from 'preact/hooks';
import { issuePrescription } from '../../sdk/dispensing';
import { Field } from '../../ui/components';
import { formatCalendarDate } from '../../ui/dates';
import { buildMedicationRequest } from './fhirResources';
import { optionalDecimal, optionalInteger } from './formHelpers';
import { FhirFormCard, TextField, useFhirSave, useFieldErrors } from './fhirForm';

type Fields = 'medication' | 'dosageText' | 'dose' | 'doseUnit' | 'timesPerDay' | 'durationDays' | 'quantity' | 'repeats' | 'validUntil';
interface NumberValues { doseValue?: number; timesPerDay?: number; durationDays?: number; quantity?: number; repeats?: number }

/** Controlled-drug schedules; II allows no refills (docs/prescriptions.md), which both clients enforce. */
const schedules = [
  { code: '', label: 'Not a controlled drug' },
  { code: 'II', label: 'Schedule II (no refills)' },
  { code: 'III', label: 'Schedule III' },
  { code: 'IV', label: 'Schedule IV' },
  { code: 'V', label: 'Schedule V' },
];

/** The UTC calendar day, as a date input gives it. */
const todayUtc = () => new Date().toISOString().slice(0, 10);

/**
 * Writes a FHIR R4 MedicationRequest (status active, intent order; requester: this doctor) and issues it: its
 * dispenseRequest limits go on the ledger in a prescriptions.issue signed here, so any pharmacy can fill it.
 */
export function PrescriptionForm(props: { patientId: string; onSaved: (recordId: string, detail?: string) => void; onCancel: () => void }) {
  const [medication, setMedication] = useState('');
  const [dosageText, setDosageText] = useState('');
  const [dose, setDose] = useState('');
  const [doseUnit, setDoseUnit] = useState('');
  const [timesPerDay, setTimesPerDay] = useState('');
  const [durationDays, setDurationDays] = useState('');
  const [quantity, setQuantity] = useState('');
  const [quantityUnit, setQuantityUnit] = useState('');
  const [repeats, setRepeats] = useState('');
  const [validUntil, setValidUntil] = useState('');
  const [schedule, setSchedule] = useState('');
  const { errors, setErrors, edit } = useFieldErrors<Fields>();

  const { save, progress } = useFhirSave(props.patientId, 'MedicationRequest', props.onSaved,
    (doctorId: string, values: NumberValues) =>
      buildMedicationRequest({
        patientId: props.patientId,
        doctorId,
        medication,
        dosageText,
        doseUnit,
        quantityUnit,
        validUntil: validUntil || undefined,
        schedule: schedule || undefined,
        ...values,
        authoredOn: new Date(),
      }),
    async (resource, onProgress) => {
      const rx = await issuePrescription(props.patientId, JSON.stringify(resource), onProgress);
      // The last valid day as a calendar date (UTC, as the ledger keeps it), not shifted by this browser's zone.
      const until = formatCalendarDate(new Date(rx.validUntilMs).toISOString().slice(0, 10));
      const fills = rx.info.maxFills === 1 ? '1 fill' : `${rx.info.maxFills} fills`;
      return { recordId: rx.info.recordId, detail: `Issued: ${rx.info.totalUnits} units over ${fills}, valid until ${until}.` };
    });

  const submit = () => {
    const found: Partial<Record<Fields, string>> = {};
    const values: NumberValues = {
      doseValue: optionalDecimal(dose),
      timesPerDay: optionalInteger(timesPerDay, 1, 24),
      durationDays: optionalInteger(durationDays, 1, 3650),
      quantity: optionalInteger(quantity, 1, 1_000_000),
      repeats: optionalInteger(repeats, 0, 99),
    };
    if (!medication.trim()) found.medication = 'Enter the medication.';
    if (!dosageText.trim()) found.dosageText = 'Enter how to take it.';
    if (Number.isNaN(values.doseValue)) found.dose = 'Enter a positive number, e.g. 500 or 2.5.';
    if (doseUnit.trim() && values.doseValue === undefined) found.dose = 'Enter the dose for this unit.';
    if (values.doseValue !== undefined && !Number.isNaN(values.doseValue) && !doseUnit.trim()) found.doseUnit = 'Enter the unit, e.g. mg or tablet.';
    if (Number.isNaN(values.timesPerDay)) found.timesPerDay = 'Enter a whole number from 1 to 24.';
    if (Number.isNaN(values.durationDays)) found.durationDays = 'Enter a whole number of days from 1 to 3650.';
    if (values.quantity === undefined) found.quantity = 'Enter how many units a pharmacy hands over per fill.';
    else if (Number.isNaN(values.quantity)) found.quantity = 'Enter a whole number from 1 to 1000000.';
    if (Number.isNaN(values.repeats)) found.repeats = 'Enter a whole number from 0 to 99.';
    else if (schedule === 'II' && (values.repeats ?? 0) > 0) found.repeats = 'A schedule II prescription cannot have refills.';
    if (validUntil && validUntil < todayUtc()) found.validUntil = 'Choose today or a later day.';
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
      <div class="row">
        <TextField id="rx-quantity" label="Quantity per fill" hint="Units a pharmacy hands over each time, e.g. 30." error={errors.quantity}
          value={quantity} onInput={(v) => edit('quantity', setQuantity, v)} inputMode="numeric" required />
        <TextField id="rx-quantity-unit" label="Unit of dispensing (optional)" hint="e.g. tablets, capsules, pens." value={quantityUnit}
          onInput={setQuantityUnit} maxLength={40} />
      </div>
      <TextField id="rx-repeats" label="Number of repeats (optional)" hint="Refills allowed after the first dispense." error={errors.repeats}
        value={repeats} onInput={(v) => edit('repeats', setRepeats, v)} inputMode="numeric" />
      <TextField id="rx-valid-until" label="Valid until (optional)" hint="Without a date it can be dispensed for one year." date
        error={errors.validUntil} value={validUntil} onInput={(v) => edit('validUntil', setValidUntil, v)} />
      <Field id="rx-schedule" label="Controlled-drug schedule">
        <select id="rx-schedule" value={schedule}
          onChange={(e) => { setSchedule(e.currentTarget.value); if (errors.repeats) setErrors({ ...errors, repeats: undefined }); }}>
          {schedules.map((x) => (
            <option key={x.code} value={x.code}>{x.label}</option>
          ))}
        </select>
      </Field>
    </FhirFormCard>
  );
}
