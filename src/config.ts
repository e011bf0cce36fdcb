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
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(64),
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
    workerConcurrency: env.WORKER_CONCURRENCY,
    reconcileAfterSeconds: env.RECONCILE_AFTER_SECONDS,
    queuePrefix: env.QUEUE_PREFIX,
    logLevel: env.LOG_LEVEL,
    production: env.NODE_ENV === "production",
  };
}
