import { useEffect, useRef, useState } from 'preact/hooks';
import { requireSession } from '../../app/session';
import { ActionForm, Button, Card, DataTable, Field, Notice, Page, ProblemAlert } from '../../ui/components';
import {
  FhirBundle, FhirBundleImportError, FhirImportCancelled, FhirImportState, MAX_BUNDLE_BYTES, importFhirBundles,
  type FhirImportProgress, type FhirImportReport,
} from '../../sdk/fhirImport';
import './patient.css';

interface TypeRow {
  type: string;
  imported: number;
  already: number;
  skipped: number;
  reasons: Set<string>;
}

function summarize(reports: FhirImportReport[]): TypeRow[] {
  const rows = new Map<string, TypeRow>();
  const row = (type: string) => {
    let r = rows.get(type);
    if (!r) rows.set(type, (r = { type, imported: 0, already: 0, skipped: 0, reasons: new Set() }));
    return r;
  };
  for (const report of reports) {
    for (const r of report.resources) {
      if (r.outcome === 'Imported') row(r.resourceType).imported++;
      else row(r.resourceType).already++;
    }
    for (const s of report.skipped) {
      const r = row(s.resourceType);
      r.skipped++;
      r.reasons.add(s.reason);
    }
  }
  return [...rows.values()].sort((a, b) => a.type.localeCompare(b.type));
}

/**
 * FHIR bundles as EHRs export them, imported as the patient's own records: each file is read and checked here
 * (sdk/fhirImport.ts, the same rules as the CLI's `medledger import`), then each clinical resource is sealed, signed
 * and uploaded as a record, four at a time. A re-run imports nothing new; Cancel or a closed tab is continued by
 * importing the same file again (this browser keeps the planned record ids, never content).
 */
export function FhirImportPage() {
  const [files, setFiles] = useState<File[]>([]);
  const [progress, setProgress] = useState<Record<string, FhirImportProgress>>({});
  const [reports, setReports] = useState<FhirImportReport[] | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [cancelled, setCancelled] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const [forgotten, setForgotten] = useState(false);
  // Leaving the page stops what is still in flight; the next run continues from the saved state.
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const run = async () => {
    setRefusal(null);
    setCancelled(null);
    setError(null);
    setReports(null);
    setForgotten(false);
    if (files.length === 0) {
      setRefusal('Choose one or more FHIR bundle files (.json) first.');
      return;
    }
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    setProgress({});
    try {
      // Every file is read and checked before the first upload: one bad file refuses the whole run.
      const bundles: FhirBundle[] = [];
      for (const f of files) bundles.push(await FhirBundle.readFile(f));
      const done = await importFhirBundles(bundles, {
        signal: controller.signal,
        onProgress: (p) => setProgress((prev) => ({ ...prev, [p.source]: p })),
      });
      setReports(done);
    } catch (e) {
      if (e instanceof FhirBundleImportError) setRefusal(e.message);
      else if (e instanceof FhirImportCancelled) setCancelled(e.message);
      else setError(e);
    } finally {
      abort.current = null;
      setRunning(false);
    }
  };

  const rows = reports ? summarize(reports) : [];
  const total = (f: (r: TypeRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  return (
    <Page title="Import a FHIR bundle">
      <ActionForm class="card stack wide-form" aria-label="Import FHIR bundles" onSubmit={() => void run()}>
        <h2 class="card-title">Choose your export</h2>
        <Field id="fhir-bundles" label="FHIR bundle files" hint={`FHIR R4 transaction or collection bundles (.json), up to ${MAX_BUNDLE_BYTES / (1024 * 1024)} MiB each. Each clinical resource becomes one of your records, encrypted in this browser.`}>
          <input
            id="fhir-bundles"
            type="file"
            multiple
            accept=".json,application/json,application/fhir+json"
            aria-describedby="fhir-bundles-hint"
            disabled={running}
            onChange={(e) => {
              setRefusal(null);
              setFiles([...((e.currentTarget as HTMLInputElement).files ?? [])]);
            }}
          />
        </Field>
        <div class="row">
          <Button type="submit" busy={running} busyLabel="Importing…">
            Import
          </Button>
          {running && (
            <Button kind="secondary" onClick={() => abort.current?.abort()}>
              Cancel import
            </Button>
          )}
        </div>
        {Object.values(progress).map((p) => (
          <div class="progress" key={p.source}>
            <label>
              {p.source}: {p.done}/{p.total}
              <progress max={p.total || 1} value={p.done} aria-label={`Import progress of ${p.source}`} />
            </label>
          </div>
        ))}
        {refusal && (
          <div class="alert error" role="alert">
            <strong>Nothing was imported</strong>
            <p>{refusal}</p>
          </div>
        )}
        {cancelled && <Notice kind="warning">{cancelled}</Notice>}
        <ProblemAlert error={error} />
      </ActionForm>

      {reports && (
        <Card title="Import summary">
          <p role="status">
            Imported {total((r) => r.imported)}, already imported {total((r) => r.already)}, skipped {total((r) => r.skipped)}.
          </p>
          <DataTable label="Import summary by resource type" columns={['Resource type', { label: 'Imported', class: 'num' }, { label: 'Already imported', class: 'num' }, { label: 'Skipped', class: 'num' }, 'Why skipped']}>
            {rows.map((r) => (
              <tr key={r.type}>
                <th scope="row">{r.type}</th>
                <td class="num">{r.imported}</td>
                <td class="num">{r.already}</td>
                <td class="num">{r.skipped}</td>
                <td>{[...r.reasons].join('; ')}</td>
              </tr>
            ))}
          </DataTable>
        </Card>
      )}

      <Card title="This browser's import state">
        <p class="muted">
          To import nothing twice, this browser keeps, per resource, a hash of it and the record id it was given (never its content).
          Forgetting it makes the next import write new copies.
        </p>
        <Button
          kind="secondary"
          disabled={running}
          onClick={() => {
            FhirImportState.forget(requireSession().tokens.user.id);
            setForgotten(true);
          }}
        >
          Forget this browser's import state
        </Button>
        {forgotten && <Notice kind="success">Forgotten.</Notice>}
      </Card>
    </Page>
  );
}
