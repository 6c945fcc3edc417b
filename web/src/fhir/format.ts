import { formatCalendarDate, formatDateTime } from '../ui/dates';

// Plain-language text for FHIR R4 data types (CodeableConcept, Quantity, Reference, Period, Dosage…).
// Everything here is pure and returns strings; cards decide the layout.

export type FhirObject = { [key: string]: unknown };

export function isObj(v: unknown): v is FhirObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** A Coding's display, else its code (with the system's last path segment for context). */
export function codingText(c: unknown): string | undefined {
  if (!isObj(c)) return undefined;
  return str(c.display) ?? str(c.code);
}

/** CodeableConcept: its text, else the first coding with a display, else the first code. */
export function conceptText(cc: unknown): string | undefined {
  if (!isObj(cc)) return str(cc);
  const codings = asArray(cc.coding);
  return str(cc.text) ?? codings.map((c) => (isObj(c) ? str(c.display) : undefined)).find(Boolean) ?? codings.map(codingText).find(Boolean);
}

export function conceptsText(v: unknown): string | undefined {
  const parts = asArray(v).map(conceptText).filter((x): x is string => !!x);
  return parts.length ? parts.join(', ') : undefined;
}

export function quantityText(q: unknown): string | undefined {
  if (!isObj(q)) return undefined;
  const value = str(q.value);
  if (value === undefined) return undefined;
  const unit = str(q.unit) ?? str(q.code);
  return [str(q.comparator), value, unit].filter(Boolean).join(' ');
}

export function rangeText(r: unknown): string | undefined {
  if (!isObj(r)) return undefined;
  const low = quantityText(r.low);
  const high = quantityText(r.high);
  if (low && high) return `${low} – ${high}`;
  if (low) return `≥ ${low}`;
  if (high) return `≤ ${high}`;
  return str(r.text);
}

export function ratioText(r: unknown): string | undefined {
  if (!isObj(r)) return undefined;
  const n = quantityText(r.numerator);
  const d = quantityText(r.denominator);
  return n && d ? `${n} / ${d}` : n;
}

/** A Reference: its display, else the reference itself (e.g. "Observation/r1"). */
export function referenceText(ref: unknown): string | undefined {
  if (!isObj(ref)) return undefined;
  const literal = str(ref.reference);
  return str(ref.display) ?? (literal && shortReference(literal)) ?? (isObj(ref.identifier) ? str(ref.identifier.value) : undefined);
}

/**
 * "Practitioner/<uuid>" reads as "Practitioner 1a2b3c4d" (the same 8 characters ShortId shows elsewhere);
 * other references (short ids, URLs, contained "#x") are shown as written.
 */
