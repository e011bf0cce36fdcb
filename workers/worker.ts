import { type Job, Worker, type WorkerOptions } from "bullmq";
import * as applyTransition from "../jobs/apply-transition.js";
import * as deliverWebhook from "../jobs/deliver-webhook.js";
import * as importNumbers from "../jobs/import-numbers.js";
import * as sendNotice from "../jobs/send-notice.js";
import type { Dependencies } from "../src/dependencies.js";
import { failureReporter } from "../src/failure-log.js";
import { workerConnection } from "../src/queues.js";
import type { RunningRole } from "./roles.js";

interface JobKind {
  queueName: string;
  handle: (deps: Dependencies, data: unknown, job: Job, token?: string) => Promise<unknown>;
  concurrency: number;
  /** Per-queue BullMQ settings, e.g. a custom backoff strategy. */
  settings?: WorkerOptions["settings"];
}

/** Consumes every queue; several worker processes may run, the row locks decide. */
export async function startWorkers(deps: Dependencies, redisUrl: string): Promise<RunningRole> {
  const kinds: JobKind[] = [
    {
      queueName: applyTransition.queueName,
      handle: applyTransition.createHandler(deps),
      concurrency: deps.config.workerConcurrency,
    },
    sendNotice,
    { ...deliverWebhook, settings: deliverWebhook.workerSettings(deps) },
    // One CSV import at a time per worker: each holds a connection and streams a whole file.
    { ...importNumbers, concurrency: 1 },
  ];
  const heard = failureReporter(deps.log);
  const connections: ReturnType<typeof workerConnection>[] = [];
  const workers = kinds.map((kind) => {
    const connection = workerConnection(redisUrl, heard);
    connections.push(connection);
    const worker = new Worker(
      kind.queueName,
      async (job, token) => {
        const log = deps.log.child({ queue: kind.queueName, jobId: job.id, attempt: job.attemptsMade + 1 });
        return kind.handle({ ...deps, log }, job.data, job, token);
      },
      {
        connection,
        prefix: deps.queuePrefix,
        concurrency: kind.concurrency,
        settings: kind.settings,
        // A worker killed mid-job has its job taken back by another after this long.
        lockDuration: 15_000,
        stalledInterval: 15_000,
        maxStalledCount: 5,
      },
    );
    worker.on("failed", (job, error) =>
      deps.log.warn(
        { queue: kind.queueName, jobId: job?.id, err: error, attempts: job?.attemptsMade },
        "job failed",
      ),
    );
    worker.on("error", (error) => heard(`worker ${kind.queueName}`, error));
    return worker;
  });
  await Promise.all(workers.map((worker) => worker.waitUntilReady().catch(() => {})));
  deps.log.info({ queues: kinds.map((kind) => kind.queueName) }, "workers ready");
  return {
    name: "worker",
    close: async () => {
      // close() lets current jobs finish; the connections we passed in are ours to close.
      await Promise.all(workers.map((worker) => worker.close()));
      for (const connection of connections) connection.disconnect();
    },
  };
}
