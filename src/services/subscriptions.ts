import { randomUUID } from "node:crypto";
import { lockSubscriptionNumbers } from "../db/numbers.js";
import { insertPendingTransitions } from "../db/transitions.js";
import type { Dependencies } from "../dependencies.js";
import { AppError } from "../error-codes.js";
import { SUBSCRIPTION_EVENTS, type SubscriptionEventType } from "../lifecycle/states.js";
import type { Principal } from "./principal.js";
import { enqueueTransitions } from "./transitions.js";

/**
 * Billing reports a subscription event: one transition per assigned number of the subscription
 * (or per listed number), through the same queue as every other change. All or nothing: a listed
 * number that is not assigned on this subscription, or one with an update in progress, refuses
 * the whole event so billing can correct it and send it again.
 */
export async function reportSubscriptionEvent(
  deps: Dependencies,
  principal: Principal,
  subscriptionId: string,
  type: SubscriptionEventType,
  listed: string[] | undefined,
) {
  if (principal.role !== "platform_admin" && principal.role !== "partner_admin")
    throw new AppError("forbidden", `A ${principal.role} key may not report subscription events.`);
  const action = SUBSCRIPTION_EVENTS[type];
  const now = deps.clock.now();

  const transitions = await deps.db.transaction().execute(async (trx) => {
    const rows = await lockSubscriptionNumbers(trx, subscriptionId, principal.scope, listed);

    if (listed) {
      const found = new Set(rows.map((row) => row.number));
      const missing = listed.filter((number) => !found.has(number));
      if (missing.length > 0)
        throw new AppError(
          "invalid_state",
          `${missing.length} listed number(s) are not assigned on subscription ${subscriptionId}.`,
          missing.map((number) => ({
            number,
            code: "invalid_state",
            message: "Not assigned on this subscription.",
          })),
        );
    }
    const busy = rows.filter((row) => row.pending_transition_id);
    if (busy.length > 0)
      throw new AppError(
        "update_in_progress",
        `${busy.length} number(s) of the subscription have an update in progress; send the event again when they have finished.`,
        busy.map((row) => ({
          number: row.number,
          transitionId: row.pending_transition_id,
          action: row.pending_action,
        })),
      );

    const created = rows.map((row) => ({
      id: randomUUID(),
      number: row.number,
      request: { action, subscriptionId },
      actor: principal.actor,
      requestedAt: now,
    }));
    await insertPendingTransitions(trx, created);
    return created;
  });

  await enqueueTransitions(
    deps,
    transitions.map((transition) => transition.id),
  );
  return transitions.map((transition) => ({
    id: transition.id,
    number: transition.number,
    status: "pending" as const,
  }));
}
