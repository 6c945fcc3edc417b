/** aria-describedby for a Field's control: its hint and error ids (Field renders them as `<id>-hint` / `<id>-error`). */
export function describedBy(id: string, error?: string, hint?: boolean): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids || undefined;
}

/** A whole number in [min, max] from an optional text input: undefined when empty, NaN when invalid. */
export function optionalInteger(text: string, min: number, max: number): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (!/^\d+$/.test(t)) return NaN;
  const n = Number(t);
  return n >= min && n <= max ? n : NaN;
}

/** A positive decimal from an optional text input (comma or dot): undefined when empty, NaN when invalid. */
export function optionalDecimal(text: string): number | undefined {
  const t = text.trim().replace(',', '.');
  if (!t) return undefined;
  if (!/^\d+(\.\d+)?$/.test(t)) return NaN;
  const n = Number(t);
  return n > 0 ? n : NaN;
}
