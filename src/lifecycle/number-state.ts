import type { PolicyFacts, PolicyKey, ResolvedPeriods } from "./policies.js";
import type { DeleteReason, OrganizationKind, ReservationKind, State } from "./states.js";

/** The life-cycle fields of one number: what decide() reads and what a change writes. */
export interface LifecycleFields {
  state: State;
  ownerId: string | null;
  subscriptionId: string | null;
  endUserId: string | null;
  reservationKind: ReservationKind | null;
  reservedAt: Date | null;
  reservationExpiresAt: Date | null;
  lockedAt: Date | null;
  lockExpiresAt: Date | null;
  lockRemark: string | null;
  cooldownUntil: Date | null;
  deletedReason: DeleteReason | null;
  /** True once the number was assigned since it was last available: it then cools down on the way back. */
  inServiceSinceAvailable: boolean;
  /**
   * When the running reservation, lock or cooldown started, if its expiry was computed from a
   * period (null: no timer, or one with an explicit expiry such as a charged reservation).
   */
  timerStartedAt: Date | null;
  /** The policy whose period set that timer; null when the configured default did. */
  timerPolicy: PolicyKey | null;
}

/** A number as decide() sees it: life-cycle fields plus the facts that rules and policies look at. */
export interface NumberSnapshot extends LifecycleFields, PolicyFacts {
  number: string;
  partnerId: string | null;
  siteId: string | null;
  mainNumber: boolean;
}

/** The fields a caller sent with the request (already shape-checked at the edge). */
export interface TransitionRequest {
  action: import("./states.js").Action;
  remark?: string | null;
  ownerId?: string | null;
  subscriptionId?: string | null;
  until?: Date | null;
  reason?: DeleteReason | null;
  endUserId?: string | null;
  /** lock: no expiry at all (the platform's own numbers, such as a voicemail access number). */
  permanent?: boolean | null;
}

export interface OrganizationFacts {
  id: string;
  kind: OrganizationKind;
  partnerId: string | null;
}

/** What a site rule needs to know about the organisation at the number's site. */
export interface SiteFacts {
  /** The organisation is the site's operator or one of its occupiers. */
  organizationAtSite: boolean;
  /** The organisation already holds a main number at this site (other than this one). */
  organizationHasMainNumber: boolean;
  /** Numbers of the organisation assigned (active) at the site. */
  activeNumbers: number;
  /** Voice services the organisation is entitled to at the site. */
  voiceServices: number;
}

export interface DecisionContext {
  now: Date;
  /** This number's periods under the policies in force (resolvePeriods). */
  periods: ResolvedPeriods;
  /** The organisation named by request.ownerId; null when the id names none. */
  requestedOwner?: OrganizationFacts | null;
  /** Present when the number is at a site and the action has site rules. */
  site?: SiteFacts | null;
}

/** Things a change does beside its fields, carried out in the same transaction. */
export type SideEffect =
  | "clear_settings"
  | "reset_pin"
  | "join_hunt_group"
  | "leave_hunt_group"
  /** A main number out of service no longer forwards its calls to the owner's hunt group. */
  | "stop_forwarding";

export interface NumberChange {
  fields: Partial<LifecycleFields>;
  effects: SideEffect[];
}
