import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordReservationNotices } from "../../src/db/notices.js";
import { startScheduler } from "../../workers/scheduler.js";
import { createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { startRoleProcess, stopProcess } from "../support/processes.js";
import { type SmtpCapture, startSmtpCapture } from "../support/smtp.js";
import {
  DAY_MS,
  insertNumber,
  MINUTE_MS,
  mailQueueIdle,
  notices,
  numberRow,
  shift,
  sweep,
} from "./fixtures.js";

let t: TestContext;
let smtp: SmtpCapture;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  // Quick retries so an SMTP outage in a test lasts seconds, not minutes.
  t = await createTestContext({ smtpUrl: smtp.url, mailBackoffMs: 100, mailAttempts: 30 });
});
afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

/** A customer with `count` reservations expiring 3 days after `at`: inside the notice window. */
async function expiringReservations(at: Date, count = 2) {
  const customer = await createOrganization(t.app, { kind: "customer" });
  const numbers: string[] = [];
  for (let i = 0; i < count; i++)
    numbers.push(
      await insertNumber(t.deps, {
        state: "reserved",
        owner_id: customer.id,
        reservation_kind: "manual",
        reserved_at: shift(at, -25 * DAY_MS),
        reservation_expires_at: shift(at, 3 * DAY_MS),
      }),
    );
  return { customer, numbers };
}

describe("each notice is sent exactly once", () => {
  it("two sweeps for the same instant at once: one e-mail", async () => {
    await t.startWorker();
    const at = new Date("2026-04-01T00:00:00.000Z");
    const { customer, numbers } = await expiringReservations(at);
    const reports = await Promise.all([sweep(t.app, { at }), sweep(t.app, { at }), sweep(t.app, { at })]);
    expect(reports.map((report) => report.notices.reservationExpiring).sort()).toEqual([0, 0, 2]);
    await mailQueueIdle(t.deps);
    const mails = smtp.to(customer.billingEmail);
    expect(mails).toHaveLength(1);
    for (const number of numbers) expect(mails[0]!.text).toContain(number);
  });

  it("without the sweep lock, the unique notice key alone lets one of two racing recorders win", async () => {
    const at = new Date("2026-04-10T00:00:00.000Z");
    const { numbers } = await expiringReservations(at, 5);
    const window = {
      at,
      until: shift(at, 7 * DAY_MS),
      recordedAt: at,
      platformSupportEmail: t.deps.config.platformSupportEmail,
    };
    const [first, second] = await Promise.all([
      recordReservationNotices(t.deps.db, { ...window, runId: randomUUID() }, 10_000),
      recordReservationNotices(t.deps.db, { ...window, runId: randomUUID() }, 10_000),
    ]);
    const recorded = [...first!, ...second!].map((row) => row.number).sort();
    expect(recorded).toEqual(expect.arrayContaining(numbers));
    expect(new Set(recorded).size).toBe(recorded.length);
  });

  it("two schedulers started at once: one e-mail", async () => {
    const customerAt = t.clock.now();
    const { customer } = await expiringReservations(customerAt);
    const schedulers = await Promise.all([startScheduler(t.deps), startScheduler(t.deps)]);
    try {
      await expect.poll(() => smtp.to(customer.billingEmail).length, { timeout: 15_000 }).toBe(1);
      await mailQueueIdle(t.deps);
      expect(smtp.to(customer.billingEmail)).toHaveLength(1);
    } finally {
      await Promise.all(schedulers.map((scheduler) => scheduler.close()));
    }
  });

  it("SMTP down during the sweep: delivered once when it is back on the same port", async () => {
    const at = new Date("2026-05-01T00:00:00.000Z");
    const { customer, numbers } = await expiringReservations(at);
    await smtp.stop();
    try {
      expect((await sweep(t.app, { at })).notices.reservationExpiring).toBe(2);
      await expect
        .poll(async () => (await notices(t.app, { number: numbers[0]! }))[0]?.attempts ?? 0, {
          timeout: 15_000,
        })
        .toBeGreaterThanOrEqual(1);
      const [failing] = await notices(t.app, { number: numbers[0]! });
      expect(failing).toMatchObject({ status: "pending", sentAt: null });
      expect(failing!.lastError).toMatch(/ECONNREFUSED|connect/i);
      // A sweep while the message is still waiting to be retried adds nothing.
      await sweep(t.app, { at: shift(at, MINUTE_MS) });
    } finally {
      await smtp.start();
    }
    await expect.poll(() => smtp.to(customer.billingEmail).length, { timeout: 20_000 }).toBe(1);
    await mailQueueIdle(t.deps);
    expect(smtp.to(customer.billingEmail)).toHaveLength(1);
    const sent = await notices(t.app, { number: numbers[0]! });
    expect(sent[0]).toMatchObject({ status: "sent", lastError: null });
    expect(sent[0]!.attempts).toBeGreaterThanOrEqual(2);
  });

  it("a mail job lost after the notices were recorded is handed over again by the next sweep", async () => {
    const workerless = await createTestContext({
      smtpUrl: smtp.url,
      queuePrefix: `lost_${randomUUID().slice(0, 8)}`,
    });
    try {
      const at = new Date("2026-05-10T00:00:00.000Z");
      const customer = await createOrganization(workerless.app, { kind: "customer" });
      const number = await insertNumber(workerless.deps, {
        state: "reserved",
        owner_id: customer.id,
        reservation_kind: "manual",
        reservation_expires_at: shift(at, 2 * DAY_MS),
      });
      expect((await sweep(workerless.app, { at })).numbers.reservationExpiring).toEqual([number]);
      // As if Redis lost the job (or the process died before adding it).
      await workerless.deps.queues.mail.obliterate({ force: true });
      await workerless.startWorker();
      expect((await sweep(workerless.app, { at: shift(at, MINUTE_MS) })).notices.reservationExpiring).toBe(0);
      await expect.poll(() => smtp.to(customer.billingEmail).length, { timeout: 15_000 }).toBe(1);
      await mailQueueIdle(workerless.deps);
      await sweep(workerless.app, { at: shift(at, 2 * MINUTE_MS) });
      await mailQueueIdle(workerless.deps);
      expect(smtp.to(customer.billingEmail)).toHaveLength(1);
    } finally {
      await workerless.close();
    }
  });
});

