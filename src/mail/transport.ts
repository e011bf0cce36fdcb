import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTransport } from "nodemailer";
import type { Config } from "../config.js";
import { withTimeout } from "../queues.js";

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per e-mail (the batch id), so a resend after a crash carries the same Message-ID. */
  id: string;
  date: Date;
}

export interface MailTransport {
  /** Resolves once the SMTP server accepted the message (or the .eml file is written). */
  send(mail: OutgoingMail): Promise<{ destination: string }>;
}

type MailConfig = Pick<Config, "smtpUrl" | "mailFrom" | "dataDir">;

/** SMTP when `SMTP_URL` is set; otherwise `.eml` files in NUMBERS_DATA_DIR/outbox. One per process. */
export function createMailTransport(config: MailConfig): MailTransport {
  return config.smtpUrl ? smtpTransport(config, config.smtpUrl) : outboxTransport(config);
}

const messageFields = (config: MailConfig, mail: OutgoingMail) => ({
  from: config.mailFrom,
  to: mail.to,
  subject: mail.subject,
  text: mail.text,
  html: mail.html,
  date: mail.date,
  messageId: `<${mail.id}@${config.mailFrom.split("@")[1] ?? "localhost"}>`,
});

/**
 * The whole exchange with the SMTP server ends within this long. The notices being sent stay
 * locked in an open transaction meanwhile, so it must stay well under
 * DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS (2 min by default), or Postgres would end that
 * transaction under a message already accepted, and the retry would send it again.
 */
export const MAIL_SEND_DEADLINE_MS = 60_000;

function smtpTransport(config: MailConfig, url: string): MailTransport {
  // Short timeouts: a mail job must fail (and be retried) rather than hang its worker slot.
  const smtp = createTransport({
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      await withTimeout(
        smtp.sendMail(messageFields(config, mail)),
        MAIL_SEND_DEADLINE_MS,
        "sending the e-mail",
      );
      return { destination: url };
    },
  };
}

/**
 * Writes each message as `<id>.eml`. The name is the e-mail's id, so writing it again (a retry
 * after a crash) replaces the file instead of adding a second message.
 */
function outboxTransport(config: MailConfig): MailTransport {
  const stream = createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  const outbox = join(config.dataDir, "outbox");
  return {
    async send(mail) {
      const info = await stream.sendMail(messageFields(config, mail));
      await mkdir(outbox, { recursive: true });
      const file = join(outbox, `${mail.id}.eml`);
      // Written aside and renamed, so a reader never sees half a message.
      await writeFile(`${file}.tmp`, info.message as Buffer);
      await rename(`${file}.tmp`, file);
      return { destination: file };
    },
  };
}
