import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { createDatabase } from "../src/db/database.js";
import { startSmtpCapture } from "../test/support/smtp.js";
import { audit } from "./soak-audit.js";
import {
  type Api,
  Recorder,
  searchClient,
  send,
  subscriptionDriver,
  sweepClient,
  transitionClient,
} from "./soak-traffic.js";
import { type AppProcess, httpRequest, progress, sleep, startApp, startStack, summarize } from "./support.js";

/**
 * `npm run bench -- soak [--minutes 10] [--fault-every 60] [--outage 5]`: mixed traffic against
 * separate api, worker and scheduler processes for `--minutes`, with a fault every
 * `--fault-every` seconds in rotation — the worker killed (SIGKILL) and started again, Redis
 * restarted, Postgres restarted (each down `--outage` seconds). At the end, once the system has
 * settled, it counts lost work and doubled work (both must be 0) and reports the latencies.
 */

const ADMIN_KEY = "soak-admin-key-0123456789";
const TRANSITION_CLIENTS = 6;
const NUMBERS_PER_CLIENT = 40;
const SUBSCRIPTION_GROUPS = 4;
const NUMBERS_PER_GROUP = 5;

type Fault = "worker SIGKILL" | "Redis restart" | "Postgres restart";
const FAULTS: Fault[] = ["worker SIGKILL", "Redis restart", "Postgres restart"];

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== "--" && arg !== "soak"),
    options: {
      minutes: { type: "string", default: process.env.SOAK_MINUTES ?? "10" },
      "fault-every": { type: "string", default: "60" },
      outage: { type: "string", default: "5" },
    },
    allowPositionals: true,
  });
  return {
    seconds: Number(values.minutes) * 60,
    faultEverySeconds: Number(values["fault-every"]),
    outageSeconds: Number(values.outage),
  };
}

export async function run() {
  const settings = options();
  const loadAverage = { start: loadavg().map((value) => Number(value.toFixed(2))), samples: [] as number[] };
  progress(`soak: ${settings.seconds} s, a fault every ${settings.faultEverySeconds} s`);
  const stack = await startStack(progress);
  const smtp = await startSmtpCapture();
  const env = {
    NUMBERS_ADMIN_KEY: ADMIN_KEY,
    SMTP_URL: smtp.url,
    // Sweeps every 10 s, so swapped-out reservations are noticed within the run.
    SWEEP_CRON: "*/10 * * * * *",
    COOLDOWN_DAYS: "0",
    MAIL_BACKOFF_MS: "1000",
    MAIL_ATTEMPTS: "30",
    WORKER_CONCURRENCY: "16",
  };
  const processes: Record<string, AppProcess> = {};
  const { db } = createDatabase({ url: stack.databaseUrl, poolSize: 2 });
  try {
    processes.api = await startApp(stack, "api", env);
    const api: Api = { base: `http://127.0.0.1:${processes.api.port}`, key: ADMIN_KEY };
    const startWorker = async () => {
      processes.worker = await startApp(stack, "worker", env, async () => true);
    };
    await startWorker();
    processes.scheduler = await startApp(stack, "scheduler", env, async () => true);

    const { transitionPools, groups, owners } = await seed(api);
    const recorder = new Recorder(performance.now());
    const startedAt = Date.now();
    let running = true;
    const isRunning = () => running;
    const traffic = [
      ...transitionPools.map((pool, index) =>
        transitionClient(api, recorder, pool, owners[index % owners.length]!, 4, isRunning),
      ),
      ...groups.map((group, index) => subscriptionDriver(api, recorder, group, owners[index]!, isRunning)),
      searchClient(api, recorder, 8, isRunning),
      sweepClient(api, recorder, 30_000, isRunning),
    ];

    const faults: { fault: Fault; at: number; recoveredAfterMs: number }[] = [];
    const deadline = recorder.started + settings.seconds * 1000;
    for (let index = 0; ; index++) {
      const nextFault = recorder.started + (index + 1) * settings.faultEverySeconds * 1000;
      if (nextFault >= deadline) break;
      await sleep(nextFault - performance.now());
      loadAverage.samples.push(Number(loadavg()[0]!.toFixed(2)));
      const fault = FAULTS[index % FAULTS.length]!;
      const at = recorder.now();
      progress(`fault ${index + 1}: ${fault}`);
      if (fault === "worker SIGKILL") {
        process.kill(processes.worker!.pid, "SIGKILL");
        await startWorker();
      } else if (fault === "Redis restart") await stack.restartRedis(settings.outageSeconds * 1000);
      else await stack.restartPostgres(settings.outageSeconds * 1000);
      await untilReady(api);
      faults.push({ fault, at: Math.round(at / 1000), recoveredAfterMs: Math.round(recorder.now() - at) });
    }
    await sleep(Math.max(0, deadline - performance.now()));
    running = false;
    progress("traffic stopped; waiting for the system to settle");
    await Promise.all(traffic);
    loadAverage.samples.push(Number(loadavg()[0]!.toFixed(2)));
    const settled = await settle(api, db, recorder);

    const counts = await audit(db, recorder.accepted, smtp.messages);
    const latency = await latencies(db, recorder, faults, startedAt);
    return {
      settings,
      loadAverage: { ...loadAverage, end: loadavg().map((value) => Number(value.toFixed(2))) },
      faults,
      settledAfterSeconds: settled,
      ...counts,
      hungRequests: recorder.hung.length,
      answers: answersByStatus(recorder),
      latencyMs: latency,
      loggedErrors: loggedErrors(stack.dataDir),
    };
  } finally {
    await Promise.all(Object.values(processes).map((child) => child.stop()));
    await db.destroy();
    await smtp.stop();
    await stack.stop();
  }
}

