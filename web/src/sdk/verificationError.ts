/** A server answer the client refused after checking it against the ledger or a signature (never a network error). */
export class VerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationError';
  }
}
