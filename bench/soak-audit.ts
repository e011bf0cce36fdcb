import { sql } from "kysely";
import type { Db } from "../src/db/database.js";
import type { CapturedMail } from "../test/support/smtp.js";

/**
 * The end of a soak: what was lost and what was done twice, read from the rows, the history and
 * the mail the SMTP server captured. Every count must be 0.
 */

/** Numbers an e-mail lists, with the expiry it names: `  +6590000001  expires 2026-…Z`. */
function listedNotices(mail: CapturedMail): { number: string; expiresAt: string }[] {
  return [...mail.text.matchAll(/^ {2}(\+\d{8,15}) {2}[a-z ]+ (\d{4}-\d\d-\d\dT[\d:.]+Z)$/gm)].map(
    (match) => ({
      number: match[1]!,
      expiresAt: match[2]!,
    }),
  );
}

export async function audit(db: Db, accepted: string[], mails: CapturedMail[]) {
  const transitions = await sql<{ id: string; status: string }>`SELECT id, status FROM transitions`.execute(
    db,
  );
  const status = new Map(transitions.rows.map((row) => [row.id, row.status]));
  const acceptedNotFinished = accepted.filter(
    (id) => status.get(id) !== "applied" && status.get(id) !== "rejected",
  );
  const stillPending = transitions.rows.filter((row) => row.status === "pending").length;

  const doubled = await sql<{ count: number }>`
    SELECT count(*)::int AS count FROM (
      SELECT transition_id FROM number_history WHERE transition_id IS NOT NULL
      GROUP BY transition_id HAVING count(*) > 1) twice`.execute(db);
  const appliedWithoutHistory = await sql<{ count: number }>`
    SELECT count(*)::int AS count FROM transitions t
    WHERE t.status = 'applied' AND NOT EXISTS (SELECT 1 FROM number_history h WHERE h.transition_id = t.id)`.execute(
    db,
  );

  const notices = await sql<{ number: string; expires_at: Date; recipient: string; status: string }>`
    SELECT number, expires_at, recipient, status FROM notices`.execute(db);
  const noticesNotSent = notices.rows.filter((row) => row.status !== "sent").length;

  // Mail: a notice in two different e-mails is a double; the same e-mail delivered twice (one
  // Message-ID) is the crash window docs/decisions.md describes, counted apart.
  const byMessageId = new Map<string, number>();
  const emailsPerNotice = new Map<string, Set<string>>();
  for (const mail of mails) {
    byMessageId.set(mail.messageId, (byMessageId.get(mail.messageId) ?? 0) + 1);
    for (const notice of listedNotices(mail))
      for (const recipient of mail.to) {
        const key = `${recipient}|${notice.number}|${notice.expiresAt}`;
        const ids = emailsPerNotice.get(key) ?? new Set<string>();
        ids.add(mail.messageId);
        emailsPerNotice.set(key, ids);
      }
  }
  const sentButNotReceived = notices.rows.filter(
    (row) =>
      row.status === "sent" &&
      !emailsPerNotice.has(`${row.recipient.toLowerCase()}|${row.number}|${row.expires_at.toISOString()}`),
  ).length;

  return {
    lost: {
      acceptedTransitionsNotFinished: acceptedNotFinished.length,
      transitionsStillPending: stillPending,
      noticesNotSent,
      noticesMarkedSentButNoEmailReceived: sentButNotReceived,
    },
    doubled: {
      transitionsAppliedTwice: doubled.rows[0]!.count,
      appliedTransitionsWithoutHistory: appliedWithoutHistory.rows[0]!.count,
      noticesInTwoEmails: [...emailsPerNotice.values()].filter((ids) => ids.size > 1).length,
    },
    sameEmailDeliveredTwice: [...byMessageId.values()].filter((count) => count > 1).length,
    totals: {
      transitionsAccepted: accepted.length,
      transitions: Object.fromEntries(
        ["applied", "rejected", "pending"].map((name) => [
          name,
          transitions.rows.filter((row) => row.status === name).length,
        ]),
      ),
      notices: notices.rows.length,
      emails: mails.length,
    },
  };
}
