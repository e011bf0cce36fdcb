import { backToAvailable, backToInventory } from "./holds.js";
import type { DecisionContext, LifecycleFields, NumberChange } from "./number-state.js";
import type { PeriodName } from "./policies.js";
import type { State, SystemAction } from "./states.js";

/** A timer that runs out: the numbers in `state` whose `due` instant has passed change by `change`. */
export interface Expiry {
  state: State;
  due: "reservationExpiresAt" | "lockExpiresAt" | "cooldownUntil";
  /** How history names the change. */
  action: SystemAction;
  /** The number's own period the change depends on, if any (its policy decides it per number). */
  period: PeriodName | null;
  change: (
    number: Pick<LifecycleFields, "inServiceSinceAvailable">,
    context: Pick<DecisionContext, "now" | "periods">,
  ) => NumberChange;
}

/**
 * What the sweeps do, as pure changes (docs/domain.md#timers-and-sweeps). src/db/sweeps.ts
 * writes each one as a single set-based statement derived from these definitions.
 */
export const EXPIRIES: Readonly<Record<"reservation" | "lock" | "cooldown", Expiry>> = Object.freeze({
  reservation: {
    state: "reserved",
    due: "reservationExpiresAt",
    action: "reservation_expired",
    period: "cooldownDays",
    change: backToInventory,
  },
  lock: {
    state: "locked",
    due: "lockExpiresAt",
    action: "lock_expired",
    period: null,
    change: backToAvailable,
  },
  cooldown: {
    state: "cooldown",
    due: "cooldownUntil",
    action: "cooldown_ended",
    period: null,
    change: backToAvailable,
  },
});