describe("the scheduler", () => {
  // Two processes booting through tsx on a busy machine take a while; the deadline allows for it.
  it("runs safely as two processes: their sweeps at start send one e-mail", {
    timeout: 120_000,
  }, async () => {
    await t.startWorker();
    // Scheduler processes read the system clock, so this reservation is due for a notice now.
    const { customer } = await expiringReservations(new Date());
    const processes = [startRoleProcess(t, "scheduler"), startRoleProcess(t, "scheduler")];
    try {
      await expect.poll(() => smtp.to(customer.billingEmail).length, { timeout: 90_000 }).toBe(1);
      await mailQueueIdle(t.deps);
      expect(smtp.to(customer.billingEmail)).toHaveLength(1);
    } finally {
      await Promise.all(processes.map((child) => stopProcess(child)));
    }
  });

  it("catches up after downtime: expiries applied, notices only for expiries still ahead", async () => {
    const now = t.clock.now();
    const customer = await createOrganization(t.app, { kind: "customer" });
    const reservation = (expiresAt: Date) =>
      insertNumber(t.deps, {
        state: "reserved",
        owner_id: customer.id,
        reservation_kind: "manual",
        reserved_at: shift(expiresAt, -28 * DAY_MS),
        reservation_expires_at: expiresAt,
      });
    // Fell due while nothing ran: expired 10 days ago, its notice window long gone.
    const expired = await reservation(shift(now, -10 * DAY_MS));
    // Its 7-day mark passed during the downtime, its expiry is still ahead.
    const upcoming = await reservation(shift(now, 2 * DAY_MS));
    const cooled = await insertNumber(t.deps, { state: "cooldown", cooldown_until: shift(now, -3 * DAY_MS) });

    const scheduler = await startScheduler(t.deps);
    try {
      await expect
        .poll(async () => (await numberRow(t.deps, expired)).state, { timeout: 15_000 })
        .toBe("available");
      await expect
        .poll(async () => (await numberRow(t.deps, cooled)).state, { timeout: 15_000 })
        .toBe("available");
      await expect.poll(() => smtp.to(customer.billingEmail).length, { timeout: 15_000 }).toBe(1);
      const [mail] = smtp.to(customer.billingEmail);
      expect(mail!.text).toContain(upcoming);
      expect(mail!.text).not.toContain(expired);
      expect(await notices(t.app, { number: expired })).toEqual([]);
    } finally {
      await scheduler.close();
    }
  });
});

describe("a message that keeps failing", () => {
  it("ends failed after its last attempt, is reported, and is not sent later", async () => {
    const down = await startSmtpCapture();
    await down.stop();
    const failing = await createTestContext({ smtpUrl: down.url, mailBackoffMs: 50, mailAttempts: 2 });
    try {
      await failing.startWorker();
      const at = new Date("2026-06-01T00:00:00.000Z");
      const customer = await createOrganization(failing.app, { kind: "customer" });
      const number = await insertNumber(failing.deps, {
        state: "reserved",
        owner_id: customer.id,
        reservation_kind: "manual",
        reservation_expires_at: shift(at, 2 * DAY_MS),
      });
      await sweep(failing.app, { at });
      await expect
        .poll(async () => (await notices(failing.app, { status: "failed" })).map((notice) => notice.number), {
          timeout: 15_000,
        })
        .toEqual([number]);
      const [failed] = await notices(failing.app, { number });
      expect(failed).toMatchObject({
        kind: "reservation_expiring",
        status: "failed",
        sentAt: null,
        attempts: 2,
      });
      expect(failed!.lastError).toMatch(/ECONNREFUSED|connect/i);

      await down.start();
      await sweep(failing.app, { at: shift(at, MINUTE_MS) });
      await mailQueueIdle(failing.deps);
      expect(down.messages).toHaveLength(0);
    } finally {
      await failing.close();
      await down.stop();
    }
  });
});
