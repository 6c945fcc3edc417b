import { constantTimeEqual, parseRecoveryCode } from '../../crypto';

/** Whether a typed recovery code is the shown one (case, hyphens and spaces ignored; a typo fails the check symbol). */
export function sameRecoveryCode(typed: string, shown: string): boolean {
  try {
    return constantTimeEqual(parseRecoveryCode(typed), parseRecoveryCode(shown));
  } catch {
    return false;
  }
}
