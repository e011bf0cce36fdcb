import cron from "node-cron";
import * as dispatchWebhooks from "../jobs/dispatch-webhooks.js";
import * as forgetIdempotencyKeys from "../jobs/forget-idempotency-keys.js";
import * as reconcileTransitions from "../jobs/reconcile-transitions.js";
import * as sweep from "../jobs/sweep.js";
import type { Dependencies } from "../src/dependencies.js";
import type { RunningRole } from "./roles.js";

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

/** Housekeeping on fixed intervals, each a job in jobs/, each surviving its own failures. */
const TASKS = [
  { name: "reconcile", job: reconcileTransitions },
  { name: "webhook dispatch", job: dispatchWebhooks },
  { name: "idempotency-key cleanup", job: forgetIdempotencyKeys },
];

export async function startScheduler(deps: Dependencies): Promise<RunningRole> {
  const stops = TASKS.map(({ name, job }) =>
    every(
      job.everyMs,
      () => job.handle(deps),
      (error) => deps.log.warn({ err: error, task: name }, "scheduled task failed; will retry"),
    ),
  );
  const stopSweeps = sweepOnCron(deps);
  deps.log.info("scheduler ready");
  return {
    name: "scheduler",
    close: async () => {
      await Promise.all(stops.map((stop) => stop()));
      await stopSweeps();
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
