import type { Dependencies } from "../dependencies.js";
import { type AppliedOutcome, applyTransition, applyTransitions } from "./apply-transition.js";

const MAX_BATCH = 32;
const MAX_FLUSHES_IN_FLIGHT = 4;

interface Waiting {
  transitionId: string;
  resolve: (outcome: AppliedOutcome | null) => void;
  reject: (error: unknown) => void;
}

export interface TransitionBatcher {
  /** Applies the transition in the next shared commit; resolves with its outcome. */
  apply(transitionId: string): Promise<AppliedOutcome | null>;
}

/**
 * Group commit for the jobs a worker holds at once: while a few batches are being written, the
 * jobs that arrive wait and go into the next one, so under load one commit carries many
 * transitions and when idle a job waits for nobody. A batch that fails (a deadlock, a bad row)
 * is retried one transition per transaction, so one job's trouble never fails its neighbours.
 * One per worker role (docs/decisions.md#the-worker-shares-commits-between-the-jobs-it-holds).
 */
export function createTransitionBatcher(deps: Dependencies): TransitionBatcher {
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
    apply(transitionId) {
      return new Promise<AppliedOutcome | null>((resolve, reject) => {
        waiting.push({ transitionId, resolve, reject });
        setImmediate(() => void flush());
      });
    },
  };
}
