import { type JobsOptions, Queue } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import type { FailureReporter } from "./failure-log.js";

/** Queue names, shared by the API that enqueues and the workers that consume. */
export const QUEUE_NAMES = {
  transitions: "transitions",
  mail: "mail",
  webhooks: "webhooks",
  imports: "imports",
} as const;
export type QueueName = keyof typeof QUEUE_NAMES;

/**
 * Retries for database trouble; rule refusals are outcomes, never retried. A job that used up its
 * attempts is dropped (and logged): BullMQ ignores an add for a job id it still holds, so keeping
 * it would stop the reconciler from handing the still-pending transition over again.
 */
export const TRANSITION_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 500 },
  removeOnComplete: true,
  removeOnFail: true,
};

export type Queues = Record<QueueName, Queue>;

/**
 * Connections that fail fast: while Redis is away, `add()` rejects at once instead of waiting in
 * ioredis's offline queue, so the API answers and the reconciler enqueues later.
 */
export function producerConnection(url: string, onError: FailureReporter, options: RedisOptions = {}): Redis {
  const connection = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...options,
  });
  // It reconnects by itself; the failure is logged (rate-limited) and /ready reports it.
  connection.on("error", (error) => onError("redis", error));
  return connection;
}

/** Blocking connections for workers: BullMQ requires maxRetriesPerRequest null. */
export function workerConnection(url: string, onError: FailureReporter): Redis {
  const connection = new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  connection.on("error", (error) => onError("redis (worker)", error));
  return connection;
}

export function createQueues(connection: Redis, onError: FailureReporter, prefix?: string): Queues {
  const make = (name: string) => {
    const queue = new Queue(name, { connection, prefix });
    queue.on("error", (error) => onError(`queue ${name}`, error));
    return queue;
  };
  return {
    transitions: make(QUEUE_NAMES.transitions),
    mail: make(QUEUE_NAMES.mail),
    webhooks: make(QUEUE_NAMES.webhooks),
    imports: make(QUEUE_NAMES.imports),
  };
}

/** Rejects when Redis does not answer within `ms`; a hung add must not hang an HTTP request. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
