import { describe, expect, it } from "vitest";
import { renderNoticeMail } from "../../src/mail/templates.js";

const expiresAt = new Date("2026-03-29T09:00:00.000Z");

describe("notice e-mails", () => {
  it.each([
    ["reservation_expiring", /expire/],
    ["lock_expiring", /lock/],
    ["lock_expired", /lock/],
  ] as const)("%s: the subject says %s and every number is listed with its expiry", (kind, word) => {
    const mail = renderNoticeMail([
      { kind, number: "+6561234567", expiresAt },
      { kind, number: "+6561234568", expiresAt: new Date("2026-03-30T00:00:00.000Z") },
    ]);
    expect(mail.subject).toMatch(word);
    expect(mail.subject).toContain("2 ");
    for (const text of [mail.text, mail.html]) {
      expect(text).toContain("+6561234567");
      expect(text).toContain("+6561234568");
      expect(text).toContain("2026-03-29T09:00:00.000Z");
    }
    expect(mail.html).toMatch(/^<!doctype html>/);
  });

  it("lists a number once per kind when two notices of one recipient name it", () => {
    const mail = renderNoticeMail([
      { kind: "lock_expiring", number: "+6561234567", expiresAt },
      { kind: "lock_expiring", number: "+6561234567", expiresAt },
    ]);
    expect(mail.subject).toBe("Numbers: 1 number lock expires within 7 days");
    expect(mail.text.split("+6561234567")).toHaveLength(2);
  });

  it("puts several kinds into one e-mail, in a fixed order", () => {
    const mail = renderNoticeMail([
      { kind: "lock_expired", number: "+6561234569", expiresAt },
      { kind: "reservation_expiring", number: "+6561234567", expiresAt },
    ]);
    expect(mail.subject).toBe(
      "Numbers: 1 reserved number expires within 7 days; 1 number lock expired and released",
    );
    expect(mail.text.indexOf("+6561234567")).toBeLessThan(mail.text.indexOf("+6561234569"));
  });

  it("refuses an e-mail with nothing to say", () => {
    expect(() => renderNoticeMail([])).toThrow();
  });
});
