import { resolve } from "node:path";
import { z } from "zod";

const booleanText = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((value) => value === "true" || value === "1" || value === "yes");

const optionalUrl = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  DATABASE_URL: optionalUrl,
  REDIS_URL: optionalUrl,
  NUMBERS_DATA_DIR: z.string().default(".data"),
  SMTP_URL: optionalUrl,
  MAIL_FROM: z.string().default("numbers@localhost"),
  PLATFORM_SUPPORT_EMAIL: z.string().default("support@localhost"),
  NUMBERS_ADMIN_KEY: optionalUrl,
  COOLDOWN_DAYS: z.coerce.number().min(0).default(30),
  LOCK_PERIOD_DAYS: z.coerce.number().positive().default(28),
  SWEEP_CRON: z.string().default("* * * * *"),
  /** Tries per notice e-mail, exponential backoff from MAIL_BACKOFF_MS (default: about 2 h in all). */
  MAIL_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(12),
  MAIL_BACKOFF_MS: z.coerce.number().int().min(1).default(2_000),
  WEBHOOK_ALLOW_PRIVATE: booleanText.default(false),
  /** First webhook retry after this long, doubling up to an hour; tests make it short. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(60_000).default(30_000),
  /** Worker/scheduler processes without the API serve GET /metrics on this port when set. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Connections per process; two worker processes at 20 stay well inside max_connections. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /**
   * Longest a statement may run (Postgres's statement_timeout); the client also gives up on a
   * server that has not answered 5 s after that (a stalled Postgres), so nothing waits forever.
   */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /**
   * A transaction left idle this long is ended by Postgres, releasing its locks. At least 90 s:
   * a notice e-mail is sent (up to 60 s) inside the transaction that marks it sent.
   */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(90_000)
    .max(3_600_000)
    .default(120_000),
  /** Opening a connection, or waiting for a free one in the pool, fails after this long (then 503). */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  /** Statements of bulk work on connections of their own: a CSV download's COPY, an import's merges. */
  DATABASE_BULK_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(24 * 3_600_000)
    .default(900_000),
  /** CSV and PDF downloads running at once in one API process (CSV ones on a pool of this size). */
  EXPORT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(64),
  /** Failed tries (errors, not refusals) after which a transition is rejected with internal_error. */
  TRANSITION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /** Active webhooks one organisation (or the platform) may have. */
  WEBHOOKS_PER_ORGANIZATION: z.coerce.number().int().min(1).max(10_000).default(25),
  /** Deliveries one worker process makes at once to one receiving server (scheme, host, port). */
  WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  /** Consecutive failures of a receiving server that pause its deliveries (the circuit opens). */
  WEBHOOK_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1_000).default(5),
  /** The first pause; it doubles each time the server fails again after one, up to an hour. */
  WEBHOOK_BREAKER_PAUSE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** A pending transition whose job has not been seen for this long is enqueued again. */
  RECONCILE_AFTER_SECONDS: z.coerce.number().min(1).default(10),
  /** BullMQ key prefix; lets several deployments (or test files) share one Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** `production` turns off the pretty log lines a terminal otherwise gets. */
  NODE_ENV: z.string().optional(),
});
type Environment = z.input<typeof environmentSchema>;

export type Config = ReturnType<typeof parseConfig>;

/**
 * Parses the environment once; the only place that reads process.env. `defaults` stand in for
 * variables the environment does not set (the CLI is quieter than a server).
 */
export function parseConfig(
  environment: NodeJS.ProcessEnv = process.env,
  defaults: Partial<Environment> = {},
) {
  const parsed = environmentSchema.safeParse({ ...defaults, ...environment });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join("; ")}`);
  }
  const env = parsed.data;
  return {
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    dataDir: resolve(env.NUMBERS_DATA_DIR),
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    platformSupportEmail: env.PLATFORM_SUPPORT_EMAIL,
    adminKey: env.NUMBERS_ADMIN_KEY,
    cooldownDays: env.COOLDOWN_DAYS,
    lockPeriodDays: env.LOCK_PERIOD_DAYS,
    sweepCron: env.SWEEP_CRON,
    mailAttempts: env.MAIL_ATTEMPTS,
    mailBackoffMs: env.MAIL_BACKOFF_MS,
    webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
    webhookRetryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
    metricsPort: env.METRICS_PORT,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    databaseStatementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    databaseIdleInTransactionTimeoutMs: env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    databaseConnectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    databaseBulkStatementTimeoutMs: env.DATABASE_BULK_STATEMENT_TIMEOUT_MS,
    exportConcurrency: env.EXPORT_CONCURRENCY,
    workerConcurrency: env.WORKER_CONCURRENCY,
    reconcileAfterSeconds: env.RECONCILE_AFTER_SECONDS,
    transitionMaxAttempts: env.TRANSITION_MAX_ATTEMPTS,
    webhooksPerOrganization: env.WEBHOOKS_PER_ORGANIZATION,
    webhookEndpointConcurrency: env.WEBHOOK_ENDPOINT_CONCURRENCY,
    webhookBreakerFailures: env.WEBHOOK_BREAKER_FAILURES,
    webhookBreakerPauseMs: env.WEBHOOK_BREAKER_PAUSE_MS,
    queuePrefix: env.QUEUE_PREFIX,
    logLevel: env.LOG_LEVEL,
    production: env.NODE_ENV === "production",
  };
}
