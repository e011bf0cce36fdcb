import type { Transaction } from "kysely";
import type { Config } from "../config.js";
import type { Database } from "../db/tables.js";
import type { DecisionContext, NumberSnapshot, TransitionRequest } from "../lifecycle/number-state.js";

/** Gathers what decide() needs beyond the number row, inside the caller's transaction. */
export async function loadDecisionContext(
  trx: Transaction<Database>,
  _number: NumberSnapshot,
  request: TransitionRequest,
  config: Pick<Config, "cooldownDays" | "lockPeriodDays">,
  now: Date,
): Promise<DecisionContext> {
  const context: DecisionContext = {
    now,
    cooldownDays: config.cooldownDays,
    lockPeriodDays: config.lockPeriodDays,
  };
  if (request.ownerId) {
    const owner = await trx
      .selectFrom("organizations")
      .select(["id", "kind", "partner_id"])
      .where("id", "=", request.ownerId)
      .executeTakeFirst();
    context.requestedOwner = owner
      ? { id: owner.id, kind: owner.kind as "customer" | "partner", partnerId: owner.partner_id }
      : null;
  }
  return context;
}
