import type { DecisionContext, LifecycleFields, NumberChange, SideEffect } from "./number-state.js";
import type { ReservationKind } from "./states.js";
import { type StartedTimer, startTimer } from "./timers.js";

/** No timer runs, or its expiry came from no period (a paid until, an explicit lock until). */
export const NO_TIMER = Object.freeze({ timerStartedAt: null, timerPolicy: null } as const);

/**
 * Every hold a number can carry, cleared: no owner, subscription or end user, no reservation,
 * lock, cooldown, deletion or running timer. Each change that moves a number starts from this,
 * so nothing of an earlier hold survives into the next one.
 */
export const NO_HOLD: Readonly<Partial<LifecycleFields>> = Object.freeze({
  ownerId: null,
  subscriptionId: null,
  endUserId: null,
  reservationKind: null,
  reservedAt: null,
  reservationExpiresAt: null,
  lockedAt: null,
  lockExpiresAt: null,
  lockRemark: null,
  cooldownUntil: null,
  deletedReason: null,
  ...NO_TIMER,
});

/** What a number forgets of its last holder when it goes back to inventory: settings and PIN. */
const FORGET_HOLDER: readonly SideEffect[] = Object.freeze(["clear_settings", "reset_pin"]);

export const available = (): Partial<LifecycleFields> => ({
  ...NO_HOLD,
  state: "available",
  inServiceSinceAvailable: false,
});

/** A reservation from now: timed by a period, or without expiry (`timer` null: an allocation). */
export const reservedFor = (
  ownerId: string | null,
  kind: ReservationKind,
  now: Date,
  timer: StartedTimer | null,
): Partial<LifecycleFields> => ({
  ...NO_HOLD,
  state: "reserved",
  ownerId,
  reservationKind: kind,
  reservedAt: now,
  reservationExpiresAt: timer?.expiresAt ?? null,
  ...timer?.fields,
});

/**
 * Back to inventory (release, deallocate, a reservation that expired): a number that was in
 * service since it was last available cools down for its own cooldown period (0 turns cooldown
 * off); one whose reservation was never used is available at once. See docs/domain.md#cooldown.
 */
export function backToInventory(
  number: Pick<LifecycleFields, "inServiceSinceAvailable">,
  context: Pick<DecisionContext, "now" | "periods">,
): NumberChange {
  const cooldown = context.periods.cooldownDays;
  if (number.inServiceSinceAvailable && cooldown.days > 0) {
    const timer = startTimer(context.now, cooldown);
    return {
      fields: {
        ...NO_HOLD,
        state: "cooldown",
        cooldownUntil: timer.expiresAt,
        ...timer.fields,
        inServiceSinceAvailable: false,
      },
      effects: [...FORGET_HOLDER],
    };
  }
  return backToAvailable();
}

/** A lock that expired, or a cooldown that ended: available, carrying nothing of anyone. */
export function backToAvailable(): NumberChange {
  return { fields: available(), effects: [...FORGET_HOLDER] };
}
