import { NOTICE_DAYS, type NoticeKind } from "../lifecycle/states.js";

/** Pure: what an e-mail says. No I/O, no clock; the caller passes everything in. */

export interface NoticeItem {
  kind: NoticeKind;
  number: string;
  expiresAt: Date;
}

/** One e-mail of a recipient's notices split across several (see MAX_NUMBERS_PER_EMAIL). */
export interface MailPart {
  /** 1-based. */
  index: number;
  of: number;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

interface Section {
  /** Subject part: says "expire" for reservations and "lock" for locks, so mail filters can sort. */
  subject: (count: number) => string;
  heading: string;
  explanation: string;
  timeLabel: string;
}

const plural = (count: number, one: string, many: string) => (count === 1 ? one : many);

const SECTIONS: Record<NoticeKind, Section> = {
  reservation_expiring: {
    subject: (count) =>
      `${count} reserved ${plural(count, "number expires", "numbers expire")} within ${NOTICE_DAYS} days`,
    heading: `Reserved numbers that expire within ${NOTICE_DAYS} days`,
    explanation:
      "When a reservation expires the number goes back to the inventory. Extend the reservation or put the number into service before then to keep it.",
    timeLabel: "expires",
  },
  lock_expiring: {
    subject: (count) =>
      `${count} number ${plural(count, "lock expires", "locks expire")} within ${NOTICE_DAYS} days`,
    heading: `Number locks that expire within ${NOTICE_DAYS} days`,
    explanation:
      "When a lock expires the number is unlocked and becomes available to anyone. Lock it again after it expires if it must stay held.",
    timeLabel: "lock expires",
  },
  lock_expired: {
    subject: (count) => `${count} number ${plural(count, "lock", "locks")} expired and released`,
    heading: "Number locks that expired",
    explanation: "These locks expired and the numbers went back to the inventory as available.",
    timeLabel: "lock expired",
  },
};

const ORDER: NoticeKind[] = ["reservation_expiring", "lock_expiring", "lock_expired"];

/**
 * One e-mail for one recipient listing every number concerned, grouped by kind of notice; the
 * subject names each kind present. Numbers are listed once per kind even when two notices of
 * the same recipient name them (a partner whose support desk is also the platform's).
 */
export function renderNoticeMail(items: NoticeItem[], part: MailPart = { index: 1, of: 1 }): RenderedMail {
  const groups = ORDER.map((kind) => ({
    kind,
    items: uniqueSorted(items.filter((i) => i.kind === kind)),
  })).filter((group) => group.items.length > 0);
  if (groups.length === 0) throw new Error("A notice e-mail needs at least one number.");

  const split = part.of > 1;
  const partLabel = `part ${part.index} of ${part.of}`;
  const partNote = `There are more numbers than fit in one e-mail, so this notice comes in ${part.of} e-mails; this is ${partLabel}.`;
  const subject = `Numbers: ${groups.map((group) => SECTIONS[group.kind].subject(group.items.length)).join("; ")}${split ? ` (${partLabel})` : ""}`;
  const text = [
    "Hello,",
    "",
    ...(split ? [partNote, ""] : []),
    ...groups.flatMap((group) => {
      const section = SECTIONS[group.kind];
      return [
        `${section.heading}:`,
        "",
        ...group.items.map((item) => `  ${item.number}  ${section.timeLabel} ${formatTime(item.expiresAt)}`),
        "",
        section.explanation,
        "",
      ];
    }),
    "Times are UTC.",
    "",
    "-- numbers",
    "",
  ].join("\n");
  const html = [
    "<!doctype html>",
    '<html><body style="font-family: sans-serif">',
    "<p>Hello,</p>",
    ...(split ? [`<p>${escapeHtml(partNote)}</p>`] : []),
    ...groups.map((group) => {
      const section = SECTIONS[group.kind];
      const rows = group.items
        .map((item) => `<tr><td>${escapeHtml(item.number)}</td><td>${formatTime(item.expiresAt)}</td></tr>`)
        .join("");
      return [
        `<h2>${escapeHtml(section.heading)}</h2>`,
        `<table><thead><tr><th align="left">Number</th><th align="left">${escapeHtml(section.timeLabel)} (UTC)</th></tr></thead>`,
        `<tbody>${rows}</tbody></table>`,
        `<p>${escapeHtml(section.explanation)}</p>`,
      ].join("\n");
    }),
    "<p>-- numbers</p>",
    "</body></html>",
    "",
  ].join("\n");
  return { subject, text, html };
}

function uniqueSorted(items: NoticeItem[]): NoticeItem[] {
  const byKey = new Map(items.map((item) => [`${item.number}|${item.expiresAt.toISOString()}`, item]));
  return [...byKey.values()].sort(
    (a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || a.number.localeCompare(b.number),
  );
}

/** ISO-8601 UTC, as the API shows times, so a reader can match the e-mail to the API. */
const formatTime = (instant: Date) => instant.toISOString();

function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
