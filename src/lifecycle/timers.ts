import { addDays } from "./periods.js";
import type { PeriodName, PolicyKey, ResolvedPeriod, ResolvedPeriods } from "./policies.js";
import type { ReservationKind, State } from "./states.js";

/** A timer computed from a period: its expiry, and the fields that say when it started and from what. */
export interface StartedTimer {
  expiresAt: Date;
  fields: { timerStartedAt: Date; timerPolicy: PolicyKey | null };
}

export function startTimer(now: Date, period: ResolvedPeriod): StartedTimer {
  return {
    expiresAt: addDays(now, period.days),
    fields: { timerStartedAt: now, timerPolicy: period.policy },
  };
}

/** The reservation kinds whose expiry comes from a period (charged: the paid until; allocation: none). */
export const TIMED_RESERVATION_PERIODS = {
  manual: "reservationDays",
  subscription_expired: "subscriptionExpiredDays",
  subscription_terminated: "subscriptionTerminatedDays",
  swapped_out: "swappedOutDays",
} as const satisfies Partial<Record<ReservationKind, PeriodName>>;

/** The number JSON field each running timer shows its expiry in. */
export type TimerField = "reservation.expiresAt" | "lock.expiresAt" | "cooldownUntil";

/** Which period a running timer of a number in `state` came from (when it came from one at all). */
export function timerPeriod(
  state: State,
  reservationKind: ReservationKind | null,
): { period: PeriodName; field: TimerField } | null {
  if (state === "cooldown") return { period: "cooldownDays", field: "cooldownUntil" };
  if (state === "locked") return { period: "lockDays", field: "lock.expiresAt" };
  if (state === "reserved" && reservationKind && reservationKind in TIMED_RESERVATION_PERIODS)
    return {
      period: TIMED_RESERVATION_PERIODS[reservationKind as keyof typeof TIMED_RESERVATION_PERIODS],
      field: "reservation.expiresAt",
    };
  return null;
}

export interface RunningTimer {
  state: State;
  reservationKind: ReservationKind | null;
  startedAt: Date;
  expiresAt: Date;
}

export interface TimerChange {
  field: TimerField;
  from: Date;
  to: Date;
  period: PeriodName;
  policy: PolicyKey | null;
}

/**
 * A running timer recomputed from its start under the periods in force now; null when its
 * expiry stays as it is (or it is no timer a period sets). An expiry that moves into the past
 * falls due at the next sweep.
 */
export function recomputeTimer(timer: RunningTimer, periods: ResolvedPeriods): TimerChange | null {
  const source = timerPeriod(timer.state, timer.reservationKind);
  if (!source) return null;
  const resolved = periods[source.period];
  const to = addDays(timer.startedAt, resolved.days);
  if (to.getTime() === timer.expiresAt.getTime()) return null;
  return { field: source.field, from: timer.expiresAt, to, period: source.period, policy: resolved.policy };
}
