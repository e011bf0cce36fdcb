import type { RuleCode } from "../error-codes.js";
import { available, backToInventory, NO_HOLD, NO_TIMER, reservedFor } from "./holds.js";
import type {
  DecisionContext,
  LifecycleFields,
  NumberChange,
  NumberSnapshot,
  TransitionRequest,
} from "./number-state.js";
import type { Action, ReservationKind, State } from "./states.js";
import { startTimer, TIMED_RESERVATION_PERIODS } from "./timers.js";

export interface Refusal {
  code: RuleCode | "invalid_state";
  message: string;
}

export interface Rule {
  from: readonly State[];
  /** A refusal when a rule is broken, else undefined. Runs only when the state allows the action. */
  check?: (
    number: NumberSnapshot,
    request: TransitionRequest,
    context: DecisionContext,
  ) => Refusal | undefined;
  change: (number: NumberSnapshot, request: TransitionRequest, context: DecisionContext) => NumberChange;
}

const refuse = (code: Refusal["code"], message: string): Refusal => ({ code, message });

const fieldsOnly = (fields: Partial<LifecycleFields>): NumberChange => ({ fields, effects: [] });

const requireRemark = (request: TransitionRequest) =>
  request.remark?.trim()
    ? undefined
    : refuse("remark_required", `A remark is required to ${request.action} a number.`);

function requireKnownOwner(request: TransitionRequest, context: DecisionContext): Refusal | undefined {
  if (!request.ownerId)
    return refuse("owner_required", `An ownerId is required to ${request.action} a number.`);
  if (context.requestedOwner === null)
    return refuse("unknown_organization", `No organisation has the id ${request.ownerId}.`);
  return undefined;
}

function requireSameOwner(number: NumberSnapshot, request: TransitionRequest): Refusal | undefined {
  if (request.ownerId && number.ownerId && request.ownerId !== number.ownerId)
    return refuse(
      "owner_mismatch",
      `The number is reserved for organisation ${number.ownerId}, not ${request.ownerId}.`,
    );
  return undefined;
}

/** available → needs a known owner; reserved → the owner it is reserved for. */
function checkOwnerForService(
  number: NumberSnapshot,
  request: TransitionRequest,
  context: DecisionContext,
): Refusal | undefined {
  if (number.state === "available") return requireKnownOwner(request, context);
  return requireSameOwner(number, request);
}

/**
 * An allocation is a site's way of holding a number (no expiry, seed 001); a number at no site
 * has only the reservation, with its 28-day hold. Allocating one would be a reservation that
 * never expires.
 */
function requireSite(number: NumberSnapshot): Refusal | undefined {
  return number.siteId
    ? undefined
    : refuse("not_at_site", "Only a number at a site can be allocated; reserve this one instead.");
}

function checkSite(number: NumberSnapshot, context: DecisionContext, ownerId: string): Refusal | undefined {
  if (!number.siteId || !context.site) return undefined;
  if (!context.site.organizationAtSite)
    return refuse(
      "not_at_site",
      `Organisation ${ownerId} is neither the operator nor an occupier of the number's site.`,
    );
  return undefined;
}

function checkEntitlement(number: NumberSnapshot, context: DecisionContext): Refusal | undefined {
  const site = context.site;
  if (!number.siteId || !site) return undefined;
  if (site.activeNumbers >= site.voiceServices)
    return refuse(
      "no_entitlement",
      `The organisation has ${site.activeNumbers} active number(s) at this site and is entitled to ${site.voiceServices} voice service(s); add a voice service before activating another number.`,
    );
  return undefined;
}

const putInService = (number: NumberSnapshot, request: TransitionRequest): NumberChange => ({
  fields: {
    ...NO_HOLD,
    state: "assigned",
    ownerId: number.ownerId ?? request.ownerId ?? null,
    subscriptionId: request.subscriptionId ?? number.subscriptionId,
    inServiceSinceAvailable: true,
  },
  effects: ["join_hunt_group"],
});

function subscriptionEnded(kind: keyof typeof TIMED_RESERVATION_PERIODS & ReservationKind): Rule {
  return {
    from: ["assigned"],
    // Out of service: it no longer rings in the owner's hunt group.
    change: (number, _request, { now, periods }) => ({
      fields: {
        ...reservedFor(number.ownerId, kind, now, startTimer(now, periods[TIMED_RESERVATION_PERIODS[kind]])),
        subscriptionId: number.subscriptionId,
      },
      effects: ["leave_hunt_group"],
    }),
  };
}