async function seed(api: Api) {
  const owners: string[] = [];
  for (let index = 0; index < SUBSCRIPTION_GROUPS; index++) {
    const response = await httpRequest(`${api.base}/v1/organizations`, "POST", {
      headers: { authorization: `Bearer ${api.key}` },
      body: {
        name: `Soak customer ${index}`,
        kind: "customer",
        billingEmail: `billing-${index}@soak.test`,
        ownerEmail: `owner-${index}@soak.test`,
      },
    });
    owners.push(JSON.parse(response.body).id);
  }
  const numbers = (count: number, prefix: string) =>
    Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(5, "0")}`);
  const all = [
    ...numbers(TRANSITION_CLIENTS * NUMBERS_PER_CLIENT, "+659010"),
    ...numbers(SUBSCRIPTION_GROUPS * NUMBERS_PER_GROUP, "+659020"),
  ];
  for (let start = 0; start < all.length; start += 50) {
    const response = await httpRequest(`${api.base}/v1/numbers`, "POST", {
      headers: { authorization: `Bearer ${api.key}` },
      body: {
        numbers: all
          .slice(start, start + 50)
          .map((number) => ({ number, vendor: "acme", country: "SG", sku: "DID" })),
      },
    });
    if (response.status !== 201) throw new Error(`seeding numbers: ${response.status} ${response.body}`);
  }
  const transitionNumbers = all.slice(0, TRANSITION_CLIENTS * NUMBERS_PER_CLIENT);
  const subscriptionNumbers = all.slice(TRANSITION_CLIENTS * NUMBERS_PER_CLIENT);
  return {
    owners,
    transitionPools: Array.from({ length: TRANSITION_CLIENTS }, (_, index) =>
      transitionNumbers.slice(index * NUMBERS_PER_CLIENT, (index + 1) * NUMBERS_PER_CLIENT),
    ),
    groups: Array.from({ length: SUBSCRIPTION_GROUPS }, (_, index) =>
      subscriptionNumbers.slice(index * NUMBERS_PER_GROUP, (index + 1) * NUMBERS_PER_GROUP),
    ),
  };
}

/** Until /ready answers 200 (Postgres and Redis reachable from the API). */
async function untilReady(api: Api) {
  for (;;) {
    const response = await httpRequest(`${api.base}/ready`, "GET").catch(() => ({ status: 0 }));
    if (response.status === 200) return;
    await sleep(200);
  }
}

/** Waits until no transition is pending and no notice is unsent (a sweep in between), up to 5 minutes. */
async function settle(api: Api, db: ReturnType<typeof createDatabase>["db"], recorder: Recorder) {
  const started = performance.now();
  while (performance.now() - started < 300_000) {
    const { rows } = await sql<{ transitions: number; notices: number }>`
      SELECT (SELECT count(*) FROM transitions WHERE status = 'pending')::int AS transitions,
        (SELECT count(*) FROM notices WHERE status = 'pending')::int AS notices`.execute(db);
    if (rows[0]!.transitions === 0 && rows[0]!.notices === 0) break;
    await send(api, recorder, "settle", "POST", "/v1/sweeps", {});
    await sleep(2_000);
  }
  return Math.round((performance.now() - started) / 1000);
}

function answersByStatus(recorder: Recorder) {
  const counts: Record<string, Record<string, number>> = {};
  for (const sample of recorder.samples) {
    counts[sample.kind] ??= {};
    counts[sample.kind]![sample.status] = (counts[sample.kind]![sample.status] ?? 0) + 1;
  }
  return counts;
}

/** Error lines the processes logged, by message, to explain any answer that was not 2xx/409/503. */
function loggedErrors(dataDir: string) {
  const counts: Record<string, number> = {};
  for (const role of ["api", "worker", "scheduler"]) {
    let text = "";
    try {
      text = readFileSync(join(dataDir, `${role}.log`), "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line) as { level: number; msg: string; err?: { message?: string } };
      if (entry.level < 50) continue;
      const key = `${role}: ${entry.msg}${entry.err?.message ? `: ${entry.err.message}` : ""}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

/** p50/p99 of each kind of request, over the whole run and outside the faults' windows. */
async function latencies(
  db: ReturnType<typeof createDatabase>["db"],
  recorder: Recorder,
  faults: { at: number; recoveredAfterMs: number }[],
  startedAt: number,
) {
  const inFault = (at: number) =>
    faults.some(
      (fault) => at >= fault.at * 1000 - 1000 && at <= fault.at * 1000 + fault.recoveredAfterMs + 10_000,
    );
  const kinds = [...new Set(recorder.samples.map((sample) => sample.kind))].filter(
    (kind) => kind !== "settle",
  );
  const http = Object.fromEntries(
    kinds.map((kind) => {
      const samples = recorder.samples.filter((sample) => sample.kind === kind);
      return [
        kind,
        {
          all: summarize(samples.map((sample) => sample.ms)),
          outsideFaults: summarize(
            samples.filter((sample) => !inFault(sample.at)).map((sample) => sample.ms),
          ),
        },
      ];
    }),
  );
  const { rows } = await sql<{ ms: number; at: number }>`
    SELECT extract(epoch FROM finished_at - requested_at) * 1000 AS ms,
      extract(epoch FROM requested_at) * 1000 - ${startedAt} AS at
    FROM transitions WHERE status = 'applied'`.execute(db);
  return {
    http,
    acceptToApplied: {
      all: summarize(rows.map((row) => Number(row.ms))),
      outsideFaults: summarize(rows.filter((row) => !inFault(Number(row.at))).map((row) => Number(row.ms))),
    },
  };
}
