import { useEffect, useRef, useState } from 'preact/hooks';
import { requireSession } from '../../app/session';
import { ActionForm, Button, Field, Notice, ProblemAlert, Progress } from '../../ui/components';
import { useAction } from '../../ui/hooks';
import { FHIR_CONTENT_TYPE, MAX_RECORD_BYTES, fhirCategory, writeRecord, type RecordSummary } from '../../sdk/records';

type Mode = 'fhir' | 'file';

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * Adds a record (or a new version of `existing`): FHIR JSON is checked here before anything is sealed;
 * files over 20 MiB are refused before they are even read.
 */
export function UploadForm(props: { existing?: RecordSummary; patientId?: string; onDone: (result: { recordId: string; version: number }) => void; onCancel: () => void }) {
  const existing = props.existing;
  const fixedMode: Mode | null = existing ? (existing.contentType === FHIR_CONTENT_TYPE ? 'fhir' : 'file') : null;
  const [mode, setMode] = useState<Mode>(fixedMode ?? 'fhir');
  const [json, setJson] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  // Leaving the form (Cancel, another screen, sign-out) cancels an upload still in flight.
  const inFlight = useRef<AbortController | null>(null);
  useEffect(() => () => inFlight.current?.abort(), []);

  const upload = useAction(async () => {
    setFieldError(null);
    // A doctor writing the next version of their own record names the record's patient.
    const patientId = props.patientId ?? requireSession().tokens.user.id;
    let content: Uint8Array;
    let category: string;
    let contentType: string;
    if (mode === 'fhir') {
      try {
        category = fhirCategory(json);
      } catch (e) {
        setFieldError(e instanceof Error ? e.message : String(e));
        return;
      }
      if (existing && category !== existing.category) {
        setFieldError(`A new version must stay a ${existing.category}; this resource is a ${category}.`);
        return;
      }
      content = new TextEncoder().encode(json);
      contentType = FHIR_CONTENT_TYPE;
    } else {
      if (!file) {
        setFieldError('Choose a file to upload.');
        return;
      }
      if (file.size > MAX_RECORD_BYTES) {
        setFieldError(`This file is ${sizeText(file.size)}; records are limited to 20 MiB. Nothing was uploaded.`);
        return;
      }
      content = new Uint8Array(await file.arrayBuffer());
      category = existing?.category ?? 'File';
      contentType = file.type || 'application/octet-stream';
    }
    if (content.length > MAX_RECORD_BYTES) {
      setFieldError(`This record is ${sizeText(content.length)}; records are limited to 20 MiB.`);
      return;
    }
    setProgress(0);
    const abort = new AbortController();
    inFlight.current = abort;
    try {
      const result = await writeRecord({ patientId, category, contentType, content, recordId: existing?.recordId, onProgress: setProgress, signal: abort.signal });
      props.onDone(result);
    } catch (e) {
      if (abort.signal.aborted) return; // the form is gone; nothing to report
      throw e;
    } finally {
      inFlight.current = null;
      setProgress(null);
    }
  });

  const chooseJsonFile = async (f: File | undefined) => {
    setFieldError(null);
    if (!f) return;
    if (f.size > MAX_RECORD_BYTES) {
      setFieldError(`This file is ${sizeText(f.size)}; records are limited to 20 MiB.`);
      return;
    }
    // Blob.text() decodes UTF-8 and drops a byte-order mark, as the C# SDK expects text to be read.
    setJson(await f.text());
  };

  const title = existing ? `New version of this ${existing.category} record` : 'Add a record';
  return (
    <ActionForm
      class="card stack wide-form"
      aria-label={title}
      onSubmit={() => void upload.run()}
    >
      <h2 class="card-title">{title}</h2>
      {!fixedMode && (
        <fieldset class="upload-mode">
          <legend>What are you adding?</legend>
          <label class="checkbox">
            <input type="radio" name="upload-mode" checked={mode === 'fhir'} onChange={() => { setMode('fhir'); setFieldError(null); }} />
            FHIR resource (JSON)
          </label>
          <label class="checkbox">
            <input type="radio" name="upload-mode" checked={mode === 'file'} onChange={() => { setMode('file'); setFieldError(null); }} />
            File (PDF, image, …)
          </label>
        </fieldset>
      )}
      {mode === 'fhir' ? (
        <>
          <Field id="fhir-file" label="FHIR JSON file" hint="Choose a .json file, or paste the resource below.">
            <input id="fhir-file" type="file" accept=".json,application/json,application/fhir+json" onChange={(e) => void chooseJsonFile((e.currentTarget as HTMLInputElement).files?.[0])} />
          </Field>
          <Field id="fhir-json" label="FHIR resource" hint="A FHIR R4 resource such as an Observation, Condition or MedicationRequest." error={fieldError ?? undefined}>
            <textarea
              id="fhir-json"
              class="json"
              spellcheck={false}
              value={json}
              aria-invalid={fieldError ? 'true' : undefined}
              aria-describedby={fieldError ? 'fhir-json-error' : 'fhir-json-hint'}
              onInput={(e) => setJson((e.currentTarget as HTMLTextAreaElement).value)}
            />
          </Field>
        </>
      ) : (
        <Field id="record-file" label="File" hint="Up to 20 MiB. It is encrypted in this browser before upload." error={fieldError ?? undefined}>
          <input
            id="record-file"
            type="file"
            aria-invalid={fieldError ? 'true' : undefined}
            aria-describedby={fieldError ? 'record-file-error' : 'record-file-hint'}
            onChange={(e) => {
              setFieldError(null);
              setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null);
            }}
          />
        </Field>
      )}
      {progress !== null && <Progress label={progress < 0.1 ? 'Encrypting in this browser…' : 'Uploading…'} value={progress} />}
      <ProblemAlert error={upload.error} />
      {mode === 'fhir' && !json && <Notice>Nothing leaves this browser unencrypted: the resource is checked and sealed here.</Notice>}
      <div class="row">
        <Button type="submit" busy={upload.busy} busyLabel="Saving…">
          {existing ? 'Save new version' : 'Encrypt and save'}
        </Button>
        {/* Stays enabled while saving: cancelling leaves the form, which stops an upload still in flight. */}
        <Button kind="secondary" onClick={props.onCancel}>
          Cancel
        </Button>
      </div>
    </ActionForm>
  );
}
