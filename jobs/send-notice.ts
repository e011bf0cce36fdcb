import type { Job } from "bullmq";
import { z } from "zod";
import type { Dependencies } from "../src/dependencies.js";
import { QUEUE_NAMES } from "../src/queues.js";
import { sendNoticeEmail } from "../src/services/notices.js";
import { parsePayload } from "./payload.js";

export const queueName = QUEUE_NAMES.mail;
/** A few at a time: mail servers throttle senders that open many connections. */
export const concurrency = 4;
// Batch ids are md5-derived (see batchIdSql): UUID-shaped but not RFC 4122 versioned.
export const payloadSchema = z.strictObject({ batchId: z.guid() });

/**
 * Sends one notice e-mail (job id = batch id). Safe to run twice: notices already sent are not
 * sent again. A failure throws so BullMQ retries with backoff; the last attempt marks the
 * notices `failed`.
 */
export async function handle(deps: Dependencies, data: unknown, job: Job) {
  const { batchId } = parsePayload(payloadSchema, data);
  const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  return sendNoticeEmail(deps, batchId, { final });
}
