// A plan's canonical terms and a policy's card (src/MedLedger.Crypto/InsurancePolicyCards.cs, docs/insurance.md "Terms hash"
// and "Benefit tags and the policy card"), byte for byte as the C# client writes them.
import { fromUtf8, randomBytes, sha256, toBase64, toHex, utf8, type Bytes } from './bytes';
import { CanonicalWriter } from './canonical';
import { CryptoFormatError, CryptoIntegrityError } from './errors';
import type { KeyPair } from './p256';
import { INSURANCE_CATEGORY_TAG, INSURANCE_POLICY_CARD_PURPOSE } from './protocol';
import { openSecret, sealSecret, sealedSecretFromJson, sealedSecretToJson } from './sealedSecret';
import { jsonArray, jsonBase64, jsonSafeInteger, jsonString, parseStrictJson, requireMembers, writeJsonString, type JsonValue } from './strictJson';

export const POLICY_CARD_SALT_LENGTH = 32;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One benefit of a plan's terms: exactly one of coveragePercent or copayMinor is set (the other null). */
export interface PlanTermsBenefit {
  category: string;
  coveragePercent: number | null;
  copayMinor: number | null;
  annualLimitMinor: number;
  waitingPeriodDays: number;
}

/** A plan's money terms at one revision: what a policy pins (name and description are not terms). */
export interface PlanTerms {
  planId: string;
  revision: number;
  currency: string;
  premiumMinor: number;
  premiumPeriod: string;
  annualLimitMinor: number;
  dependantsAllowed: boolean;
  benefits: PlanTermsBenefit[];
}

const ordinal = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const nullable = (v: number | null) => (v === null ? 'null' : String(v));

/** PlanTerms.ToCanonicalJson: members in a fixed order, benefits sorted by category (ordinal), the unset one of percentage/co-pay null. */
export function planTermsBytes(t: PlanTerms): Bytes {
  const benefits = [...t.benefits].sort((a, b) => ordinal(a.category, b.category)).map((b) =>
    `{"category":${writeJsonString(b.category)},"coveragePercent":${nullable(b.coveragePercent)},"copayMinor":${nullable(b.copayMinor)},`
    + `"annualLimitMinor":${b.annualLimitMinor},"waitingPeriodDays":${b.waitingPeriodDays}}`).join(',');
  return utf8(`{"planId":${writeJsonString(t.planId)},"revision":${t.revision},"currency":${writeJsonString(t.currency)},"premiumMinor":${t.premiumMinor},`
    + `"premiumPeriod":${writeJsonString(t.premiumPeriod)},"annualLimitMinor":${t.annualLimitMinor},"dependantsAllowed":${t.dependantsAllowed},"benefits":[${benefits}]}`);
}

/** The termsHash insurance.policy carries: lower-case hex SHA-256 of the canonical terms bytes. */
export async function planTermsHash(canonicalJson: Bytes): Promise<string> {
  return toHex(await sha256(canonicalJson));
}

function nullableInteger(m: Map<string, JsonValue>, name: string): number | null {
  const v = m.get(name);
  return v?.kind === 'literal' && v.value === null ? null : jsonSafeInteger(m, name);
}

export function planTermsFromJson(json: string | Bytes): PlanTerms {
  const m = requireMembers(parseStrictJson(json), 'plan terms', 'planId', 'revision', 'currency', 'premiumMinor', 'premiumPeriod', 'annualLimitMinor', 'dependantsAllowed', 'benefits');
  const dependants = m.get('dependantsAllowed');
  if (dependants?.kind !== 'literal' || typeof dependants.value !== 'boolean') throw new CryptoFormatError("'dependantsAllowed' must be a boolean.");
  const planId = jsonString(m, 'planId');
  if (!UUID.test(planId)) throw new CryptoFormatError("'planId' must be a UUID.");
  return {
    planId, revision: jsonSafeInteger(m, 'revision'), currency: jsonString(m, 'currency'), premiumMinor: jsonSafeInteger(m, 'premiumMinor'),
    premiumPeriod: jsonString(m, 'premiumPeriod'), annualLimitMinor: jsonSafeInteger(m, 'annualLimitMinor'), dependantsAllowed: dependants.value,
    benefits: jsonArray(m, 'benefits').map((item) => {
      const b = requireMembers(item, 'plan benefit', 'category', 'coveragePercent', 'copayMinor', 'annualLimitMinor', 'waitingPeriodDays');
      return {
        category: jsonString(b, 'category'), coveragePercent: nullableInteger(b, 'coveragePercent'), copayMinor: nullableInteger(b, 'copayMinor'),
        annualLimitMinor: jsonSafeInteger(b, 'annualLimitMinor'), waitingPeriodDays: jsonSafeInteger(b, 'waitingPeriodDays'),
      };
    }),
  };
}

