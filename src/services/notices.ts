import type { JobsOptions } from "bullmq";
import {
  listNotices,
  lockPendingBatch,
  markSent,
  type NoticeFilter,
  pendingBatchIds,
  recordSendFailure,
} from "../db/notices.js";
import type { Dependencies } from "../dependencies.js";
import type { NoticeKind } from "../lifecycle/states.js";
import { renderNoticeMail } from "../mail/templates.js";
import { withTimeout } from "../queues.js";
import type { Principal } from "./principal.js";
import { recordNoticeOutcome } from "./webhooks.js";

export const SEND_NOTICE_JOB = "send-notice";

function mailJobOptions(deps: Dependencies, batchId: string): JobsOptions {
  return {
    // The e-mail's id: BullMQ ignores a second add while the job is stored, and the handler
    // ignores an e-mail already sent, so handing a batch over twice never sends it twice.
    jobId: batchId,
    attempts: deps.config.mailAttempts,
    backoff: { type: "exponential", delay: deps.config.mailBackoffMs },
    removeOnComplete: true,
    // Kept a while for the dashboard; then an e-mail whose notices are somehow still pending
    // (a job that died without reaching our failure handling) can be handed over again.
    removeOnFail: { age: 3600 },
  };
}

/**
 * Hands every e-mail with unsent notices to the mail queue: the ones a sweep just recorded and
 * any whose job was lost (a crash after recording, Redis away). Failure here is not an error:
 * the notices are in Postgres and the next sweep hands them over again.
 */
export async function enqueuePendingNotices(deps: Dependencies): Promise<number> {
  const batchIds = await pendingBatchIds(deps.db);
  if (batchIds.length === 0) return 0;
  try {
    await withTimeout(
      deps.queues.mail.addBulk(
        batchIds.map((batchId) => ({
          name: SEND_NOTICE_JOB,
          data: { batchId },
          opts: mailJobOptions(deps, batchId),
        })),
      ),
      10_000,
      "enqueue mail",
    );
  } catch (error) {
    deps.log.warn(
      { err: error, emails: batchIds.length },
      "could not enqueue notice e-mails; the next sweep will",
    );
    return 0;
  }
  return batchIds.length;
}

/**
 * Sends one e-mail: its unsent notices are locked, rendered, handed to the transport and marked
 * sent in one database transaction. A second sender waits on the locks and then finds nothing
 * to send. The only window for a duplicate is a crash after the SMTP server accepted the message
 * and before the commit; the Message-ID is the batch id in both copies so mail systems can fold them.
 */
export async function sendNoticeEmail(
  deps: Dependencies,
  batchId: string,
  attempt: { final: boolean },
): Promise<{ sent: number }> {
  try {
    return await deps.db.transaction().execute(async (trx) => {
      const rows = await lockPendingBatch(trx, batchId);
      const first = rows[0];
      if (!first) return { sent: 0 };
      const mail = renderNoticeMail(
        rows.map((row) => ({ kind: row.kind, number: row.number, expiresAt: row.expires_at })),
      );
      const sentAt = deps.clock.now();
      const { destination } = await deps.mailer.send({
        ...mail,
        to: first.recipient,
        id: batchId,
        date: sentAt,
      });
      const sent = await markSent(
        trx,
        rows.map((row) => row.id),
        sentAt,
      );
      await recordNoticeOutcome(trx, "sent", sent, sentAt);
      deps.log.info(
        { batchId, recipient: first.recipient, notices: rows.length, destination },
        "notice e-mail sent",
      );
      return { sent: rows.length };
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const notices = await deps.db
      .transaction()
      .execute(async (trx) => {
        const failed = await recordSendFailure(trx, batchId, { error: message, final: attempt.final });
        if (attempt.final) await recordNoticeOutcome(trx, "failed", failed, deps.clock.now());
        return failed.length;
      })
      .catch(() => 0);
    if (attempt.final)
      deps.log.error(
        { batchId, notices, err: error },
        "notice e-mail failed on its last attempt; notices marked failed",
      );
    throw error;
  }
}

export interface NoticeQuery {
  number?: string;
  kind?: NoticeKind;
  status?: NoticeFilter["status"];
  limit?: number;
}

/** Notices of the numbers the key can see. */
export async function getNotices(deps: Dependencies, principal: Principal, query: NoticeQuery) {
  const rows = await listNotices(deps.db, principal.scope, { ...query, limit: query.limit ?? 100 });
  return rows;
}
