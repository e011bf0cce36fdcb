import { z } from "zod";
import type { Db } from "../src/db/database.js";
import type { Dependencies } from "../src/dependencies.js";
import { observeTransition } from "../src/metrics.js";
import { QUEUE_NAMES } from "../src/queues.js";
import { type AppliedOutcome, applyTransition, applyTransitions } from "../src/services/apply-transition.js";
import { parsePayload } from "./payload.js";

export const queueName = QUEUE_NAMES.transitions;
export const payloadSchema = z.strictObject({ transitionId: z.uuid() });

/** Safe to run twice: a finished transition is left alone. Database errors throw, so BullMQ retries. */
export async function handle(deps: Dependencies, data: unknown) {
  const { transitionId } = parsePayload(payloadSchema, data);
  const log = deps.log.child({ transitionId });
  const outcome = await batcherFor(deps).apply(transitionId);
  if (!outcome) return outcome;
  observeTransition(outcome.action, outcome.status, outcome.requestedAt, outcome.finishedAt);
  log.info({ number: outcome.number, action: outcome.action, status: outcome.status }, "transition finished");
  return outcome;
}

const MAX_BATCH = 32;
const MAX_FLUSHES_IN_FLIGHT = 4;

interface Waiting {
  transitionId: string;
  resolve: (outcome: AppliedOutcome | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the jobs a worker holds at once: while a few batches are being written, the
 * jobs that arrive wait and go into the next one, so under load one commit carries many
 * transitions and when idle a job waits for nobody. A batch that fails (a deadlock, a bad row)
 * is retried one transition per transaction, so one job's trouble never fails its neighbours.
 */
function createBatcher(deps: Dependencies) {
  const waiting: Waiting[] = [];
  let inFlight = 0;

  async function flush() {
    if (inFlight >= MAX_FLUSHES_IN_FLIGHT || waiting.length === 0) return;
    const batch = waiting.splice(0, MAX_BATCH);
    inFlight++;
    try {
      const outcomes = await applyTransitions(
        deps,
        batch.map((entry) => entry.transitionId),
      );
      for (const entry of batch) entry.resolve(outcomes.get(entry.transitionId) ?? null);
    } catch {
      for (const entry of batch) applyTransition(deps, entry.transitionId).then(entry.resolve, entry.reject);
    } finally {
      inFlight--;
      void flush();
    }
  }

  return {
    apply(transitionId: string) {
      return new Promise<AppliedOutcome | null>((resolve, reject) => {
        waiting.push({ transitionId, resolve, reject });
        setImmediate(() => void flush());
      });
    },
  };
}

// One batcher per worker process (per database handle; tests run several in one process).
const batchers = new WeakMap<Db, ReturnType<typeof createBatcher>>();
function batcherFor(deps: Dependencies) {
  let batcher = batchers.get(deps.db);
  if (!batcher) {
    batcher = createBatcher(deps);
    batchers.set(deps.db, batcher);
  }
  return batcher;
}
