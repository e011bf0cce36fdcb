import type { Job } from "bullmq";
import type { Dependencies } from "../src/dependencies.js";
import { QUEUE_NAMES } from "../src/queues.js";
import { importPayloadSchema, runImportJob } from "../src/services/import-job.js";
import { parsePayload } from "./payload.js";

export const queueName = QUEUE_NAMES.imports;
export const payloadSchema = importPayloadSchema;

/** Runs a CSV import queued by `npx numbers import`; progress goes to the job for the CLI to show. */
export async function handle(deps: Dependencies, data: unknown, job: Job) {
  const payload = parsePayload(payloadSchema, data);
  return runImportJob(deps, job.id!, payload, `worker:${process.pid}`, (progress) =>
    job.updateProgress(progress).catch(() => {}),
  );
}
