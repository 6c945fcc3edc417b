import type { ButtonHTMLAttributes, ComponentChildren, FormHTMLAttributes } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiProblem } from '../app/http';
import { navigations$ } from '../app/router';

/** A screen: sets the document title and gives the page one h1 that takes focus after navigation (screen readers announce it). */
export function Page(props: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  const h1 = useRef<HTMLHeadingElement>(null);
  const navigation = navigations$.value;
  useEffect(() => {
    document.title = `${props.title} · MedLedger`;
    h1.current?.focus();
  }, [props.title, navigation]);
  return (
    <section class="page">
      <div class="page-head">
        <h1 tabIndex={-1} ref={h1}>
          {props.title}
        </h1>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </div>
      {props.children}
    </section>
  );
}

export function Spinner(props: { label: string; inline?: boolean }) {
  return (
    <span class={props.inline ? 'spinner inline' : 'spinner'} role="status" aria-live="polite">
      <span class="spinner-dot" aria-hidden="true" />
      {props.label}
    </span>
  );
}

/** Determinate when `value` is known (uploads), indeterminate otherwise (key derivation). */
export function Progress(props: { label: string; value?: number }) {
  return (
    <div class="progress" role="status" aria-live="polite">
      <label>
        {props.label}
        {props.value !== undefined && ` ${Math.round(props.value * 100)} %`}
        <progress max={1} value={props.value} aria-label={props.label} />
      </label>
    </div>
  );
}

/** A problem response shown as the server phrased it, with field errors listed. */
export function ProblemAlert(props: { error: unknown; onDismiss?: () => void }) {
  if (!props.error) return null;
  const e = props.error;
  const title = e instanceof ApiProblem ? e.title : 'Something went wrong';
  const detail = e instanceof ApiProblem ? e.detail : e instanceof Error ? e.message : String(e);
  const errors = e instanceof ApiProblem ? e.errors : undefined;
  return (
    <div class="alert error" role="alert">
      <strong>{title}</strong>
      {detail && <p>{detail}</p>}
      {errors && (
        <ul>
          {Object.entries(errors).flatMap(([field, messages]) =>
            messages.map((m) => (
              <li key={field + m}>
                {field ? `${field}: ` : ''}
                {m}
              </li>
            )),
          )}
        </ul>
      )}
      {props.onDismiss && (
        <button type="button" class="link" onClick={props.onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

/**
 * A form whose submit runs one action (the page does not reload); the action shows its own busy and error state.
 * Other form attributes (aria-label, noValidate, ref, …) pass through.
 */
export function ActionForm({ onSubmit, class: className, children, ...rest }: Omit<FormHTMLAttributes<HTMLFormElement>, 'onSubmit'> & { onSubmit: () => void }) {
  return (
    <form
      {...rest}
      class={className ?? 'stack card'}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
    </form>
  );
}

export function Notice(props: { kind?: 'info' | 'success' | 'warning'; children: ComponentChildren }) {
  return (
    <div class={`alert ${props.kind ?? 'info'}`} role="status">
      {props.children}
    </div>
  );
}

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type'> & { busy?: boolean; busyLabel?: string; kind?: 'primary' | 'secondary' | 'danger' | 'link'; type?: 'button' | 'submit' };

export function Button({ busy, busyLabel, kind = 'primary', children, disabled, type = 'button', ...rest }: ButtonProps) {
  return (
    <button {...rest} type={type} class={`btn ${kind}`} disabled={busy || (disabled as boolean)} aria-busy={busy ? 'true' : undefined}>
      {busy ? <Spinner inline label={busyLabel ?? 'Working…'} /> : children}
    </button>
  );
}

/** A labelled form field; `hint` and `error` are tied to the control for assistive technology. */
export function Field(props: { id: string; label: string; hint?: string; error?: string; children: ComponentChildren }) {
  return (
    <div class={props.error ? 'field invalid' : 'field'}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && (
        <small id={`${props.id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
      {props.error && (
        <small id={`${props.id}-error`} class="field-error">
          {props.error}
        </small>
      )}
    </div>
  );
}

export function Card(props: { title?: ComponentChildren; children: ComponentChildren; class?: string; headingLevel?: 2 | 3 }) {
  const H = props.headingLevel === 3 ? 'h3' : 'h2';
  return (
    <article class={`card ${props.class ?? ''}`}>
      {props.title && <H class="card-title">{props.title}</H>}
      {props.children}
    </article>
  );
}

/** A column header: its text, or its text and a class ("num" right-aligns, "hide-narrow" hides it on a phone). */
export type Column = string | { label: ComponentChildren; class?: string };

/**
 * A data table that scrolls sideways on a narrow screen rather than overflowing the page; its wrapper takes keyboard focus so
 * the sideways scroll works without a mouse (WCAG 2.1.1).
 */
export function DataTable(props: {
  columns: Column[]; children: ComponentChildren; caption?: ComponentChildren; label?: string; class?: string; busy?: boolean;
}) {
  return (
    <div class={props.class ? `table-wrap ${props.class}` : 'table-wrap'} aria-busy={props.busy ? 'true' : undefined} tabIndex={0}>
      <table class="data" aria-label={props.label}>
        {props.caption && <caption class="muted">{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((c, i) =>
              typeof c === 'string' ? (
                <th key={i} scope="col">
                  {c}
                </th>
              ) : (
                <th key={i} scope="col" class={c.class}>
                  {c.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

/** A verified / not verified mark for ledger proofs and key checks. */
export function VerifiedMark(props: { ok: boolean | null; label?: string; title?: string }) {
  if (props.ok === null) return <Spinner inline label="checking proof…" />;
  return (
    <span class={props.ok ? 'badge ok' : 'badge bad'} title={props.title}>
      {props.ok ? '✓ ' : '✗ '}
      {props.label ?? (props.ok ? 'verified' : 'NOT verified')}
    </span>
  );
}

// Dates are formatted in one place (ui/dates.ts); re-exported here for the screens that import them with the components.
export { formatDate, formatDateTime, formatTime } from './dates';

/** Short form of a long id for display (full id in the title attribute). */
export function ShortId(props: { id: string }) {
  return (
    <code class="id" title={props.id}>
      {props.id.slice(0, 8)}
    </code>
  );
}
