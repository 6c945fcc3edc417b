/** Input is not a well-formed MedLedger structure (lengths, off-curve points, JSON shape, mistyped recovery code). */
export class CryptoFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CryptoFormatError';
  }
}

/** Authentication failed (signature, GCM tag, wrong password or code, key commitment, no wrap for this reader). Never carries plaintext. */
export class CryptoIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CryptoIntegrityError';
  }
}
