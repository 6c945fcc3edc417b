import { utf8 } from '../../crypto';
import { FHIR_CONTENT_TYPE, fhirCategory, writeRecord } from '../../sdk/records';

/**
 * Checks a FHIR resource built by a form (structure and resource type) and writes it as a new record
 * of the patient, sealed in this browser for the patient and the readers the server names (each key
 * checked against the ledger). Nothing leaves the browser in plaintext.
 */
export async function saveFhirRecord(
  patientId: string, expectedType: string, resource: Record<string, unknown>, onProgress: (fraction: number) => void,
): Promise<{ recordId: string; version: number; transactionId: string }> {
  const json = JSON.stringify(resource);
  const category = fhirCategory(json);
  if (category !== expectedType) throw new Error(`The form built a ${category}, not a ${expectedType}.`);
  return writeRecord({ patientId, category, contentType: FHIR_CONTENT_TYPE, content: utf8(json), onProgress });
}
