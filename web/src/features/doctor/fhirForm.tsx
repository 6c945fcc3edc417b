import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { requireSession } from '../../app/session';
import { ActionForm, Button, Card, Field, ProblemAlert, Progress } from '../../ui/components';
import { useAction } from '../../ui/hooks';
import { describedBy } from './formHelpers';
import { saveFhirRecord } from './saveFhir';

/**
 * Per-field error messages for a doctor's form. A field's error goes once the doctor edits that
 * field (the whole form is checked again on save).
 */
export function useFieldErrors<K extends string>() {
  const [errors, setErrors] = useState<Partial<Record<K, string>>>({});
  const edit = (k: K, set: (v: string) => void, value: string) => {
    set(value);
    if (errors[k]) setErrors({ ...errors, [k]: undefined });
  };
  return { errors, setErrors, edit };
}

/**
 * Saves the FHIR resource a form builds as a new record of the patient (this doctor as author),
 * with the encrypt-and-upload progress for display.
 */
export function useFhirSave<A extends unknown[]>(
  patientId: string, resourceType: string, onSaved: (recordId: string, detail?: string) => void,
  build: (doctorId: string, ...args: A) => Record<string, unknown>,
  persist: (resource: Record<string, unknown>, onProgress: (fraction: number) => void) => Promise<{ recordId: string; detail?: string }> =
    (resource, onProgress) => saveFhirRecord(patientId, resourceType, resource, onProgress),
) {
  const [progress, setProgress] = useState<number | undefined>();
  const save = useAction(async (...args: A) => {
    const resource = build(requireSession().tokens.user.id, ...args);
    setProgress(0);
    try {
      const saved = await persist(resource, setProgress);
      onSaved(saved.recordId, saved.detail);
    } finally {
      setProgress(undefined);
    }
  });
  return { save, progress };
}

/** A labelled text input whose hint and error are announced with it. */
export function TextField(props: {
  id: string; label: string; hint?: string; error?: string; value: string; onInput: (value: string) => void;
  date?: boolean; required?: boolean; maxLength?: number; inputMode?: 'text' | 'numeric' | 'decimal'; autocomplete?: string;
}) {
  const { id, label, hint, error, value, onInput, date, ...rest } = props;
  // Two literal types rather than a union: Preact's input typings narrow attributes by the `type` literal.
  const typeAttr = date ? { type: 'date' as const } : { type: 'text' as const };
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      <input {...rest} {...typeAttr} id={id} value={value} onInput={(e) => onInput(e.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined} aria-describedby={describedBy(id, error, !!hint)} />
    </Field>
  );
}

/** The card, form, progress, problem and Save / Cancel buttons every record-writing form shares. */
export function FhirFormCard(props: {
  title: string; submitLabel: string; onSubmit: () => void; onCancel: () => void;
  busy: boolean; error: unknown; progress: number | undefined; children: ComponentChildren;
}) {
  return (
    <Card title={props.title}>
      <ActionForm class="stack" onSubmit={props.onSubmit} noValidate aria-label={props.title}>
        {props.children}
        {props.progress !== undefined && <Progress label="Encrypting and saving" value={props.progress} />}
        <ProblemAlert error={props.error} />
        <div class="row">
          <Button type="submit" busy={props.busy} busyLabel="Saving…">
            {props.submitLabel}
          </Button>
          <Button kind="secondary" onClick={props.onCancel} disabled={props.busy}>
            Cancel
          </Button>
        </div>
      </ActionForm>
    </Card>
  );
}
