import type { DecisionContext, LifecycleFields, NumberChange, SideEffect } from "./number-state.js";
import { addDays } from "./periods.js";
import type { ReservationKind } from "./states.js";

/**
 * Every hold a number can carry, cleared: no owner, subscription or end user, no reservation,
 * lock, cooldown or deletion. Each change that moves a number starts from this, so nothing of an
 * earlier hold survives into the next one.
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
});

/** What a number forgets of its last holder when it goes back to inventory: settings and PIN. */
const FORGET_HOLDER: readonly SideEffect[] = Object.freeze(["clear_settings", "reset_pin"]);

export const available = (): Partial<LifecycleFields> => ({
  ...NO_HOLD,
  state: "available",
  inServiceSinceAvailable: false,
});

export const reservedFor = (
  ownerId: string | null,
  kind: ReservationKind,
  now: Date,
  expiresAt: Date | null,
): Partial<LifecycleFields> => ({
  ...NO_HOLD,
  state: "reserved",
  ownerId,
  reservationKind: kind,
  reservedAt: now,
  reservationExpiresAt: expiresAt,
});

/**
 * Back to inventory (release, deallocate, a reservation that expired): a number that was in
 * service since it was last available cools down for `cooldownDays` (0 turns cooldown off); one
 * whose reservation was never used is available at once. See docs/domain.md#cooldown.
 */
export function backToInventory(
  number: Pick<LifecycleFields, "inServiceSinceAvailable">,
  context: Pick<DecisionContext, "now" | "cooldownDays">,
): NumberChange {
  if (number.inServiceSinceAvailable && context.cooldownDays > 0)
    return {
      fields: {
        ...NO_HOLD,
        state: "cooldown",
        cooldownUntil: addDays(context.now, context.cooldownDays),
        inServiceSinceAvailable: false,
      },
      effects: [...FORGET_HOLDER],
    };
  return backToAvailable();
}

/** A lock that expired, or a cooldown that ended: available, carrying nothing of anyone. */
export function backToAvailable(): NumberChange {
  return { fields: available(), effects: [...FORGET_HOLDER] };
}
