import { randomBytes } from "node:crypto";
import pg from "pg";
import pino from "pino";
import { inject } from "vitest";
import { type App, buildApp } from "../../src/api/app.js";
import { closeDependencies, createDependencies } from "../../src/bootstrap.js";
import { fixedClock } from "../../src/clock.js";
import { type Config, parseConfig } from "../../src/config.js";
import type { Dependencies } from "../../src/dependencies.js";
import { ensureAdminKey } from "../../src/services/organizations.js";
import type { RunningRole } from "../../workers/roles.js";
import { startWorkers } from "../../workers/worker.js";
import { TEMPLATE_DATABASE } from "../global-setup.js";

export const ADMIN_KEY = "test-admin-key-0123456789";

export interface TestContext {
  app: App;
  deps: Dependencies;
  clock: ReturnType<typeof fixedClock>;
  databaseUrl: string;
  redisUrl: string;
  /** Starts the worker role in this process; stop it with the returned role's close(). */
  startWorker(): Promise<RunningRole>;
  close(): Promise<void>;
}

/**
 * A fresh database cloned from the migrated template, its own queue prefix, a fixed clock. A test
 * that stops or stalls a service passes its own (`services`): a migrated database of a Postgres
 * of its own, a Redis of its own (test/support/processes.ts), never the shared ones.
 */
export async function createTestContext(
  overrides: Partial<Config> = {},
  services: { databaseUrl?: string; redisUrl?: string } = {},
): Promise<TestContext> {
  const name = `test_${randomBytes(6).toString("hex")}`;
  const databaseUrl = services.databaseUrl ?? (await cloneTemplate(name));
  const redisUrl = services.redisUrl ?? inject("redisUrl");

  const config: Config = {
    ...parseConfig({}),
    adminKey: ADMIN_KEY,
    databasePoolSize: 5,
    workerConcurrency: 4,
    reconcileAfterSeconds: 1,
    queuePrefix: name,
    ...overrides,
  };
  const clock = fixedClock(new Date("2026-03-01T09:00:00.000Z"));
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const deps: Dependencies = {
    ...createDependencies(config, { databaseUrl, redisUrl }, log),
    clock,
  };
  await ensureAdminKey(deps);
  const app = await buildApp(deps);
  const roles: RunningRole[] = [];

  return {
    app,
    deps,
    clock,
    databaseUrl,
    redisUrl,
    async startWorker() {
      const role = await startWorkers(deps, redisUrl);
      roles.push(role);
      return role;
    },
    async close() {
      await Promise.allSettled(roles.map((role) => role.close()));
      await app.close();
      await closeDependencies(deps);
    },
  };
}

/** A new database cloned from the migrated template of the shared test Postgres. */
async function cloneTemplate(name: string): Promise<string> {
  const templateUrl = new URL(inject("databaseUrl"));
  // Connect to `postgres`, not the template: a session on the template blocks every clone of it.
  const admin = new pg.Client({
    connectionString: Object.assign(new URL(templateUrl), { pathname: "/postgres" }).toString(),
  });
  await admin.connect();
  // Two files cloning at the same moment collide ("source database is being accessed by other
  // users", 55006): the clone briefly holds the template. Try again shortly.
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== "55006" || attempt >= 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 150));
    }
  }
  await admin.end();
  return Object.assign(new URL(templateUrl), { pathname: `/${name}` }).toString();
}
