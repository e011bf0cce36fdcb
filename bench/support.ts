import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { migrateToLatest } from "../src/db/migrate.js";
import { startLocalPostgres } from "../src/local/postgres.js";
import { freePort, isAlive } from "../src/local/processes.js";
import { startLocalRedis } from "../src/local/redis.js";

export const REPO_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

export interface BenchStack {
  dataDir: string;
  databaseUrl: string;
  redisUrl: string;
  /** Process ids to measure CPU against: the postmaster (with its backends) and redis-server. */
  postgresPid: number;
  redisPid: number;
  /** Stops Postgres (fast shutdown), waits `downMs`, starts it again on the same port and data. */
  restartPostgres(downMs: number): Promise<void>;
  /** Stops Redis (its append-only file kept), waits `downMs`, starts it again on the same port. */
  restartRedis(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A fresh, migrated Postgres and Redis in a temp folder, removed on stop. Not ephemeral: fsync
 * and synchronous_commit stay on and Redis keeps its append-only file, as in production, so the
 * figures are honest about the commit cost.
 */
export async function startStack(log: (message: string) => void = () => {}): Promise<BenchStack> {
  const dataDir = await mkdtemp(join(tmpdir(), "numbers-bench-"));
  // As root, Postgres runs as the postgres user, which must be able to enter the folder.
  await chmod(dataDir, 0o755);
  const postgresOptions = {
    dataDir,
    database: "numbers_bench",
    ephemeral: false,
    log,
    port: await freePort(),
    // BENCH_STATEMENTS=1: keep per-statement figures (see statementReport).
    settings: process.env.BENCH_STATEMENTS
      ? ["shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track_planning=on"]
      : [],
  };
  const redisOptions = { dataDir, ephemeral: false, log, port: await freePort() };
  let postgres = await startLocalPostgres(postgresOptions);
  let redis = await startLocalRedis(redisOptions).catch(async (error) => {
    await postgres.stop();
    throw error;
  });
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: postgres.url, max: 1 }) }),
  });
  await migrateToLatest(db)
    .then(async () => {
      if (process.env.BENCH_STATEMENTS) await sql`CREATE EXTENSION pg_stat_statements`.execute(db);
    })
    .finally(() => db.destroy());
  return {
    dataDir,
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    postgresPid: Number(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]),
    redisPid: (
      JSON.parse(readFileSync(join(dataDir, "redis", "numbers-redis.json"), "utf8")) as { pid: number }
    ).pid,
    async restartPostgres(downMs: number) {
      await postgres.stop();
      await sleep(downMs);
      postgres = await startLocalPostgres(postgresOptions);
    },
    async restartRedis(downMs: number) {
      await redis.stop();
      await sleep(downMs);
      redis = await startLocalRedis(redisOptions);
    },
    async stop() {
      await redis.stop().catch(() => {});
      await postgres.stop().catch(() => {});
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

import { httpRequest, sleep } from "./load.js";
import { peakRssMiB } from "./measure.js";

// One import for every benchmark: the load generators and the measurements live next door.
export * from "./load.js";
export * from "./measure.js";

/* ---------- app processes ---------- */

export interface AppProcess {
  role: string;
  pid: number;
  port: number;
  peakRssMiB(): number | null;
  /** SIGTERM, then waits however long the process takes to exit: its exit code and the wait. */
  terminate(): Promise<{ exitCode: number | null; ms: number }>;
  stop(): Promise<void>;
}

/**
 * Extra node flags for the app processes, to look inside them during a run, e.g.
 * `BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` (node refuses those in NODE_OPTIONS).
 */
const appNodeFlags = () => (process.env.BENCH_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);

/**
 * Starts `node scripts/start.mjs --role ROLE` (what `npm start -- --role ROLE` runs) against the
 * stack; its output goes to `<dataDir>/ROLE.log`. Resolves once the process serves (api: GET
 * /health) or `ready()` says so.
 */
export async function startApp(
  stack: BenchStack,
  role: string,
  env: Record<string, string>,
  ready?: () => Promise<boolean>,
): Promise<AppProcess> {
  const port = await freePort();
  const logFile = openSync(join(stack.dataDir, `${role}.log`), "a");
  const child: ChildProcess = spawn(
    process.execPath,
    [...appNodeFlags(), join(REPO_ROOT, "scripts", "start.mjs"), "--role", role],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: stack.databaseUrl,
        REDIS_URL: stack.redisUrl,
        PORT: String(port),
        LOG_LEVEL: "warn",
        NODE_ENV: "production",
        ...env,
      },
      stdio: ["ignore", logFile, logFile],
    },
  );
  const pid = child.pid!;
  let exitedWith: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      exitedWith = code;
      resolve(code);
    }),
  );
  const check =
    ready ?? (async () => (await httpRequest(`http://127.0.0.1:${port}/health`, "GET")).status === 200);
  try {
    const deadline = Date.now() + 60_000;
    while (!(await check().catch(() => false))) {
      if (exitedWith !== undefined) throw new Error(`The ${role} process exited with code ${exitedWith}.`);
      if (Date.now() > deadline) throw new Error(`The ${role} process did not become ready within 60 s.`);
      await sleep(100);
    }
  } catch (error) {
    child.kill("SIGKILL");
    const log = readFileSync(join(stack.dataDir, `${role}.log`), "utf8").slice(-2000);
    throw new Error(`${(error as Error).message}\n${log}`);
  }
  return {
    role,
    pid,
    port,
    peakRssMiB: () => peakRssMiB(pid),
    async terminate() {
      const signalled = performance.now();
      if (isAlive(pid)) child.kill("SIGTERM");
      const exitCode = exitedWith === undefined ? await exited : exitedWith;
      return { exitCode, ms: Math.round(performance.now() - signalled) };
    },
    async stop() {
      if (!isAlive(pid)) return;
      child.kill("SIGTERM");
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (code === undefined) child.kill("SIGKILL");
    },
  };
}

const benchStarted = performance.now();
/** Progress on stderr, so stdout stays the JSON result. */
export function progress(message: string) {
  const seconds = ((performance.now() - benchStarted) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds} s] ${message}\n`);
}

/**
 * With BENCH_STATEMENTS=1, where Postgres spent its time since the last call: the statements
 * with the most planning plus execution time, per call and in all; null otherwise.
 */
export async function statementReport(pool: pg.Pool, top = 15) {
  if (!process.env.BENCH_STATEMENTS) return null;
  const { rows } = await pool.query(
    `SELECT calls, round((total_plan_time + total_exec_time)::numeric, 1) AS total_ms,
       round((total_plan_time / calls)::numeric, 3) AS plan_ms, round((total_exec_time / calls)::numeric, 3) AS exec_ms,
       left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
     FROM pg_stat_statements WHERE calls > 0 ORDER BY total_plan_time + total_exec_time DESC LIMIT $1`,
    [top],
  );
  await pool.query("SELECT pg_stat_statements_reset()");
  return rows;
}
