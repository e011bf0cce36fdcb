import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningRole } from "../../workers/roles.js";
import { startScheduler } from "../../workers/scheduler.js";
import { addNumber, call, createKey, createOrganization, transition } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { type SmtpCapture, startSmtpCapture } from "../support/smtp.js";
import { startReceiver } from "./receiver.js";

const DAY_MS = 86_400_000;
let t: TestContext;
let smtp: SmtpCapture;
let scheduler: RunningRole;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  t = await createTestContext({
    webhookAllowPrivate: true,
    webhookRetryBaseMs: 50,
    smtpUrl: smtp.url,
    mailAttempts: 1,
  });
  await t.startWorker();
  scheduler = await startScheduler(t.deps);
});
afterAll(async () => {
  await scheduler?.close();
  await t?.close();
  await smtp?.stop();
});

async function subscribe(url: string, key: string | undefined, events: string[]) {
  const response = await call(t.app, "POST", "/v1/webhooks", { key, body: { url, events } });
  expect(response.status, response.text).toBe(201);
  return response.body as { id: string };
}

/** A number reserved for `ownerId` (28 days): a sweep 22 days on sends its expiry notice. */
async function reservedExpiringSoon(ownerId: string) {
  const number = await addNumber({}, t.app);
  await transition(t.app, number, { action: "reserve", ownerId, remark: "notice webhooks" });
  return number;
}

async function sweep() {
  const at = new Date(t.clock.now().getTime() + 22 * DAY_MS).toISOString();
  const response = await call(t.app, "POST", "/v1/sweeps", { body: { at } });
  expect(response.status, response.text).toBe(200);
  expect(response.body.notices.reservationExpiring).toBeGreaterThan(0);
}

describe("notice webhooks", () => {
  it("tells the owner's webhook, and no one else's, that its notice was sent", async () => {
    const customer = await createOrganization(t.app);
    const stranger = await createOrganization(t.app);
    const receiver = await startReceiver();
    const strangerReceiver = await startReceiver();
    await subscribe(receiver.url, await createKey(t.app, "customer_admin", customer.id), ["notice.sent"]);
    const strangerHook = await subscribe(
      strangerReceiver.url,
      await createKey(t.app, "customer_admin", stranger.id),
      ["notice.sent", "notice.failed"],
    );
    const number = await reservedExpiringSoon(customer.id);

    await sweep();
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(1);
    expect(receiver.received[0]!.body).toMatchObject({
      type: "notice.sent",
      data: { kind: "reservation_expiring", number, status: "sent", recipient: customer.billingEmail },
    });
    expect(smtp.to(customer.billingEmail)).toHaveLength(1);
    expect((await call(t.app, "GET", `/v1/webhooks/${strangerHook.id}/deliveries`)).body.items).toEqual([]);
    expect(strangerReceiver.received).toEqual([]);
    await receiver.stop();
    await strangerReceiver.stop();
  });

  it("tells the platform's webhook when a notice e-mail failed for good", async () => {
    const customer = await createOrganization(t.app);
    const receiver = await startReceiver();
    await subscribe(receiver.url, undefined, ["notice.failed"]);
    const number = await reservedExpiringSoon(customer.id);

    await smtp.stop();
    try {
      await sweep();
      await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(1);
    } finally {
      await smtp.start();
    }
    expect(receiver.received[0]!.body).toMatchObject({
      type: "notice.failed",
      data: { kind: "reservation_expiring", number, status: "failed", sentAt: null },
    });
    await receiver.stop();
  });
});
