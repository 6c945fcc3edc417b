/** An enum name as words for a screen: "HospitalStaff" → "Hospital staff", "LoginFailed" → "Login failed". */
export function words(s: string): string {
  const w = s.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return w.charAt(0).toUpperCase() + w.slice(1);
}
