import type { TransitionRequest } from "../lifecycle/number-state.js";
import type { Action, DeleteReason } from "../lifecycle/states.js";

/** A transition as stored in `transitions.request`: JSON-safe. */
export interface StoredRequest {
  action: Action;
  remark?: string | null;
  ownerId?: string | null;
  subscriptionId?: string | null;
  until?: string | null;
  reason?: DeleteReason | null;
  endUserId?: string | null;
  permanent?: boolean | null;
}

export const fromStored = (stored: StoredRequest): TransitionRequest => ({
  ...stored,
  until: stored.until ? new Date(stored.until) : null,
});
