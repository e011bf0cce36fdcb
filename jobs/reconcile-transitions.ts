import type { Dependencies } from "../src/dependencies.js";
import { reconcilePendingTransitions } from "../src/services/reconcile.js";

/** Scheduler task (no payload): pending transitions whose job was lost are handed over again. */
export const everyMs = 5_000;

export async function handle(deps: Dependencies) {
  return reconcilePendingTransitions(deps);
}
