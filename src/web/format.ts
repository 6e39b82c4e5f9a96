const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/**
 * "22 Nov 2026" in UTC, the format every portal page uses. Hand-rolled because Intl.DateTimeFormat
 * costs ~2 µs a call, which a page listing 50 licences pays 100 times.
 */
export function formatDate(date: Date | null, empty = 'No end date'): string {
  if (date === null) return empty;
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()] ?? ''} ${date.getUTCFullYear()}`;
}
