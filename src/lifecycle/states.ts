export const STATES = ["available", "reserved", "locked", "assigned", "cooldown", "deleted"] as const;
export type State = (typeof STATES)[number];

/** Actions a caller may request on one number (CONTRACT "Transitions"). */
export const REQUEST_ACTIONS = [
  "reserve",
  "extend",
  "release",
  "allocate",
  "deallocate",
  "assign",
  "activate",
  "deactivate",
  "assign_user",
  "unassign_user",
  "lock",
  "unlock",
  "delete",
  "recover",
] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];

/** Subscription events from billing become transitions with these actions. */
export const SUBSCRIPTION_EVENTS = {
  expired: "subscription_expired",
  terminated: "subscription_terminated",
  swapped_out: "swapped_out",
} as const;
export type SubscriptionEventType = keyof typeof SUBSCRIPTION_EVENTS;
export type SubscriptionAction = (typeof SUBSCRIPTION_EVENTS)[SubscriptionEventType];

export type Action = RequestAction | SubscriptionAction;
export const ACTIONS: readonly Action[] = [...REQUEST_ACTIONS, ...Object.values(SUBSCRIPTION_EVENTS)];

export const RESERVATION_KINDS = [
  "manual",
  "charged",
  "allocation",
  "subscription_expired",
  "subscription_terminated",
  "swapped_out",
] as const;
export type ReservationKind = (typeof RESERVATION_KINDS)[number];

export const DELETE_REASONS = ["ported_out", "returned_to_vendor", "faulty"] as const;
export type DeleteReason = (typeof DELETE_REASONS)[number];

export const CAPABILITIES = ["voice", "fax", "sms"] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const ORGANIZATION_KINDS = ["customer", "partner"] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];

export const ROLES = ["platform_admin", "partner_admin", "customer_admin", "viewer"] as const;
export type Role = (typeof ROLES)[number];

/** Days before an expiry at which the reserver or support desk is told. */
export const NOTICE_DAYS = 7;
