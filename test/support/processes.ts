import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { expect } from "vitest";
import { migrateToLatest } from "../../src/db/migrate.js";
import { type LocalService, startLocalPostgres } from "../../src/local/postgres.js";
import { freePort } from "../../src/local/processes.js";
import { startLocalRedis } from "../../src/local/redis.js";
import type { ProcessRole } from "../../workers/roles.js";
import type { TestContext } from "./context.js";

/** Every launcher of a real process in the tests: roles, the CLI, fixture scripts. */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface StartedProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  stdout(): string;
}

/** The test context's services, so a process sees this file's database, Redis and queues. */
const servicesOf = (t: TestContext) => ({
  DATABASE_URL: t.databaseUrl,
  REDIS_URL: t.redisUrl,
  QUEUE_PREFIX: t.deps.queuePrefix ?? "",
});

/** `node --import tsx SCRIPT ARGS` from the repository root, its output kept. */
export function startNodeProcess(
  script: string,
  args: string[],
  env: Record<string, string>,
  nodeArgs = ["--import", "tsx"],
): StartedProcess {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stdout = "";
  child.stdout!.on("data", (chunk) => {
    output += chunk;
    stdout += chunk;
  });
  child.stderr!.on("data", (chunk) => (output += chunk));
  return { child, output: () => output, stdout: () => stdout };
}

/**
 * Starts a role as its own process against the test context's services, as `npm start -- --role
 * ROLE` does: the compiled server (scripts/start.mjs).
 */
export function startRoleProcess(
  t: TestContext,
  role: ProcessRole,
  env: Record<string, string> = {},
): StartedProcess {
  return startNodeProcess("scripts/start.mjs", ["--role", role], { ...servicesOf(t), PORT: "0", ...env }, []);
}

/** Waits until `check` answers 200; fails with the process's output if it exits first. */
export async function untilServing(started: StartedProcess, check: () => Promise<Response>) {
  await expect
    .poll(
      async () => {
        if (started.child.exitCode !== null)
          throw new Error(`the process exited early:\n${started.output()}`);
        return check().then(
          (response) => response.status,
          () => 0,
        );
      },
      { timeout: 30_000, interval: 200 },
    )
    .toBe(200);
}

/** Signals the process (SIGTERM by default) and resolves with its exit code once it is gone. */
export async function stopProcess(
  started: StartedProcess,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<number | null> {
  const { child } = started;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, "exit");
  child.kill(signal);
  const [code] = await exited;
  return code as number | null;
}

/** Resolves with the exit code once the process ends by itself. */
export async function exitOf(started: StartedProcess): Promise<number | null> {
  const { child } = started;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const [code] = await once(child, "exit");
  return code as number | null;
}

/** Runs `numbers ARGS` (bin/numbers.js) against the test context's services, to its end. */
export async function runCli(t: TestContext, args: string[], env: Record<string, string> = {}) {
  // The bin loads tsx itself, as it does for a user.
  const started = startNodeProcess(
    "bin/numbers.js",
    args,
    { ...servicesOf(t), LOG_LEVEL: "silent", ...env },
    [],
  );
  const code = await exitOf(started);
  return { code, stdout: started.stdout(), output: started.output() };
}

/** A Postgres or Redis of a test's own, to stop, start again (same port, same data) and stall. */
export interface PrivateService {
  url: string;
  /** Stops it the way an operator or a crash-free restart would; its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** SIGSTOP to the server and every process it forked: connections stay open, nothing answers. */
  pause(): void;
  resume(): void;
  /** Stops it and removes its files. */
  remove(): Promise<void>;
}

async function privateDataDir(kind: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `numbers-${kind}-`));
  // As root, Postgres runs as the postgres user, which must be able to enter the folder.
  await chmod(dir, 0o755);
  return dir;
}

/** The processes a server forked (Postgres's backends put themselves in groups of their own). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid …": comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {}
  }
  return children;
}

/** Signals the server first (so it forks nothing new) and then every process it forked. */
function signalServer(pid: number | undefined, signal: NodeJS.Signals) {
  if (!pid) throw new Error("the service is not running");
  process.kill(pid, signal);
  for (const child of childrenOf(pid)) process.kill(child, signal);
}

/**
 * A server of the test's own: `launch` starts it (again) on one port with one data folder, and
 * the handle stops, restarts, pauses and removes it.
 */
async function privateService(
  kind: string,
  launch: (dataDir: string, port: number) => Promise<LocalService>,
): Promise<PrivateService> {
  const dataDir = await privateDataDir(kind);
  const port = await freePort();
  let service = await launch(dataDir, port);
  let paused = false;
  const signal = (name: NodeJS.Signals) => {
    signalServer(service.pid, name);
    paused = name === "SIGSTOP";
  };
  return {
    url: service.url,
    stop: () => service.stop(),
    async start() {
      service = await launch(dataDir, port);
    },
    pause: () => signal("SIGSTOP"),
    resume: () => signal("SIGCONT"),
    async remove() {
      if (paused) signal("SIGCONT");
      await service.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A Postgres cluster of the test's own (not the shared one every file uses), with a migrated
 * database: the test may stop, restart and stall it.
 */
export async function startPrivatePostgres(): Promise<PrivateService> {
  let migrated = false;
  return privateService("pg", async (dataDir, port) => {
    const service = await startLocalPostgres({
      dataDir,
      database: "numbers",
      ephemeral: true,
      keepOnStop: true,
      port,
    });
    if (!migrated) {
      const db = new Kysely<unknown>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: service.url, max: 1 }) }),
      });
      await migrateToLatest(db).finally(() => db.destroy());
      migrated = true;
    }
    return service;
  });
}

/** A Redis of the test's own, with its append-only file on: stopped and started, it keeps its jobs. */
export function startPrivateRedis(): Promise<PrivateService> {
  return privateService("redis", (dataDir, port) => startLocalRedis({ dataDir, ephemeral: false, port }));
}
