import type { Redis } from "ioredis";
import type pg from "pg";
import type { Logger } from "pino";
import type { Clock } from "./clock.js";
import type { Config } from "./config.js";
import type { Db } from "./db/database.js";
import type { MailTransport } from "./mail/transport.js";
import type { Queues } from "./queues.js";
import type { PolicyCache } from "./services/policies.js";

/** Everything a handler needs, built once in workers/ and passed down. */
export interface Dependencies {
  config: Config;
  db: Db;
  pool: pg.Pool;
  /** Connections for CSV downloads only (EXPORT_CONCURRENCY of them, bulk statement timeout). */
  exportPool: pg.Pool;
  redis: Redis;
  queues: Queues;
  /** BullMQ key prefix; tests give each file its own. */
  queuePrefix: string | undefined;
  clock: Clock;
  log: Logger;
  /** Where notice e-mails go: SMTP, or the outbox folder. */
  mailer: MailTransport;
  /** The number policies in force, cached per process and checked on every use. */
  policies: PolicyCache;
}
