import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { Queue } from "bullmq";
import pg from "pg";
import { parseConfig } from "../src/config.js";
import {
  type AppProcess,
  type BenchStack,
  closedLoop,
  cpuMsPer,
  httpRequest,
  openLoop,
  progress,
  rate,
  ratio,
  startApp,
  startCpuMeter,
  startStack,
  statementReport,
  summarize,
} from "./support.js";
import {
  type Action,
  applyDirectly,
  numbersFrom,
  outcomeOf,
  seed,
  seedMinimalSchema,
  untilNothingPending,
  walCounters,
  walPerTransition,
} from "./transitions-sql.js";

/*
 * `npm run bench -- transitions`: reserve then release, through the real HTTP API into one api
 * and one worker process, against the same transitions applied by direct SQL in this process
 * (the baseline, measured before and after). Each phase reserves for at most its seconds, then
 * releases what it reserved, so the run keeps to a few minutes however busy the machine is.
 */
const NUMBERS = 20_000; // per pool: saturated, half-rate and each of the two baselines
const WARMUP = { numbers: 1_000, seconds: 5 };
const SATURATED_SECONDS = 30;
const HALF_RATE_SECONDS = 15;
const BASELINE_SECONDS = 15;
const CLIENTS = 32;
const BASELINE_CONNECTIONS = 8;
const POOLS = {
  saturated: "+6581",
  baseline: "+6582",
  warmup: "+6583",
  baselineAgain: "+6584",
  halfRate: "+6585",
  minimal: "+6586",
};

export async function run(): Promise<object> {
  progress("starting Postgres and Redis");
  const stack = await startStack();
  const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: BASELINE_CONNECTIONS });
  const apps: AppProcess[] = [];
  try {
    progress("seeding numbers");
    const ownerId = await seed(
      pool,
      Object.entries(POOLS).map(([name, prefix]) => ({
        prefix,
        count: name === "warmup" ? WARMUP.numbers : NUMBERS,
      })),
    );
    await seedMinimalSchema(pool, POOLS.minimal);
    const minimalPool = new pg.Pool({
      connectionString: stack.databaseUrl,
      max: BASELINE_CONNECTIONS,
      options: "-c search_path=minimal",
    });
    progress("baseline (direct SQL)");
    const baselineBefore = await baseline(pool, stack, ownerId, POOLS.baseline);
    progress("baseline on the minimal schema (primary keys only)");
    const minimal = await baseline(minimalPool, stack, ownerId, POOLS.minimal).finally(() =>
      minimalPool.end(),
    );

    const adminKey = `nk_bench_${randomBytes(24).toString("base64url")}`;
    const env = { NUMBERS_ADMIN_KEY: adminKey };
    progress("starting the api and worker processes");
    const api = await startApp(stack, "api", env);
    apps.push(api);
    const queue = new Queue("transitions", { connection: { url: stack.redisUrl } });
    const worker = await startApp(stack, "worker", env, async () => (await queue.getWorkersCount()) > 0);
    await queue.close();
    apps.push(worker);
    const drive = driver(pool, stack, { api, worker }, adminKey, ownerId);

    await drive("warmup", numbersFrom(POOLS.warmup, WARMUP.numbers), {
      clients: CLIENTS,
      seconds: WARMUP.seconds,
    });
    await statementReport(pool);
    const saturated = await drive("saturated", numbersFrom(POOLS.saturated, NUMBERS), {
      clients: CLIENTS,
      seconds: SATURATED_SECONDS,
    });
    const statements = await statementReport(pool);
    const halfRate = Math.max(1, Math.round(saturated.appliedPerSecond / 2));
    const count = Math.min(NUMBERS, halfRate * HALF_RATE_SECONDS);
    const half = await drive("half-rate", numbersFrom(POOLS.halfRate, count), { perSecond: halfRate });
    progress("baseline again (direct SQL)");
    const baselineAfter = await baseline(pool, stack, ownerId, POOLS.baselineAgain);

    const baselinePerSecond = Math.round(
      (baselineBefore.appliedPerSecond + baselineAfter.appliedPerSecond) / 2,
    );
    const config = parseConfig({ ...process.env, ...env });
    return {
      settings: {
        secondsReserving: {
          saturated: SATURATED_SECONDS,
          halfRate: HALF_RATE_SECONDS,
          baseline: BASELINE_SECONDS,
        },
        clients: CLIENTS,
        baselineConnections: BASELINE_CONNECTIONS,
        workerConcurrency: config.workerConcurrency,
        databasePoolSize: config.databasePoolSize,
        postgres: "fsync on, synchronous_commit on",
      },
      summary: {
        acceptedPerSecond: saturated.acceptedPerSecond,
        appliedPerSecond: saturated.appliedPerSecond,
        baselinePerSecond,
        ratio: ratio(saturated.appliedPerSecond, baselinePerSecond),
        minimalSchemaPerSecond: minimal.appliedPerSecond,
        /** What the product's indexes and foreign keys leave of the baseline (target ≥ 0.8). */
        baselineToMinimalSchema: ratio(baselineBefore.appliedPerSecond, minimal.appliedPerSecond),
        acceptHttpMsAtSaturation: saturated.acceptHttpMs,
        transitionsPerWorkerCommit: saturated.transitionsPerWorkerCommit,
        saturatedLatencyMs: saturated.acceptToAppliedMs,
        halfRatePerSecond: halfRate,
        halfRateLatencyMs: half.acceptToAppliedMs,
        peakRssMiB: { api: api.peakRssMiB(), worker: worker.peakRssMiB() },
        /** Where a transition's CPU goes: on 2 busy cores, the ratio follows these totals. */
        cpuMsPerTransition: {
          endToEnd: saturated.cpuMsPerTransition,
          baseline: baselineBefore.cpuMsPerTransition,
          ratio: ratio(saturated.cpuMsPerTransition.total!, baselineBefore.cpuMsPerTransition.total!),
        },
        /** CPU taken by processes outside this benchmark (the machine is shared) while saturated. */
        othersCpuShare: ratio(saturated.cpuSeconds.other!, saturated.cpuSeconds.machine!),
        loadAverage: Number(loadavg()[0]!.toFixed(1)),
      },
      baseline: { before: baselineBefore, after: baselineAfter, minimalSchema: minimal },
      saturated,
      ...(statements ? { statementsWhileSaturated: statements } : {}),
      halfRate: half,
    };
  } finally {
    for (const app of apps.reverse()) await app.stop();
    await pool.end();
    await stack.stop();
  }
}

