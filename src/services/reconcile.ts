import { claimStalePending } from "../db/transitions.js";
import type { Dependencies } from "../dependencies.js";
import { enqueueTransitions } from "./transitions.js";

const BATCH = 1_000;

/**
 * Postgres is the truth: a pending transition whose job was lost (Redis wiped or down when it
 * was accepted, a job that ran out of retries) is handed to the queue again. BullMQ ignores an
 * add whose jobId it still holds, and the worker ignores a transition that is already finished,
 * so handing over too often costs a little work and never a double change.
 */
export async function reconcilePendingTransitions(deps: Dependencies): Promise<number> {
  let total = 0;
  for (;;) {
    const ids = await claimStalePending(deps.db, deps.config.reconcileAfterSeconds, BATCH);
    await enqueueTransitions(deps, ids);
    total += ids.length;
    if (ids.length < BATCH) break;
  }
  if (total > 0) deps.log.info({ transitions: total }, "re-enqueued pending transitions");
  return total;
}
