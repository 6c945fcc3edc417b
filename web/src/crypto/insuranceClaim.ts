// A claim line's one-time token and a claim's documents hash (src/MedLedger.Crypto/InsuranceClaimTokens.cs, docs/insurance.md
// "Token scheme"), byte for byte as the C# client computes them.
import { sha256, toHex, type Bytes } from './bytes';
import { CanonicalWriter } from './canonical';
import { INSURANCE_CLAIM_DOCUMENTS_TAG, INSURANCE_CLAIM_LINE_TAG } from './protocol';

const ordinal = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The canonical bytes a line token hashes: String(filerId), String(referenceId), Int64(line). */
export function claimLineTokenBytes(filerId: string, referenceId: string, line: number): Bytes {
  if (!referenceId) throw new RangeError('A claim line needs a reference id.');
  if (!Number.isSafeInteger(line) || line < 1) throw new RangeError('Claim lines are numbered from 1.');
  return new CanonicalWriter(INSURANCE_CLAIM_LINE_TAG).string(filerId).string(referenceId).int64(line).toBytes();
}

/**
 * InsuranceClaimTokens.Token: the same filer billing the same reference and line again gets the same token, which the
 * ledger flags as a duplicate; the token shows neither the reference nor the care.
 */
export async function claimLineToken(filerId: string, referenceId: string, line: number): Promise<string> {
  return toHex(await sha256(claimLineTokenBytes(filerId, referenceId, line)));
}

/** InsuranceClaimTokens.DocumentsHash: the attached records and the version of each the filer saw. */
export async function claimDocumentsHash(documents: readonly { recordId: string; version: number }[]): Promise<string> {
  const items = documents.map((d) => `${d.recordId}:${d.version}`).sort(ordinal);
  return toHex(await sha256(new CanonicalWriter(INSURANCE_CLAIM_DOCUMENTS_TAG).stringList(items).toBytes()));
}
