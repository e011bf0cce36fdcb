const DAY_MS = 86_400_000;

/** N days are N × 24 h from the instant, whatever the calendar or daylight saving says. */
export function addDays(instant: Date, days: number): Date {
  return new Date(instant.getTime() + days * DAY_MS);
}

/** The instant from which an expiry at `expiresAt` falls inside the notice window. */
export function noticeWindowStart(expiresAt: Date, noticeDays: number): Date {
  return addDays(expiresAt, -noticeDays);
}