/** One row per action: the transition table of docs/domain.md#transitions. */
export const RULES: Record<Action, Rule> = {
  reserve: {
    from: ["available"],
    check: (_number, request, context) => requireKnownOwner(request, context) ?? requireRemark(request),
    change: (_number, request, { now, periods }) =>
      fieldsOnly(reservedFor(request.ownerId!, "manual", now, startTimer(now, periods.reservationDays))),
  },
  extend: {
    from: ["reserved"],
    check: (number, request) => {
      if (!request.subscriptionId)
        return refuse(
          "subscription_required",
          "Extending a reservation needs the DID-reservation subscriptionId.",
        );
      if (!number.reservationExpiresAt)
        return refuse("invalid_state", "This reservation has no expiry, so there is nothing to extend.");
      if (!request.until || request.until <= number.reservationExpiresAt)
        return refuse(
          "until_not_later",
          `The new expiry must be later than the current one (${number.reservationExpiresAt.toISOString()}).`,
        );
      return undefined;
    },
    // The paid period's end, not a period of ours: no policy recomputes it.
    change: (number, request) =>
      fieldsOnly({
        reservationKind: "charged",
        reservationExpiresAt: request.until!,
        subscriptionId: request.subscriptionId!,
        ownerId: number.ownerId,
        ...NO_TIMER,
      }),
  },
  release: {
    from: ["reserved"],
    check: (_number, request) => requireRemark(request),
    change: (number, _request, context) => backToInventory(number, context),
  },
  allocate: {
    from: ["available"],
    check: (number, request, context) =>
      requireKnownOwner(request, context) ??
      requireSite(number) ??
      checkSite(number, context, request.ownerId!) ??
      checkMainNumber(number, context),
    change: (_number, request, { now }) => fieldsOnly(reservedFor(request.ownerId!, "allocation", now, null)),
  },
  deallocate: {
    from: ["reserved"],
    check: (number) =>
      number.reservationKind === "allocation"
        ? undefined
        : refuse(
            "invalid_state",
            "Only an allocated number can be deallocated; release a reservation instead.",
          ),
    change: (number, _request, context) => backToInventory(number, context),
  },
  assign: {
    from: ["available", "reserved"],
    check: (number, request, context) =>
      (request.subscriptionId
        ? undefined
        : refuse("subscription_required", "Assigning a number needs the subscriptionId it serves.")) ??
      checkOwnerForService(number, request, context) ??
      checkSite(number, context, number.ownerId ?? request.ownerId!) ??
      checkMainNumberFromAvailable(number, context),
    change: putInService,
  },
  activate: {
    from: ["available", "reserved"],
    check: (number, request, context) =>
      checkOwnerForService(number, request, context) ??
      checkSite(number, context, number.ownerId ?? request.ownerId!) ??
      checkMainNumberFromAvailable(number, context) ??
      checkEntitlement(number, context),
    change: putInService,
  },
  deactivate: {
    from: ["assigned"],
    check: (number) =>
      number.endUserId
        ? refuse(
            "assigned_to_end_user",
            `The number is assigned to end user ${number.endUserId}; unassign the user before deactivating it.`,
          )
        : undefined,
    // An allocated (site) number stays allocated; any other goes back to a free reservation.
    // Its settings are cleared (docs/sites.md), so a main number's forwarding to the hunt group ends.
    change: (number, _request, { now, periods }) => ({
      fields: number.siteId
        ? reservedFor(number.ownerId, "allocation", now, null)
        : reservedFor(number.ownerId, "manual", now, startTimer(now, periods.reservationDays)),
      effects: [
        "clear_settings",
        "reset_pin",
        "leave_hunt_group",
        ...(number.mainNumber && number.siteId ? (["stop_forwarding"] as const) : []),
      ],
    }),
  },
  assign_user: {
    from: ["assigned"],
    check: (_number, request) =>
      request.endUserId ? undefined : refuse("invalid_state", "An endUserId is required to assign a user."),
    change: (_number, request) => fieldsOnly({ endUserId: request.endUserId! }),
  },
  unassign_user: {
    from: ["assigned"],
    check: (number) =>
      number.endUserId ? undefined : refuse("invalid_state", "The number is not assigned to an end user."),
    change: () => fieldsOnly({ endUserId: null }),
  },
  lock: {
    from: ["available"],
    check: (_number, request, { now }) =>
      requireRemark(request) ??
      (request.until && request.until <= now
        ? refuse("until_not_later", "A lock's expiry must be in the future.")
        : undefined),
    change: (_number, request, { now, periods }) => {
      // An explicit `until` is the caller's, not a period's: no policy recomputes it.
      const timer = request.until || request.permanent ? null : startTimer(now, periods.lockDays);
      return fieldsOnly({
        ...NO_HOLD,
        state: "locked",
        lockedAt: now,
        // A permanent lock (platform_admin) never expires and sends no lock notices.
        lockExpiresAt: request.permanent ? null : (request.until ?? timer!.expiresAt),
        lockRemark: request.remark!.trim(),
        ...timer?.fields,
      });
    },
  },
  unlock: {
    from: ["locked"],
    check: (_number, request) => requireRemark(request),
    change: () => fieldsOnly(available()),
  },
  delete: {
    from: ["available", "locked"],
    check: (_number, request) =>
      (request.reason
        ? undefined
        : refuse(
            "reason_required",
            "Deleting a number needs a reason: ported_out, returned_to_vendor or faulty.",
          )) ?? requireRemark(request),
    change: (_number, request) =>
      fieldsOnly({ ...NO_HOLD, state: "deleted", deletedReason: request.reason! }),
  },
  recover: {
    from: ["deleted"],
    check: (_number, request) => requireRemark(request),
    change: () => fieldsOnly(available()),
  },
  subscription_expired: subscriptionEnded("subscription_expired"),
  subscription_terminated: subscriptionEnded("subscription_terminated"),
  swapped_out: subscriptionEnded("swapped_out"),
};

function checkMainNumber(number: NumberSnapshot, context: DecisionContext): Refusal | undefined {
  if (number.mainNumber && context.site?.organizationHasMainNumber)
    return refuse("main_number_taken", "The organisation already has a main number at this site.");
  return undefined;
}

/** Straight from available the number is allocated and activated at once: the main-number rule holds too. */
function checkMainNumberFromAvailable(number: NumberSnapshot, context: DecisionContext) {
  return number.state === "available" ? checkMainNumber(number, context) : undefined;
}
