/** Parse a date-time that must carry a timezone (DateTimeZ); null when it does not. */
export function parseDateTimeZ(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export const toSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);
