import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { buildConsole } from "../scripts/build-console.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { ensureChromium } from "../src/local/chromium.js";
import { startLocalPostgres } from "../src/local/postgres.js";
import { startLocalRedis } from "../src/local/redis.js";

/** The migrated database every test file clones (test/support/context.ts). */
export const TEMPLATE_DATABASE = "numbers_template";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}

/**
 * One Postgres and one Redis for the whole run, in the temp folder (reachable by the postgres
 * user whatever the clone's parents allow). Migrations run once into a template database that
 * each test file clones.
 */
export default async function setup(project: TestProject) {
  // The console's end-to-end tests need it built and a Chromium to drive (`npm test` builds it
  // before vitest starts; a run of vitest alone gets the same here, rebuilt only when changed).
  // `npm run console:types` regenerates the types the build checks against: it must not need the build.
  if (!process.env.NUMBERS_SKIP_CONSOLE_BUILD) await buildConsole();
  try {
    ensureChromium((message) => console.error(`numbers: ${message}`));
  } catch (error) {
    // Only the browser tests need it; they fail with this message, the rest still run.
    console.error(`numbers: ${(error as Error).message}`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), "numbers-test-"));
  const postgres = await startLocalPostgres({ dataDir, database: TEMPLATE_DATABASE, ephemeral: true });
  const redis = await startLocalRedis({ dataDir, ephemeral: true });

  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: postgres.url }) }),
  });
  await migrateToLatest(db);
  await db.destroy();

  project.provide("databaseUrl", postgres.url);
  project.provide("redisUrl", redis.url);
  return async () => {
    await redis.stop();
    await postgres.stop();
  };
}
