const DAY_MS = 86_400_000;

/** N days are N × 24 h from the instant, whatever the calendar or daylight saving says. */
export function addDays(instant: Date, days: number): Date {
  return new Date(instant.getTime() + days * DAY_MS);
}
