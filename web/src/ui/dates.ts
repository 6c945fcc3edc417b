/**
 * The one way dates are shown in this app: a fixed locale ("en-GB": "3 Dec 2026", "3 Dec 2026, 14:05") so every screen,
 * screenshot and test reads the same, in the user's own time zone. Form inputs (<input type=date>) keep ISO dates.
 */
const LOCALE = 'en-GB';

const dateFormat = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', year: 'numeric' });
const timeFormat = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
// A calendar date ("2026-12-03") names a day, not an instant: shown as written, never shifted by the time zone.
const calendarFormat = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const monthFormat = new Intl.DateTimeFormat(LOCALE, { month: 'short', year: 'numeric', timeZone: 'UTC' });
const relativeFormat = new Intl.RelativeTimeFormat(LOCALE, { numeric: 'auto' });

export type DateInput = string | number | Date;

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function toDate(value: DateInput): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'string') {
    const m = CALENDAR_DATE.exec(value);
    // A bare ISO date is parsed as UTC by JavaScript; keep it the local calendar day instead.
    if (m) return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  }
  return new Date(value);
}

function valid(d: Date): boolean {
  return !Number.isNaN(d.getTime());
}

/** "3 Dec 2026" in the user's time zone; a bare "2026-12-03" is that calendar day. */
export function formatDate(value: DateInput): string {
  const d = toDate(value);
  return valid(d) ? dateFormat.format(d) : String(value);
}

/** "14:05" in the user's time zone. */
export function formatTime(value: DateInput): string {
  const d = toDate(value);
  return valid(d) ? timeFormat.format(d) : String(value);
}

/** "3 Dec 2026, 14:05" in the user's time zone. */
export function formatDateTime(value: DateInput): string {
  const d = toDate(value);
  return valid(d) ? `${dateFormat.format(d)}, ${timeFormat.format(d)}` : String(value);
}

/** A calendar date ("2026-12-03" → "3 Dec 2026"; "2026-12" → "Dec 2026"; "2026" stays), whatever the time zone. */
export function formatCalendarDate(iso: string): string {
  const day = CALENDAR_DATE.exec(iso);
  if (day) return calendarFormat.format(new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]))));
  const month = /^(\d{4})-(\d{2})$/.exec(iso);
  if (month) return monthFormat.format(new Date(Date.UTC(Number(month[1]), Number(month[2]) - 1, 1)));
  return iso;
}

/** The user's calendar day of an instant as "2026-12-03" (for grouping and for date inputs). */
export function localDayKey(value: DateInput): string {
  const d = toDate(value);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** "5 minutes ago", "yesterday", "in 3 days": for recent events next to their full date, never instead of it. */
export function formatRelative(value: DateInput, now: number = Date.now()): string {
  const d = toDate(value);
  if (!valid(d)) return String(value);
  const seconds = Math.round((d.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relativeFormat.format(seconds, 'second');
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
  return relativeFormat.format(Math.round(seconds / 86_400), 'day');
}