/**
 * The floor: what Postgres does for one transition, one transaction each, on 8 connections —
 * lock the number, change it, write its history entry and its finished transitions row.
 */
export async function baseline(pool: pg.Pool, stack: BenchStack, ownerId: string, prefix: string) {
  const numbers = numbersFrom(prefix, NUMBERS);
  const wal = await walCounters(pool);
  const meter = startCpuMeter({ postgres: stack.postgresPid, redis: stack.redisPid });
  const started = performance.now();
  const apply = (action: Action) => (i: number) => applyDirectly(pool, numbers[i]!, action, ownerId);
  const reserved = await closedLoop(numbers.length, BASELINE_CONNECTIONS, apply("reserve"), BASELINE_SECONDS);
  await closedLoop(reserved, BASELINE_CONNECTIONS, apply("release"));
  const seconds = (performance.now() - started) / 1000;
  const transitions = reserved * 2;
  const cpu = meter();
  return {
    transitions,
    appliedPerSecond: rate(transitions, seconds),
    ...cpu,
    cpuMsPerTransition: cpuMsPer(cpu.cpuSeconds, transitions),
    ...(await walPerTransition(pool, wal, transitions)),
  };
}

type Load = { clients: number; seconds?: number } | { perSecond: number };

/**
 * Reserves numbers (for at most `seconds` when closed-loop), waits until the worker has applied
 * them all, then releases the same numbers: closed-loop with `clients` concurrent clients
 * (saturation) or open-loop at `perSecond`.
 */
export function driver(
  pool: pg.Pool,
  stack: BenchStack,
  apps: { api: AppProcess; worker: AppProcess },
  key: string,
  ownerId: string,
) {
  const headers = { authorization: `Bearer ${key}` };
  const pids = {
    api: apps.api.pid,
    worker: apps.worker.pid,
    postgres: stack.postgresPid,
    redis: stack.redisPid,
  };
  return async (label: string, numbers: string[], load: Load) => {
    const wal = await walCounters(pool);
    const meter = startCpuMeter(pids);
    const acceptMs: number[] = [];
    const statuses: Record<string, number> = {};
    let maxBacklog = 0;
    let sendingSeconds = 0;
    let lagMs = 0;
    let count = numbers.length;
    const remarks = (["reserve", "release"] as Action[]).map((action) => `bench ${label} ${action}`);
    for (const [index, action] of (["reserve", "release"] as Action[]).entries()) {
      const body = { action, remark: remarks[index], ...(action === "reserve" ? { ownerId } : {}) };
      const send = async (i: number) => {
        const started = performance.now();
        const url = `http://127.0.0.1:${apps.api.port}/v1/numbers/${encodeURIComponent(numbers[i]!)}/transitions`;
        const response = await httpRequest(url, "POST", { body, headers, maxSockets: 64 });
        acceptMs.push(performance.now() - started);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      };
      progress(`${label}: ${action}`);
      const sendingStarted = performance.now();
      if ("clients" in load)
        count = await closedLoop(count, load.clients, send, action === "reserve" ? load.seconds : undefined);
      else lagMs = Math.max(lagMs, (await openLoop(count, load.perSecond, 64, send)).lagMs);
      sendingSeconds += (performance.now() - sendingStarted) / 1000;
      maxBacklog = Math.max(maxBacklog, await untilNothingPending(pool));
    }
    const outcome = await outcomeOf(pool, remarks);
    const cpu = meter();
    return {
      transitions: outcome.transitions,
      statuses,
      acceptedPerSecond: rate(acceptMs.length, sendingSeconds),
      appliedPerSecond: outcome.appliedPerSecond,
      applied: outcome.applied,
      acceptHttpMs: summarize(acceptMs),
      acceptToAppliedMs: outcome.latencyMs,
      transitionsPerWorkerCommit: outcome.transitionsPerWorkerCommit,
      backlogWhenSendingStopped: maxBacklog,
      ...("perSecond" in load ? { targetPerSecond: load.perSecond, scheduleLagMs: lagMs } : {}),
      ...cpu,
      cpuMsPerTransition: cpuMsPer(cpu.cpuSeconds, outcome.transitions),
      ...(await walPerTransition(pool, wal, outcome.transitions)),
    };
  };
}
