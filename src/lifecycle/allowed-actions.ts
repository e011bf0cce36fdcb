import { accepts } from "./decide.js";
import type { DecisionContext, NumberSnapshot, TransitionRequest } from "./number-state.js";
import { defaultPeriods, resolvePeriods } from "./policies.js";
import { type Action, REQUEST_ACTIONS, type RequestAction, type Role } from "./states.js";

/** The operations team's own actions (docs/domain.md#organisations-and-roles); partners may request the rest. */
const PLATFORM_ONLY_ACTIONS: readonly Action[] = ["lock", "unlock", "delete", "recover"];
/** What a customer's admin does with the numbers it holds: release, use, give to its users. */
const CUSTOMER_ACTIONS: readonly Action[] = [
  "release",
  "activate",
  "deactivate",
  "assign_user",
  "unassign_user",
];

/** Whether a key of this role may request `action` at all, whatever the number. */
export function mayRequest(role: Role, action: Action): boolean {
  switch (role) {
    case "platform_admin":
      return true;
    case "partner_admin":
      return REQUEST_ACTIONS.includes(action as RequestAction) && !PLATFORM_ONLY_ACTIONS.includes(action);
    case "customer_admin":
      return CUSTOMER_ACTIONS.includes(action);
    case "viewer":
      return false;
  }
}

/** An expiry later than any a reservation can have: extending to it is never "not later". */
const LATEST = new Date(8_640_000_000_000_000);
/** Stands for the organisation a person would pick; whether it exists is a fact about other rows. */
const SOME_OWNER = "00000000-0000-4000-8000-000000000000";

/**
 * The request a person would send after filling in every field the action asks for: a remark,
 * an owner, a subscription, a later expiry, a reason, an end user. What is left to refuse it is
 * then the number itself.
 */
function completedRequest(number: NumberSnapshot, action: RequestAction): TransitionRequest {
  return {
    action,
    remark: "filled in",
    ownerId: number.ownerId ?? SOME_OWNER,
    subscriptionId: "filled in",
    // A lock without `until` takes the default period; any other action is given the latest expiry.
    until: action === "lock" ? null : LATEST,
    reason: "faulty",
    endUserId: "filled in",
  };
}

/** Periods change what an action does, never whether it is allowed: any will do here. */
const ANY_PERIODS = resolvePeriods(
  [],
  { country: "", sku: "", portedIn: false, golden: false },
  defaultPeriods({ cooldownDays: 0, lockPeriodDays: 1 }),
);

/**
 * The actions a key of `role` may request for `number` now (the number JSON's `allowedActions`).
 * Decided by the rule table and steps of `decide()` that the API and the worker use (`accepts`),
 * with what other rows would say left open: the owner is taken to exist and the site to have
 * room, so an action listed here can still be rejected for `no_entitlement`, `main_number_taken`, `not_at_site` or
 * `unknown_organization`, and an action not listed is always refused. Nothing while a transition
 * is pending, nothing for a viewer.
 */
export function allowedActions(
  number: NumberSnapshot,
  pending: boolean,
  role: Role,
  now: Date,
): RequestAction[] {
  if (pending) return [];
  const openContext: DecisionContext = { now, periods: ANY_PERIODS };
  return REQUEST_ACTIONS.filter(
    (action) => mayRequest(role, action) && accepts(number, completedRequest(number, action), openContext),
  );
}
