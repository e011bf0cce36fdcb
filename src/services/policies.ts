import type { Db } from "../db/database.js";
import { type PolicySet, readPolicySet, replacePolicySet } from "../db/policies.js";
import type { Dependencies } from "../dependencies.js";
import { AppError } from "../error-codes.js";
import { belowLegalMinimum } from "../lifecycle/legal-minimum.js";
import type { NumberPolicy } from "../lifecycle/policies.js";
import type { Principal } from "./principal.js";

/**
 * The policy set, kept in memory by each process. Every decision reads the set's version in the
 * statement that locks its number (the API's, the worker's) and reloads the set only when another
 * process (or this one) replaced it: a decision never uses a set older than the one committed
 * when it began, however many API and worker processes run.
 */
export class PolicyCache {
  private cached: PolicySet | null = null;

  /** The set at `version`, which the caller read with its other reads, in one statement. */
  async atVersion(db: Db, version: number): Promise<readonly NumberPolicy[]> {
    if (this.cached?.version === version) return this.cached.policies;
    // Read with its own version in one statement: a set replaced meanwhile is simply newer.
    const set = await readPolicySet(db);
    this.cached = set;
    return set.policies;
  }
}

export async function listPolicies(db: Db): Promise<NumberPolicy[]> {
  return (await readPolicySet(db)).policies;
}

/**
 * Replaces the whole set (its shape is checked by the route's schema). A cooldown that
 * could let a US number age less than the legal minimum refuses the whole set, naming each
 * policy at fault; nothing changes then.
 */
export async function replacePolicies(
  deps: Dependencies,
  principal: Principal,
  policies: NumberPolicy[],
): Promise<NumberPolicy[]> {
  const breaches = belowLegalMinimum(policies);
  if (breaches.length > 0)
    throw new AppError(
      "below_legal_minimum",
      breaches.length === 1
        ? breaches[0]!.message
        : `${breaches.length} policies would let US numbers cool down for less than 45 days (47 CFR 52.15(f)(1)(ii)); see details.`,
      breaches.map((breach) => ({ field: `body.policies.${breach.index}.cooldownDays`, ...breach })),
    );
  await deps.db.transaction().execute(async (trx) => {
    await replacePolicySet(trx, policies, { at: deps.clock.now(), actor: principal.actor });
  });
  deps.log.info({ policies: policies.length, actor: principal.actor }, "number policies replaced");
  return listPolicies(deps.db);
}
