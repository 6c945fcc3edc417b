import { isObj, str } from './format';
import { formatDateTime } from '../ui/dates';

/**
 * The emergency summary a patient writes for break-glass access: a small JSON document (not FHIR) a
 * doctor can read at a glance. Stored as an EmergencySummary record with this content type.
 */
export const EMERGENCY_SUMMARY_CONTENT_TYPE = 'application/json';
export const EMERGENCY_SUMMARY_FORMAT = 'medledger/v1/emergency-summary';

export interface EmergencySummary {
  format: typeof EMERGENCY_SUMMARY_FORMAT;
  bloodType: string;
  allergies: string;
  conditions: string;
  medications: string;
  emergencyContact: { name: string; phone: string; relationship: string };
  notes: string;
  updatedAt: string;
}

/** Reads a summary from parsed JSON; null when it is not one (older summaries may be plain text files). */
export function parseEmergencySummary(v: unknown): EmergencySummary | null {
  if (!isObj(v) || v.format !== EMERGENCY_SUMMARY_FORMAT) return null;
  const c = isObj(v.emergencyContact) ? v.emergencyContact : {};
  return {
    format: EMERGENCY_SUMMARY_FORMAT,
    bloodType: str(v.bloodType) ?? '',
    allergies: str(v.allergies) ?? '',
    conditions: str(v.conditions) ?? '',
    medications: str(v.medications) ?? '',
    emergencyContact: { name: str(c.name) ?? '', phone: str(c.phone) ?? '', relationship: str(c.relationship) ?? '' },
    notes: str(v.notes) ?? '',
    updatedAt: str(v.updatedAt) ?? '',
  };
}

function Line(props: { label: string; value: string }) {
  return (
    <>
      <dt>{props.label}</dt>
      <dd class="pre-line">{props.value || <span class="muted">none given</span>}</dd>
    </>
  );
}

export function EmergencySummaryCard(props: { summary: EmergencySummary }) {
  const s = props.summary;
  const contact = [s.emergencyContact.name, s.emergencyContact.relationship && `(${s.emergencyContact.relationship})`, s.emergencyContact.phone].filter(Boolean).join(' ');
  return (
    <div class="fhir-card emergency-summary">
      <p class="fhir-kind">
        <span class="badge bad">Emergency summary</span>
      </p>
      <dl class="facts">
        <Line label="Blood type" value={s.bloodType} />
        <Line label="Allergies" value={s.allergies} />
        <Line label="Conditions" value={s.conditions} />
        <Line label="Medications" value={s.medications} />
        <Line label="Emergency contact" value={contact} />
        {s.notes && <Line label="Notes" value={s.notes} />}
      </dl>
      {s.updatedAt && <p class="muted">Written {formatDateTime(s.updatedAt)}</p>}
    </div>
  );
}
