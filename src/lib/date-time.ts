/** Parse a date-time that must carry a timezone (DateTimeZ); null when it does not. */
export function parseDateTimeZ(value: unknown): Date | null {
  const ms = dateTimeZMs(value);
  return ms === null ? null : new Date(ms);
}

/**
 * parseDateTimeZ as milliseconds. Results are remembered (a bounded table): a cohort's
 * credentials, and a verifier's stream of them, carry the same few dates, and a date-time with a
 * timezone means the same instant whatever the process's own time zone.
 */
export function dateTimeZMs(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const known = seen.get(value);
  if (known !== undefined) return known;
  let ms: number | null = null;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) {
    const t = Date.parse(value);
    ms = Number.isNaN(t) ? null : t;
  }
  // Only short strings are kept (a date-time is about 25 characters): hostile input cannot fill the table with long ones.
  if (value.length <= 40) {
    if (seen.size >= 1024) seen.clear();
    seen.set(value, ms);
  }
  return ms;
}

const seen = new Map<string, number | null>();

export const toSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);
