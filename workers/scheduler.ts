import cron from "node-cron";
import * as sweep from "../jobs/sweep.js";
import type { Dependencies } from "../src/dependencies.js";
import { forgetExpiredIdempotencyKeys } from "../src/services/idempotency.js";
import { reconcilePendingTransitions } from "../src/services/reconcile.js";
import { dispatchWebhookDeliveries } from "../src/services/webhook-delivery.js";
import type { Role } from "./roles.js";

const RECONCILE_EVERY_MS = 5_000;
/** Webhook events wait at most this long in Postgres before their delivery job is queued. */
const DISPATCH_WEBHOOKS_EVERY_MS = 1_000;

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
    async () => {
      await reconcilePendingTransitions(deps);
      await forgetExpiredIdempotencyKeys(deps);
    },
    (error) => deps.log.warn({ err: error }, "reconcile failed; will retry"),
  );
  const stopSweeps = sweepOnCron(deps);
  const stopWebhookDispatch = every(
    DISPATCH_WEBHOOKS_EVERY_MS,
    () => dispatchWebhookDeliveries(deps),
    (error) => deps.log.warn({ err: error }, "webhook dispatch failed; will retry"),
  );
  deps.log.info("scheduler ready");
  return {
    name: "scheduler",
    close: async () => {
      await stopReconciler();
      await stopSweeps();
      await stopWebhookDispatch();
    },
  };
}

/**
 * Sweeps on SWEEP_CRON in every scheduler process, and once at start: a sweep acts on all that is
 * due as of its instant, so the first one after downtime catches up. Two schedulers may tick at
 * once; the sweep lock lets one run and the other skip (see docs/decisions.md).
 */
function sweepOnCron(deps: Dependencies) {
  if (!cron.validate(deps.config.sweepCron))
    throw new Error(`SWEEP_CRON "${deps.config.sweepCron}" is not a valid cron expression.`);
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = sweep
      .handle(deps, { scheduled: true })
      .catch((error) => deps.log.warn({ err: error }, "sweep failed; the next tick retries"));
    return running;
  };
  const log = deps.log.child({ task: "sweeps" });
  const task = cron.schedule(deps.config.sweepCron, tick, {
    name: "sweeps",
    noOverlap: true,
    logger: {
      info: (message) => log.debug(message),
      debug: (message) => log.debug(String(message)),
      warn: (message) => log.warn(message),
      error: (message, error) => log.error({ err: error }, String(message)),
    },
  });
  void tick();
  return async () => {
    await task.destroy();
    await running;
  };
}
