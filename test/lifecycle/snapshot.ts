import type { NumberSnapshot } from "../../src/lifecycle/number-state.js";

/** An available SG number with nothing held, for the pure rules' tests. */
export function numberSnapshot(overrides: Partial<NumberSnapshot> = {}): NumberSnapshot {
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
    timerStartedAt: null,
    timerPolicy: null,
    country: "SG",
    sku: "DID-SG",
    portedIn: false,
    golden: false,
    ...overrides,
  };
}
