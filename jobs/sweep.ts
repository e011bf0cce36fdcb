import { z } from "zod";
import type { Dependencies } from "../src/dependencies.js";
import { runScheduledSweeps, runSweeps } from "../src/services/sweeps.js";
import { parsePayload } from "./payload.js";

/**
 * The sweeps as a job. The scheduler runs it on SWEEP_CRON in its own process (not through a
 * BullMQ queue: expiries must keep being applied while Redis is away); `scheduled` ticks skip
 * when another process is already sweeping, by-hand runs wait their turn.
 */
export const payloadSchema = z.strictObject({
  at: z.iso.datetime({ offset: true }).optional(),
  dryRun: z.boolean().default(false),
  scheduled: z.boolean().default(false),
});

export async function handle(deps: Dependencies, data: unknown) {
  const payload = parsePayload(payloadSchema, data);
  if (payload.scheduled) return runScheduledSweeps(deps);
  return runSweeps(deps, {
    at: payload.at ? new Date(payload.at) : undefined,
    dryRun: payload.dryRun,
  });
}
