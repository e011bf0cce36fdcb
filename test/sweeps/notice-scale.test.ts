import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_NOTICES_PER_EMAIL } from "../../src/services/notices.js";
import { createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { type SmtpCapture, startSmtpCapture } from "../support/smtp.js";
import { DAY_MS, mailQueueIdle, shift, sweep } from "./fixtures.js";

let t: TestContext;
let smtp: SmtpCapture;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  // A long statement timeout: the fixture is 65,600 rows in one statement, slow on a busy machine.
  t = await createTestContext({ smtpUrl: smtp.url, databaseStatementTimeoutMs: 300_000 });
  await t.startWorker();
});
afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

/** One more than a statement can carry as one parameter per value. */
const COUNT = 65_536 + 64;

describe("a recipient with more notices than a statement has parameters", () => {
  it("is told once about every number, over several e-mails, each sent once", {
    timeout: 240_000,
  }, async () => {
    const customer = await createOrganization(t.app);
    const at = t.clock.now();
    await sql`INSERT INTO numbers (number, state, owner_id, reservation_kind, reserved_at,
        reservation_expires_at, vendor, country, sku, updated_at)
      SELECT '+6580' || lpad(i::text, 7, '0'), 'reserved', ${customer.id}::uuid, 'manual', ${at}::timestamptz,
        ${shift(at, 3 * DAY_MS)}::timestamptz, 'acme', 'SG', 'DID-SG', ${at}::timestamptz
      FROM generate_series(1, ${COUNT}) AS i`.execute(t.deps.db);

    expect((await sweep(t.app, { at })).notices.reservationExpiring).toBe(COUNT);

    const parts = Math.ceil(COUNT / MAX_NOTICES_PER_EMAIL);
    await expect
      .poll(() => smtp.to(customer.billingEmail).length, { timeout: 180_000, interval: 500 })
      .toBe(parts);
    await mailQueueIdle(t.deps);

    const mails = smtp.to(customer.billingEmail);
    expect(mails).toHaveLength(parts);
    expect(new Set(mails.map((mail) => mail.messageId)).size).toBe(parts);
    expect(mails.map((mail) => /\(part (\d+) of (\d+)\)/.exec(mail.subject)?.slice(1)).sort()).toEqual(
      Array.from({ length: parts }, (_, i) => [String(i + 1), String(parts)]).sort(),
    );
    const listed = mails.flatMap((mail) => mail.text.match(/\+6580\d{7}/g) ?? []);
    expect(listed).toHaveLength(COUNT);
    expect(new Set(listed).size).toBe(COUNT);

    const { rows } = await sql<{ status: string; attempts: number; count: number }>`
      SELECT status, attempts, count(*)::int AS count FROM notices GROUP BY status, attempts`.execute(
      t.deps.db,
    );
    expect(rows).toEqual([{ status: "sent", attempts: 1, count: COUNT }]);
  });
});
