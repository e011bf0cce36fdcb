import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { type BacklogRow, findBacklog } from "./db/backlog.js";
import { countPausedEndpoints } from "./db/webhook-endpoints.js";
import type { Dependencies } from "./dependencies.js";
import { type FailureReporter, failureReporter } from "./failure-log.js";
import { withTimeout } from "./queues.js";

/**
 * One registry per process: the worker observes transitions, the API serves /metrics, and with
 * `--role all` both live in the same process. Every name starts with `numbers_`; each is
 * documented in docs/operations.md.
 */
export const registry = new Registry();

export const httpRequestDuration = new Histogram({
  name: "numbers_http_request_duration_seconds",
  help: "HTTP request duration by method, route pattern and status code.",
  labelNames: ["method", "route", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const transitionLatency = new Histogram({
  name: "numbers_transition_latency_seconds",
  help: "From a transition being accepted (202) to a worker finishing it, by action and outcome.",
  labelNames: ["action", "outcome"] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
  registers: [registry],
});

export const transitionFailures = new Counter({
  name: "numbers_transition_failures_total",
  help: "Tries at applying a transition that failed with an error, by outcome: retry, or rejected (given up with internal_error).",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

const sweepDuration = new Histogram({
  name: "numbers_sweep_duration_seconds",
  help: "How long one sweep took, by sweep.",
  labelNames: ["sweep"] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  registers: [registry],
});

const sweepRows = new Histogram({
  name: "numbers_sweep_rows",
  help: "Rows (numbers or notices) one sweep touched, by sweep.",
  labelNames: ["sweep"] as const,
  buckets: [0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000],
  registers: [registry],
});

const sweepLastRun = new Gauge({
  name: "numbers_sweep_last_run_timestamp_seconds",
  help: "Unix time at which each sweep last finished.",
  labelNames: ["sweep"] as const,
  registers: [registry],
});

export const noticesTotal = new Counter({
  name: "numbers_notices_total",
  help: "Notices whose e-mail was sent or failed, by kind and outcome.",
  labelNames: ["kind", "outcome"] as const,
  registers: [registry],
});

export const webhookDeliveryAttempts = new Counter({
  name: "numbers_webhook_delivery_attempts_total",
  help: "Webhook delivery attempts by outcome: delivered, retry (will try again) or failed (gave up).",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

export const webhookDeliveryPostponed = new Counter({
  name: "numbers_webhook_deliveries_postponed_total",
  help: "Webhook deliveries put off without an attempt, by reason: endpoint_paused (its server's circuit is open) or endpoint_busy (WEBHOOK_ENDPOINT_CONCURRENCY reached).",
  labelNames: ["reason"] as const,
  registers: [registry],
});

export const webhookCircuitOpened = new Counter({
  name: "numbers_webhook_circuit_opened_total",
  help: "Times a receiving server's deliveries were paused after WEBHOOK_BREAKER_FAILURES consecutive failures.",
  registers: [registry],
});

/**
 * For the sweeps: call once per sweep when it has finished, with its wall time and the rows it
 * touched (`observeSweep("reservations", 0.42, 1200)`).
 */
export function observeSweep(sweep: string, seconds: number, rows: number, finishedAt = new Date()): void {
  sweepDuration.observe({ sweep }, seconds);
  sweepRows.observe({ sweep }, rows);
  sweepLastRun.set({ sweep }, finishedAt.getTime() / 1000);
}

/** Accepted → applied/rejected, from the transition's own timestamps. */
export function observeTransition(action: string, outcome: string, requestedAt: Date, finishedAt: Date) {
  transitionLatency.observe(
    { action, outcome },
    Math.max(0, finishedAt.getTime() - requestedAt.getTime()) / 1000,
  );
}

type Watched = Pick<Dependencies, "db" | "queues" | "clock" | "log"> & { heard: FailureReporter };
let watched: Watched | null = null;
let processMetricsStarted = false;

/**
 * Gauges read on scrape from Redis (queue depths) and Postgres (the backlog of pending work), so
 * every process reports the same global figures: aggregate them with max(), not sum().
 * Returns a function that stops watching these dependencies.
 */
export function watchDependencies(deps: Pick<Dependencies, "db" | "queues" | "clock" | "log">): () => void {
  const source = { ...deps, heard: failureReporter(deps.log) };
  watched = source;
  if (!processMetricsStarted) {
    processMetricsStarted = true;
    collectDefaultMetrics({ register: registry, prefix: "numbers_" });
  }
  return () => {
    if (watched === source) watched = null;
  };
}

const SCRAPE_TIMEOUT_MS = 2_000;
// Webhook deliveries are queued with a priority (fair turns between organisations): BullMQ keeps
// such jobs as "prioritized" rather than "waiting".
const JOB_STATES = ["waiting", "prioritized", "active", "failed", "delayed"] as const;

new Gauge({
  name: "numbers_queue_jobs",
  help: "Jobs per BullMQ queue and state (waiting, prioritized, active, failed, delayed), read on scrape.",
  labelNames: ["queue", "state"] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const source = watched;
    if (!source) return;
    await Promise.all(
      Object.entries(source.queues).map(async ([name, queue]) => {
        const counts = await withTimeout(
          queue.getJobCounts(...JOB_STATES),
          SCRAPE_TIMEOUT_MS,
          "queue counts",
        );
        for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
      }),
    ).catch((error) => source.heard("metrics: queue gauges", error));
  },
});

let backlogRead: { at: number; rows: Promise<BacklogRow[]> } | null = null;

/** Both backlog gauges collect concurrently on one scrape; they share one query. */
function readBacklog(source: Watched): Promise<BacklogRow[]> {
  const at = Date.now();
  if (backlogRead && at - backlogRead.at < 1_000) return backlogRead.rows;
  const rows = withTimeout(findBacklog(source.db), SCRAPE_TIMEOUT_MS, "backlog gauges");
  rows.catch((error) => source.heard("metrics: backlog gauges", error));
  backlogRead = { at, rows };
  return rows;
}

new Gauge({
  name: "numbers_backlog",
  help: "Work recorded in Postgres and not yet finished, by kind: transitions, webhook_deliveries.",
  labelNames: ["kind"] as const,
  registers: [registry],
  async collect() {
    this.reset();
    if (!watched) return;
    const rows = await readBacklog(watched).catch(() => []);
    for (const row of rows) this.set({ kind: row.kind }, Number(row.count));
  },
});

new Gauge({
  name: "numbers_backlog_oldest_age_seconds",
  help: "Age of the oldest unfinished item per kind (0 when there is none), read on scrape.",
  labelNames: ["kind"] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const source = watched;
    if (!source) return;
    const rows = await readBacklog(source).catch(() => []);
    const now = source.clock.now().getTime();
    for (const row of rows)
      this.set({ kind: row.kind }, row.oldest ? Math.max(0, (now - row.oldest.getTime()) / 1000) : 0);
  },
});

new Gauge({
  name: "numbers_webhook_endpoints_paused",
  help: "Receiving servers whose webhook deliveries are paused right now (circuit open), read on scrape.",
  registers: [registry],
  async collect() {
    this.reset();
    const source = watched;
    if (!source) return;
    const paused = await withTimeout(
      countPausedEndpoints(source.db),
      SCRAPE_TIMEOUT_MS,
      "paused endpoints",
    ).catch((error) => {
      source.heard("metrics: paused endpoints gauge", error);
      return null;
    });
    if (paused !== null) this.set(paused);
  },
});
