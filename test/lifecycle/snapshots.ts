import type { NumberSnapshot } from "../../src/lifecycle/number-state.js";

/** A number as decide() sees it: available, at no site, with `overrides` on top. */
export function snapshot(overrides: Partial<NumberSnapshot> = {}): NumberSnapshot {
  return {
    number: "+6561234567",
    partnerId: null,
    siteId: null,
    mainNumber: false,
    state: "available",
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
    inServiceSinceAvailable: false,
    ...overrides,
  };
}
