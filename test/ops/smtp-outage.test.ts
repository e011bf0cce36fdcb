import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { startRoleProcess, stopProcess } from "../support/processes.js";
import { type SmtpCapture, startSmtpCapture } from "../support/smtp.js";
import { DAY_MS, insertNumber, mailQueueIdle, notices, shift } from "../sweeps/fixtures.js";

let t: TestContext;
let smtp: SmtpCapture;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  t = await createTestContext({ smtpUrl: smtp.url });
});
afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

describe("the SMTP server down through a sweep", () => {
  it("keeps the notice and sends it once when the server is back", { timeout: 180_000 }, async () => {
    const customer = await createOrganization(t.app);
    // The scheduler process sweeps at start by the system clock: this reservation is due a notice now.
    const number = await insertNumber(t.deps, {
      state: "reserved",
      owner_id: customer.id,
      reservation_kind: "manual",
      reserved_at: new Date(),
      reservation_expires_at: shift(new Date(), 3 * DAY_MS),
    });
    await smtp.stop();
    // Each refused attempt is logged as a warning; expected here.
    const env = {
      SMTP_URL: smtp.url,
      MAIL_BACKOFF_MS: "200",
      MAIL_ATTEMPTS: "40",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "error",
    };
    const processes = [startRoleProcess(t, "scheduler", env), startRoleProcess(t, "worker", env)];
    try {
      // The sweep recorded it and the worker is trying: refused connections, counted, nothing sent.
      await expect
        .poll(async () => (await notices(t.app, { number }))[0]?.attempts ?? 0, { timeout: 120_000 })
        .toBeGreaterThanOrEqual(2);
      const [waiting] = await notices(t.app, { number });
      expect(waiting).toMatchObject({
        status: "pending",
        sentAt: null,
        lastError: expect.stringMatching(/ECONNREFUSED|connect/i),
      });

      await smtp.start();
      await expect.poll(() => smtp.to(customer.billingEmail).length, { timeout: 60_000 }).toBe(1);
      await mailQueueIdle(t.deps, 30_000);
    } finally {
      await Promise.all(processes.map((child) => stopProcess(child)));
    }
    expect(smtp.to(customer.billingEmail)).toHaveLength(1);
    expect((await notices(t.app, { number }))[0]).toMatchObject({ status: "sent", lastError: null });
  });
});
