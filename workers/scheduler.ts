import type { Dependencies } from "../src/dependencies.js";
import { reconcilePendingTransitions } from "../src/services/reconcile.js";
import type { Role } from "./roles.js";

const RECONCILE_EVERY_MS = 5_000;

/** Runs a task every `ms`, never two at once, surviving its failures. */
function every(ms: number, task: () => Promise<unknown>, onError: (error: unknown) => void) {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = task()
      .catch(onError)
      .finally(() => {
        running = null;
      });
  }, ms);
  return async () => {
    clearInterval(timer);
    await running;
  };
}

export async function startScheduler(deps: Dependencies): Promise<Role> {
  const stopReconciler = every(
    RECONCILE_EVERY_MS,
    () => reconcilePendingTransitions(deps),
    (error) => deps.log.warn({ err: error }, "reconcile failed; will retry"),
  );
  deps.log.info("scheduler ready");
  return {
    name: "scheduler",
    close: async () => {
      await stopReconciler();
    },
  };
}
