export const STATES = Object.freeze([
  "available",
  "reserved",
  "locked",
  "assigned",
  "cooldown",
  "deleted",
] as const);
export type State = (typeof STATES)[number];
/** What a number shows as its status: `pending` while a transition is in flight, else its state. */
export const NUMBER_STATUSES = Object.freeze(["pending", ...STATES] as const);
export type NumberStatus = (typeof NUMBER_STATUSES)[number];

/** Actions a caller may request on one number (docs/domain.md#transitions). */
export const REQUEST_ACTIONS = Object.freeze([
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
] as const);
export type RequestAction = (typeof REQUEST_ACTIONS)[number];

/** Subscription events from billing become transitions with these actions. */
export const SUBSCRIPTION_EVENTS = Object.freeze({
  expired: "subscription_expired",
  terminated: "subscription_terminated",
  swapped_out: "swapped_out",
} as const);
export type SubscriptionEventType = keyof typeof SUBSCRIPTION_EVENTS;
export type SubscriptionAction = (typeof SUBSCRIPTION_EVENTS)[SubscriptionEventType];

export type Action = RequestAction | SubscriptionAction;
export const ACTIONS: readonly Action[] = Object.freeze([
  ...REQUEST_ACTIONS,
  ...Object.values(SUBSCRIPTION_EVENTS),
]);

export const RESERVATION_KINDS = Object.freeze([
  "manual",
  "charged",
  "allocation",
  "subscription_expired",
  "subscription_terminated",
  "swapped_out",
] as const);
export type ReservationKind = (typeof RESERVATION_KINDS)[number];

export const DELETE_REASONS = Object.freeze(["ported_out", "returned_to_vendor", "faulty"] as const);
export type DeleteReason = (typeof DELETE_REASONS)[number];

export const CAPABILITIES = Object.freeze(["voice", "fax", "sms"] as const);
export type Capability = (typeof CAPABILITIES)[number];

export const ORGANIZATION_KINDS = Object.freeze(["customer", "partner"] as const);
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];

export const ROLES = Object.freeze(["platform_admin", "partner_admin", "customer_admin", "viewer"] as const);
export type Role = (typeof ROLES)[number];

/** Days before an expiry at which the reserver or support desk is told. */
export const NOTICE_DAYS = 7;

/**
 * History actions that are no transition: a number added, its attributes edited, what the sweeps
 * do, and a running timer recomputed under new policies.
 */
export const SYSTEM_ACTIONS = Object.freeze([
  "add",
  "edit",
  "reservation_expired",
  "lock_expired",
  "cooldown_ended",
  "policy_applied",
] as const);
export type SystemAction = (typeof SYSTEM_ACTIONS)[number];
export type HistoryAction = Action | SystemAction;

/** A transition is pending from acceptance until a worker applied or rejected it. */
export const TRANSITION_STATUSES = Object.freeze(["pending", "applied", "rejected"] as const);
export type TransitionStatus = (typeof TRANSITION_STATUSES)[number];
export type TransitionOutcome = Exclude<TransitionStatus, "pending">;

export const NOTICE_KINDS = Object.freeze(["reservation_expiring", "lock_expiring", "lock_expired"] as const);
export type NoticeKind = (typeof NOTICE_KINDS)[number];
/** Who a notice is for: the reserver, the inventory partner's support desk, the platform's. */
export const NOTICE_AUDIENCES = Object.freeze(["owner", "partner_support", "platform_support"] as const);
export type NoticeAudience = (typeof NOTICE_AUDIENCES)[number];
/** A notice is pending until its e-mail is sent, or failed once every attempt was used. */
export const NOTICE_STATUSES = Object.freeze(["pending", "sent", "failed"] as const);
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];
export type NoticeOutcome = Exclude<NoticeStatus, "pending">;

/** A webhook delivery is pending until a receiver acknowledged it, or failed for good. */
export const DELIVERY_STATUSES = Object.freeze(["pending", "delivered", "failed"] as const);
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
