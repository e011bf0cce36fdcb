import type { Dependencies } from "../src/dependencies.js";
import { forgetExpiredIdempotencyKeys } from "../src/services/idempotency.js";

/** Scheduler task (no payload): Idempotency-Keys older than their window are deleted. */
export const everyMs = 60_000;

export async function handle(deps: Dependencies) {
  return forgetExpiredIdempotencyKeys(deps);
}
