import type { NamedNumberRow } from "../db/number-names.js";
import { toNumberView, toSnapshot } from "../db/numbers.js";
import { allowedActions } from "../lifecycle/allowed-actions.js";
import type { Principal } from "../services/principal.js";

/**
 * A number as the API shows it to one key: the stored fields, the names behind its ids, and the
 * actions this key may request now (`allowedActions`, from the pure life-cycle).
 */
export function numberView(row: NamedNumberRow, principal: Principal, now: Date) {
  return {
    ...toNumberView(row),
    ownerName: row.owner_name,
    partnerName: row.partner_name,
    siteName: row.site_name,
    allowedActions: allowedActions(toSnapshot(row), row.pending_transition_id !== null, principal.role, now),
  };
}
export type PersonNumberView = ReturnType<typeof numberView>;

/** A renderer bound to one request's key and instant, for lists. */
export const numberViews = (principal: Principal, now: Date) => (row: NamedNumberRow) =>
  numberView(row, principal, now);
