import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { migrateToLatest } from "../src/db/migrate.js";
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
