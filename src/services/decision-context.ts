import type { Config } from "../config.js";
import type { Db, Trx } from "../db/database.js";
import { findOrganization } from "../db/organizations.js";
import { loadSiteFacts } from "../db/sites.js";
import type { DecisionContext, NumberSnapshot, TransitionRequest } from "../lifecycle/number-state.js";
import { defaultPeriods, type NumberPolicy, resolvePeriods } from "../lifecycle/policies.js";
import type { Action } from "../lifecycle/states.js";

/** Actions whose rules look at the organisation's standing at the number's site. */
const SITE_ACTIONS: ReadonlySet<Action> = new Set(["allocate", "assign", "activate"]);

/** The settings periods come from: the configured defaults and the policy set in force. */
export interface PeriodSources {
  config: Pick<Config, "cooldownDays" | "lockPeriodDays">;
  policies: readonly NumberPolicy[];
}

/**
 * Gathers what decide() needs beyond the number row. The worker, which decides for good, passes
 * its transaction as `serializeIn`; the API's decision is a check before the worker's (docs/domain.md).
 */
export async function loadDecisionContext(
  db: Db,
  number: NumberSnapshot,
  request: TransitionRequest,
  sources: PeriodSources,
  now: Date,
  known: {
    /** The requested owner when the caller has already read it (null: no such organisation). */
    requestedOwner?: DecisionContext["requestedOwner"];
    /** Where rules that count other numbers serialise on the organisation's entitlement row. */
    serializeIn?: Trx;
  } = {},
): Promise<DecisionContext> {
  const context: DecisionContext = {
    now,
    periods: resolvePeriods(sources.policies, number, defaultPeriods(sources.config)),
  };
  if (request.ownerId && known.requestedOwner !== undefined) context.requestedOwner = known.requestedOwner;
  else if (request.ownerId) {
    const owner = await findOrganization(db, request.ownerId);
    context.requestedOwner = owner ? { id: owner.id, kind: owner.kind, partnerId: owner.partnerId } : null;
  }
  const inUsableState = number.state === "available" || number.state === "reserved";
  if (number.siteId && inUsableState && SITE_ACTIONS.has(request.action)) {
    // allocate names the new holder; activate/assign serve the holder the number is reserved for.
    const organizationId =
      request.action === "allocate" ? request.ownerId : (number.ownerId ?? request.ownerId);
    if (organizationId && context.requestedOwner !== null) {
      // Serialise on the organisation's entitlement row where a rule counts other numbers:
      // the entitlement (activate) and the one-main-number rule.
      const serialize = request.action === "activate" || number.mainNumber;
      context.site = await loadSiteFacts(
        db,
        { number: number.number, siteId: number.siteId },
        organizationId,
        {
          lockIn: serialize ? (known.serializeIn ?? null) : null,
          now,
        },
      );
    }
  }
  return context;
}