/** A benefit's value on the ledger (InsurancePolicyContract.BenefitTerms): percent:P:LIMIT:WAIT or copay:C:LIMIT:WAIT. */
export function benefitTermsValue(b: Pick<PlanTermsBenefit, 'coveragePercent' | 'copayMinor' | 'annualLimitMinor' | 'waitingPeriodDays'>): string {
  return (b.coveragePercent !== null ? `percent:${b.coveragePercent}` : `copay:${b.copayMinor ?? 0}`) + `:${b.annualLimitMinor}:${b.waitingPeriodDays}`;
}

/** The key to a policy's benefit tags: the ledger names each benefit only by its tag, never its category. */
export interface PolicyCard {
  policyId: string;
  planId: string;
  categorySalt: Bytes;
  /** category → tag */
  tags: Record<string, string>;
}

/** PolicyCard.Tag: hex(SHA-256(canonical(INSURANCE_CATEGORY_TAG).String(policyId).Bytes(salt).String(category))). */
export async function categoryTag(policyId: string, categorySalt: Bytes, category: string): Promise<string> {
  return toHex(await sha256(new CanonicalWriter(INSURANCE_CATEGORY_TAG).string(policyId).bytes(categorySalt).string(category).toBytes()));
}

/** A new card for a plan's categories with a fresh random salt (the insurer's browser draws it at acceptance). */
export async function newPolicyCard(policyId: string, planId: string, categories: string[]): Promise<PolicyCard> {
  const categorySalt = randomBytes(POLICY_CARD_SALT_LENGTH);
  const tags: Record<string, string> = {};
  for (const c of categories) tags[c] = await categoryTag(policyId, categorySalt, c);
  return { policyId, planId, categorySalt, tags };
}

/** PolicyCard.ToJsonBytes: {policyId, planId, categorySalt (base64), tags: {category: tag} sorted by category}. */
export function policyCardBytes(card: PolicyCard): Bytes {
  const tags = Object.keys(card.tags).sort(ordinal).map((c) => `${writeJsonString(c)}:${writeJsonString(card.tags[c])}`).join(',');
  return utf8(`{"policyId":${writeJsonString(card.policyId)},"planId":${writeJsonString(card.planId)},"categorySalt":"${toBase64(card.categorySalt)}","tags":{${tags}}}`);
}

/** Seals the card for one recipient (the patient, the accepting staff member, a professional) as SealedSecret JSON bytes. */
export async function sealPolicyCard(recipientPublicKey: Bytes, card: PolicyCard, ephemeralIkm?: Bytes): Promise<Bytes> {
  return utf8(sealedSecretToJson(await sealSecret(recipientPublicKey, INSURANCE_POLICY_CARD_PURPOSE, card.policyId, policyCardBytes(card), ephemeralIkm)));
}

/** Reads a card's JSON and checks it: the policy id expected and every tag recomputed from the salt. */
export async function policyCardFromJson(json: string | Bytes, policyId: string): Promise<PolicyCard> {
  const m = requireMembers(parseStrictJson(json), 'policy card', 'policyId', 'planId', 'categorySalt', 'tags');
  const id = jsonString(m, 'policyId');
  const planId = jsonString(m, 'planId');
  if (!UUID.test(id)) throw new CryptoFormatError("'policyId' must be a UUID.");
  if (!UUID.test(planId)) throw new CryptoFormatError("'planId' must be a UUID.");
  const categorySalt = jsonBase64(m, 'categorySalt', POLICY_CARD_SALT_LENGTH);
  const tagsValue = m.get('tags');
  if (tagsValue?.kind !== 'object') throw new CryptoFormatError("'tags' must be an object.");
  // No prototype: a category named "__proto__" is an ordinary key here.
  const tags: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [category, tag] of tagsValue.members) {
    if (tag.kind !== 'string') throw new CryptoFormatError("A card's tags are strings.");
    if (Object.hasOwn(tags, category)) throw new CryptoFormatError(`A card repeats category '${category}'.`);
    tags[category] = tag.value;
  }
  if (id !== policyId) throw new CryptoIntegrityError('The sealed policy card names another policy.');
  for (const [category, tag] of Object.entries(tags)) {
    if (tag !== (await categoryTag(id, categorySalt, category))) throw new CryptoIntegrityError("A policy card's tag does not follow from its salt.");
  }
  return { policyId: id, planId, categorySalt, tags };
}

/** PolicyCard.Open: the sealed card under this policy id, opened and checked. */
export async function openPolicyCard(recipient: KeyPair, policyId: string, sealedJson: Bytes): Promise<PolicyCard> {
  return policyCardFromJson(fromUtf8(await openSecret(recipient, INSURANCE_POLICY_CARD_PURPOSE, policyId, sealedSecretFromJson(sealedJson))), policyId);
}
