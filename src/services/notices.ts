import type { JobsOptions } from "bullmq";
import {
  countBatch,
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
 * A recipient's notices of one sweep go out together, up to this many numbers per e-mail; past
 * it they are split over several e-mails ("part 2 of 66"). 1,000 lines is about 150 KB of mail,
 * far inside what any mail server accepts and still something a person can scroll through.
 */
export const MAX_NOTICES_PER_EMAIL = 1_000;

/**
 * Sends a batch's unsent notices, one e-mail of at most MAX_NOTICES_PER_EMAIL after another.
 * Each e-mail is its own transaction: its notices are locked, rendered, handed to the transport
 * and marked sent together, so a retry resumes after the last e-mail that went out, and a second
 * sender waits on the locks and then finds nothing to send. The only window for a duplicate is a
 * crash after the SMTP server accepted a message and before the commit; the Message-ID is derived
 * from the batch id and the part, the same in both copies, so mail systems can fold them.
 */
export async function sendNoticeEmail(
  deps: Dependencies,
  batchId: string,
  attempt: { final: boolean },
): Promise<{ sent: number; emails: number }> {
  const total = { sent: 0, emails: 0 };
  try {
    for (;;) {
      const sent = await sendNextEmail(deps, batchId);
      if (sent === 0) return total;
      total.sent += sent;
      total.emails += 1;
    }
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

/** The next e-mail of a batch; 0 when nothing is left to send. */
async function sendNextEmail(deps: Dependencies, batchId: string): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const rows = await lockPendingBatch(trx, batchId, MAX_NOTICES_PER_EMAIL);
    const first = rows[0];
    if (!first) return 0;
    // Whole e-mails go out in order, so the notices already sent are the parts before this one.
    const { total, sent } = await countBatch(trx, batchId);
    const part = {
      index: Math.floor(sent / MAX_NOTICES_PER_EMAIL) + 1,
      of: Math.ceil(total / MAX_NOTICES_PER_EMAIL),
    };
    const mail = renderNoticeMail(
      rows.map((row) => ({ kind: row.kind, number: row.number, expiresAt: row.expires_at })),
      part,
    );
    const sentAt = deps.clock.now();
    const { destination } = await deps.mailer.send({
      ...mail,
      to: first.recipient,
      // The first (often only) e-mail keeps the batch id itself, as before e-mails were split.
      id: part.index === 1 ? batchId : `${batchId}.${part.index}`,
      date: sentAt,
    });
    const marked = await markSent(
      trx,
      rows.map((row) => row.id),
      sentAt,
    );
    await recordNoticeOutcome(trx, "sent", marked, sentAt);
    deps.log.info(
      {
        batchId,
        recipient: first.recipient,
        notices: rows.length,
        part: part.index,
        parts: part.of,
        destination,
      },
      "notice e-mail sent",
    );
    return rows.length;
  });
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