export function shortReference(reference: string): string {
  const m = /^([A-Z][A-Za-z]+)\/([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.exec(reference);
  return m ? `${m[1]} ${m[2]}` : reference;
}

export function referencesText(v: unknown): string | undefined {
  const parts = asArray(v).map(referenceText).filter((x): x is string => !!x);
  return parts.length ? parts.join(', ') : undefined;
}

/** FHIR dates keep their precision: "2011" stays, "2011-03" is "Mar 2011", a date "3 Mar 2011", a date-time "3 Mar 2011, 14:05" (ui/dates). */
export function fhirDateText(v: unknown): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  if (/^\d{4}(-\d{2}(-\d{2})?)?$/.test(s)) return formatCalendarDate(s);
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  return formatDateTime(d);
}

export function periodText(p: unknown): string | undefined {
  if (!isObj(p)) return undefined;
  const start = fhirDateText(p.start);
  const end = fhirDateText(p.end);
  if (start && end) return `${start} – ${end}`;
  if (start) return `from ${start}`;
  if (end) return `until ${end}`;
  return undefined;
}

export function ageText(a: unknown): string | undefined {
  return quantityText(a);
}

/** The value of a choice element `prefix[x]` in readable form (valueQuantity, onsetDateTime, occurrenceString…). */
export function choiceText(o: FhirObject, prefix: string): string | undefined {
  for (const [key, v] of Object.entries(o)) {
    if (!key.startsWith(prefix) || key.length === prefix.length) continue;
    const kind = key.slice(prefix.length);
    switch (kind) {
      case 'Quantity':
      case 'Age':
      case 'Duration':
      case 'SimpleQuantity':
        return quantityText(v);
      case 'CodeableConcept':
        return conceptText(v);
      case 'Coding':
        return codingText(v);
      case 'String':
      case 'Integer':
      case 'Decimal':
      case 'Code':
      case 'Uri':
      case 'Canonical':
        return str(v);
      case 'Boolean':
        return v === true ? 'yes' : v === false ? 'no' : undefined;
      case 'DateTime':
      case 'Date':
      case 'Instant':
      case 'Time':
        return fhirDateText(v) ?? str(v);
      case 'Period':
        return periodText(v);
      case 'Range':
        return rangeText(v);
      case 'Ratio':
        return ratioText(v);
      case 'Reference':
        return referenceText(v);
      case 'Annotation':
        return isObj(v) ? str(v.text) : undefined;
      default:
        if (/^[A-Z]/.test(kind)) return isObj(v) ? summarize(v) : str(v);
    }
  }
  return undefined;
}

/** Timing: its code text, else "2 times per 1 d" style from repeat. */
export function timingText(t: unknown): string | undefined {
  if (!isObj(t)) return undefined;
  const code = conceptText(t.code);
  if (code) return code;
  const r = t.repeat;
  if (!isObj(r)) return undefined;
  const unitNames: Record<string, string> = { s: 'second', min: 'minute', h: 'hour', d: 'day', wk: 'week', mo: 'month', a: 'year' };
  const parts: string[] = [];
  const freq = str(r.frequency);
  const period = str(r.period);
  const unit = str(r.periodUnit);
  if (freq && period && unit) {
    const u = unitNames[unit] ?? unit;
    parts.push(`${freq} time${freq === '1' ? '' : 's'} every ${period === '1' ? u : `${period} ${u}s`}`);
  }
  const when = asArray(r.when).map(str).filter(Boolean);
  if (when.length) parts.push(`at ${when.join(', ')}`);
  const bounds = choiceText(r, 'bounds');
  if (bounds) parts.push(`for ${bounds}`);
  return parts.length ? parts.join(' ') : undefined;
}

/** One Dosage: its free text, else timing, dose and route put together. */
export function dosageText(d: unknown): string | undefined {
  if (!isObj(d)) return undefined;
  const parts: string[] = [];
  const text = str(d.text);
  if (text) parts.push(text);
  const dose = asArray(d.doseAndRate)
    .map((x) => (isObj(x) ? choiceText(x, 'dose') : undefined))
    .find(Boolean);
  if (dose && !text?.includes(dose)) parts.push(`dose ${dose}`);
  const timing = timingText(d.timing);
  if (timing && !text) parts.push(timing);
  const route = conceptText(d.route);
  if (route && !text) parts.push(`route: ${route}`);
  const asNeeded = d.asNeededBoolean === true ? 'as needed' : conceptText(d.asNeededCodeableConcept);
  if (asNeeded && !text) parts.push(asNeeded);
  return parts.length ? parts.join('; ') : undefined;
}

export function notesText(v: unknown): string | undefined {
  const parts = asArray(v).map((n) => (isObj(n) ? str(n.text) : undefined)).filter((x): x is string => !!x);
  return parts.length ? parts.join(' · ') : undefined;
}

export function humanName(v: unknown): string | undefined {
  const n = asArray(v)[0];
  if (!isObj(n)) return undefined;
  return str(n.text) ?? [...asArray(n.prefix), ...asArray(n.given), n.family].map(str).filter(Boolean).join(' ');
}

/** Best one-line description of any FHIR data type value (for generic views). */
export function summarize(v: unknown): string | undefined {
  if (!isObj(v)) return str(v);
  if ('coding' in v || ('text' in v && Object.keys(v).length <= 2 && !('div' in v))) return conceptText(v);
  if ('value' in v && ('unit' in v || 'code' in v || 'system' in v) && typeof v.value === 'number') return quantityText(v);
  if ('reference' in v || 'display' in v) return referenceText(v) ?? codingText(v);
  if ('code' in v && 'system' in v) return codingText(v);
  if ('start' in v || 'end' in v) return periodText(v);
  if ('low' in v || 'high' in v) return rangeText(v);
  if ('family' in v || 'given' in v) return humanName([v]);
  return undefined;
}

/** "effectiveDateTime" → "Effective date time" (for the generic key/value view). */
export function humanizeKey(key: string): string {
  const words = key.replace(/\[x\]$/, '').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
