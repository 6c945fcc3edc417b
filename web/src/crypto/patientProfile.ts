// Writing a sealed patient profile, byte for byte as src/MedLedger.Crypto/PatientProfiles.cs does (docs/crypto-format.md
// section 14): compact JSON sealed under a fresh 32-byte key, the patient's signature over the sealed bytes, and the key
// wrapped per reader as a sealed secret bound to "{patientId}/{version}".
import { randomBytes, utf8, type Bytes } from './bytes';
import { aesGcmSeal, NONCE_LENGTH } from './aead';
import { CryptoFormatError } from './errors';
import { PATIENT_PROFILE_KEY_PURPOSE, patientProfileAad, patientProfileSignedBytes, patientProfileWrapContext } from './protocol';
import { sealSecret, type SealedSecret } from './sealedSecret';
import { sign } from './signatures';
import { writeJsonString } from './strictJson';

export const PATIENT_PROFILE_KEY_LENGTH = 32;

/** What a profile says (PatientProfile in MedLedger.Crypto). */
export interface PatientProfileFields {
  name: string;
  birthDate: string;
  sex: string;
  phone: string;
}

export interface SealedPatientProfile {
  patientId: string;
  version: number;
  nonce: Bytes;
  ciphertext: Bytes;
  signature: Bytes;
}

/** PatientProfiles.Plaintext: {"patientId","name","birthDate","sex","phone"} in that order, compact, non-ASCII as is. */
export function patientProfilePlaintext(patientId: string, p: PatientProfileFields): Bytes {
  return utf8(`{"patientId":${writeJsonString(patientId)},"name":${writeJsonString(p.name)},"birthDate":${writeJsonString(p.birthDate)},`
    + `"sex":${writeJsonString(p.sex)},"phone":${writeJsonString(p.phone)}}`);
}

/** Seals and signs one profile version; key and nonce are fresh unless given (test vectors only: never reuse either). */
export async function sealPatientProfile(
  patientId: string, version: number, profile: PatientProfileFields, signingPrivateKey: Bytes, key?: Bytes, nonce?: Bytes,
): Promise<{ sealed: SealedPatientProfile; key: Bytes }> {
  const k = key ?? randomBytes(PATIENT_PROFILE_KEY_LENGTH);
  const n = nonce ?? randomBytes(NONCE_LENGTH);
  if (!patientId || k.length !== PATIENT_PROFILE_KEY_LENGTH || n.length !== NONCE_LENGTH) {
    throw new CryptoFormatError(`A profile key is ${PATIENT_PROFILE_KEY_LENGTH} bytes and its nonce ${NONCE_LENGTH}.`);
  }
  const ciphertext = await aesGcmSeal(k, n, patientProfileAad(patientId, version), patientProfilePlaintext(patientId, profile));
  const signature = await sign(signingPrivateKey, patientProfileSignedBytes(patientId, version, n, ciphertext));
  return { sealed: { patientId, version, nonce: n, ciphertext, signature }, key: k };
}

/** PatientProfiles.WrapKey: a profile version's key sealed for one reader's encryption key. */
export function wrapPatientProfileKey(readerEncryptionPublicKey: Bytes, patientId: string, version: number, key: Bytes, ephemeralIkm?: Bytes): Promise<SealedSecret> {
  return sealSecret(readerEncryptionPublicKey, PATIENT_PROFILE_KEY_PURPOSE, patientProfileWrapContext(patientId, version), key, ephemeralIkm);
}
