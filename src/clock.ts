/** Where "now" comes from. Logic never calls Date.now(); it is handed a Clock or an instant. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that reads a fixed instant until it is moved by hand (tests, `--at`). */
export function fixedClock(start: Date) {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set(instant: Date) {
      current = new Date(instant);
    },
    advanceDays(days: number) {
      current = new Date(current.getTime() + days * 86_400_000);
    },
  };
}
