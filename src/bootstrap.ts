import { mkdir } from "node:fs/promises";
import pino, { type Logger } from "pino";
import { systemClock } from "./clock.js";
import type { Config } from "./config.js";
import { createDatabase, createPool } from "./db/database.js";
import { migrateToLatest } from "./db/migrate.js";
import type { Dependencies } from "./dependencies.js";
import { failureReporter } from "./failure-log.js";
import { type LocalService, startLocalPostgres } from "./local/postgres.js";
import { startLocalRedis } from "./local/redis.js";
import { createMailTransport } from "./mail/transport.js";
import { createQueues, producerConnection } from "./queues.js";
import { PolicyCache } from "./services/policies.js";

export function createLogger(config: Pick<Config, "logLevel" | "production">, name = "numbers"): Logger {
  // Pretty lines for a person at a terminal; JSON lines for everything else.
  const pretty = process.stdout.isTTY && !config.production;
  return pino({
    name,
    level: config.logLevel,
    ...(pretty
      ? { transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss" } } }
      : {}),
  });
}

export interface Services {
  databaseUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

/** Postgres and Redis from the environment, or local ones under NUMBERS_DATA_DIR when unset. */
export async function startServices(config: Config, log: Logger, needs = { redis: true }): Promise<Services> {
  const started: LocalService[] = [];
  const say = (message: string) => log.info(message);
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      await mkdir(config.dataDir, { recursive: true });
      const postgres = await startLocalPostgres({ dataDir: config.dataDir, database: "numbers", log: say });
      started.push(postgres);
      databaseUrl = postgres.url;
    }
    let redisUrl = config.redisUrl ?? "";
    if (!redisUrl && needs.redis) {
      const redis = await startLocalRedis({ dataDir: config.dataDir, log: say });
      started.push(redis);
      redisUrl = redis.url;
    }
    return {
      databaseUrl,
      redisUrl,
      stop: async () => {
        for (const service of started.reverse()) await service.stop().catch(() => {});
      },
    };
  } catch (error) {
    for (const service of started.reverse()) await service.stop().catch(() => {});
    throw error;
  }
}

/** One Dependencies object per process. */
export function createDependencies(
  config: Config,
  urls: { databaseUrl: string; redisUrl: string },
  log: Logger,
): Dependencies {
  const heard = failureReporter(log);
  const timeouts = {
    url: urls.databaseUrl,
    connectTimeoutMillis: config.databaseConnectTimeoutMs,
    idleInTransactionTimeoutMillis: config.databaseIdleInTransactionTimeoutMs,
    onError: (error: Error) => heard("postgres", error),
  };
  const { db, pool } = createDatabase({
    ...timeouts,
    poolSize: config.databasePoolSize,
    statementTimeoutMillis: config.databaseStatementTimeoutMs,
  });
  // Downloads hold a connection for as long as the client reads: a pool of their own, one
  // connection per download slot, so they can never take the API's or the workers' connections.
  const exportPool = createPool({
    ...timeouts,
    poolSize: config.exportConcurrency,
    statementTimeoutMillis: config.databaseBulkStatementTimeoutMs,
  });
  const redis = producerConnection(urls.redisUrl, heard);
  return {
    config,
    db,
    pool,
    exportPool,
    redis,
    queues: createQueues(redis, heard, config.queuePrefix),
    queuePrefix: config.queuePrefix,
    clock: systemClock,
    log,
    mailer: createMailTransport(config),
    policies: new PolicyCache(),
  };
}

export async function closeDependencies(deps: Dependencies): Promise<void> {
  await Promise.allSettled(Object.values(deps.queues).map((queue) => queue.close()));
  deps.redis.disconnect();
  await deps.db.destroy().catch(() => {});
  await deps.exportPool.end().catch(() => {});
}

/** Migrations run at every start; Kysely's lock makes concurrent starters take turns. */
export async function migrate(deps: Pick<Dependencies, "db" | "log">): Promise<void> {
  const applied = await migrateToLatest(deps.db as never);
  if (applied.length > 0) deps.log.info({ migrations: applied }, "applied migrations");
}
