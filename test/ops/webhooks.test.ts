import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningRole } from "../../workers/roles.js";
import { startScheduler } from "../../workers/scheduler.js";
import {
  addNumber,
  call,
  createKey,
  createOrganization,
  finished,
  requestTransition,
  transition,
} from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { startReceiver, verifySignature } from "./receiver.js";

let t: TestContext;
let scheduler: RunningRole;
beforeAll(async () => {
  // Short breaker pauses too: a receiver stopped for a while is paused, and must come back quickly.
  t = await createTestContext({
    webhookAllowPrivate: true,
    webhookRetryBaseMs: 50,
    webhookBreakerPauseMs: 200,
  });
  await t.startWorker();
  scheduler = await startScheduler(t.deps);
});
afterAll(async () => {
  await scheduler?.close();
  await t?.close();
});

async function subscribe(url: string, key?: string, events = ["transition.applied", "transition.rejected"]) {
  const response = await call(t.app, "POST", "/v1/webhooks", { key, body: { url, events } });
  expect(response.status, response.text).toBe(201);
  return response.body as { id: string; url: string; events: string[]; secret: string };
}

const deliveries = async (webhookId: string, key?: string) =>
  (await call(t.app, "GET", `/v1/webhooks/${webhookId}/deliveries`, { key })).body.items as any[];

const lock = (number: string) => transition(t.app, number, { action: "lock", remark: "webhook test" });

describe("webhook delivery", () => {
  it("signs each delivery so the receiver can verify it", async () => {
    const receiver = await startReceiver();
    const webhook = await subscribe(receiver.url);
    expect(webhook.secret).toMatch(/^whsec_/);
    const number = await addNumber({}, t.app);
    const applied = await lock(number);

    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
    const [delivery] = receiver.received;
    expect(delivery!.body).toMatchObject({
      type: "transition.applied",
      data: { id: applied.id, number, action: "lock", status: "applied" },
    });
    expect(delivery!.headers["numbers-event-id"]).toBe(delivery!.body.id);
    expect(delivery!.headers["content-type"]).toBe("application/json");
    const signature = String(delivery!.headers["numbers-signature"]);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(signature, delivery!.raw, webhook.secret)).toBe(true);
    expect(verifySignature(signature, delivery!.raw, "whsec_wrong")).toBe(false);

    await expect.poll(async () => (await deliveries(webhook.id))[0]?.status).toBe("delivered");
    expect(await deliveries(webhook.id)).toEqual([
      {
        eventId: delivery!.body.id,
        type: "transition.applied",
        status: "delivered",
        attempts: 1,
        lastStatusCode: 200,
        lastError: null,
        nextAttemptAt: null,
      },
    ]);
    await call(t.app, "DELETE", `/v1/webhooks/${webhook.id}`);
    await receiver.stop();
  });

  it("retries a receiver answering 500 twice, then 200: three times the same event", async () => {
    const receiver = await startReceiver([500, 500]);
    const webhook = await subscribe(receiver.url);
    await lock(await addNumber({}, t.app));

    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(3);
    const ids = receiver.received.map((delivery) => delivery.body.id);
    expect(new Set(ids).size).toBe(1);
    expect(receiver.received.map((delivery) => delivery.headers["numbers-event-id"])).toEqual(ids);
    await expect
      .poll(async () => (await deliveries(webhook.id))[0])
      .toMatchObject({
        status: "delivered",
        attempts: 3,
        lastStatusCode: 200,
      });
    await call(t.app, "DELETE", `/v1/webhooks/${webhook.id}`);
    await receiver.stop();
  });

  it("keeps trying a stopped receiver and delivers once it is back", async () => {
    const receiver = await startReceiver();
    const webhook = await subscribe(receiver.url);
    await receiver.stop();
    await lock(await addNumber({}, t.app));

    // Refused connections are recorded and retried with backoff.
    await expect
      .poll(async () => (await deliveries(webhook.id))[0], { timeout: 10_000 })
      .toMatchObject({ status: "pending", attempts: expect.toSatisfy((n: number) => n >= 2) });
    const pending = (await deliveries(webhook.id))[0];
    expect(pending.lastError).toMatch(/ECONNREFUSED/);
    expect(pending.lastStatusCode).toBeNull();
    expect(receiver.received).toHaveLength(0);

    await receiver.restart();
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(1);
    expect(receiver.received[0]!.body.id).toBe(pending.eventId);
    await expect.poll(async () => (await deliveries(webhook.id))[0]?.status).toBe("delivered");
    await call(t.app, "DELETE", `/v1/webhooks/${webhook.id}`);
    await receiver.stop();
  });

  it("hands a delivery whose job was lost (Redis wiped) to the queue again", async () => {
    const receiver = await startReceiver();
    const webhook = await subscribe(receiver.url);
    const queue = t.deps.queues.webhooks;
    await queue.pause();
    try {
      await lock(await addNumber({}, t.app));
      // The dispatcher has handed it over: the job waits in the paused queue. Wipe it.
      await expect.poll(() => queue.getJobCountByTypes("waiting", "prioritized")).toBe(1);
      await queue.obliterate({ force: true });
    } finally {
      await queue.resume();
    }
    expect(await queue.getJobCountByTypes("waiting", "prioritized", "active", "delayed")).toBe(0);
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(1);
    // The receiver answers before the worker records the attempt: wait for the record.
    await expect.poll(async () => (await deliveries(webhook.id))[0]?.status).toBe("delivered");
    expect((await deliveries(webhook.id))[0]).toMatchObject({ status: "delivered", attempts: 1 });
    await call(t.app, "DELETE", `/v1/webhooks/${webhook.id}`);
    await receiver.stop();
  });

  it("tells a transition the worker rejected", async () => {
    const receiver = await startReceiver();
    const webhook = await subscribe(receiver.url, undefined, ["transition.rejected"]);
    const number = await addNumber({}, t.app);
    // Accepted while the number is available; by the time the worker looks it has been deleted.
    await t.deps.queues.transitions.pause();
    const accepted = await requestTransition(t.app, number, { action: "lock", remark: "too late" });
    expect(accepted.status, accepted.text).toBe(202);
    await t.deps.db
      .updateTable("numbers")
      .set({ state: "deleted", deleted_reason: "faulty" })
      .where("number", "=", number)
      .execute();
    await t.deps.queues.transitions.resume();
    expect((await finished(t.app, accepted.body.id)).status).toBe("rejected");

    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
    expect(receiver.received[0]!.body).toMatchObject({
      type: "transition.rejected",
      data: { id: accepted.body.id, status: "rejected", error: { code: "invalid_state" } },
    });
    await call(t.app, "DELETE", `/v1/webhooks/${webhook.id}`);
    await receiver.stop();
  });
});

describe("webhook scope", () => {
  it("tells an organisation only of numbers it can see", async () => {
    const partner = await createOrganization(t.app, { kind: "partner" });
    const customer = await createOrganization(t.app, { partnerId: partner.id });
    const stranger = await createOrganization(t.app);
    const receivers = {
      platform: await startReceiver(),
      partner: await startReceiver(),
      customer: await startReceiver(),
      stranger: await startReceiver(),
    };
    const hooks = {
      platform: await subscribe(receivers.platform.url),
      partner: await subscribe(receivers.partner.url, await createKey(t.app, "partner_admin", partner.id)),
      customer: await subscribe(
        receivers.customer.url,
        await createKey(t.app, "customer_admin", customer.id),
      ),
      stranger: await subscribe(
        receivers.stranger.url,
        await createKey(t.app, "customer_admin", stranger.id),
      ),
    };

    const number = await addNumber({}, t.app);
    const reserved = await transition(t.app, number, {
      action: "reserve",
      ownerId: customer.id,
      remark: "webhook scope",
    });
    // The event and its deliveries commit with the transition: the log is complete already.
    expect(await deliveries(hooks.stranger.id)).toEqual([]);
    for (const name of ["platform", "partner", "customer"] as const) {
      await expect.poll(() => receivers[name].received.length, { timeout: 10_000 }).toBe(1);
      expect(receivers[name].received[0]!.body.data.id).toBe(reserved.id);
    }
    // A number in no one's hands is the platform's business alone.
    const other = await addNumber({}, t.app);
    await lock(other);
    await expect.poll(() => receivers.platform.received.length, { timeout: 10_000 }).toBe(2);
    for (const name of ["partner", "customer", "stranger"] as const)
      expect(await deliveries(hooks[name].id)).toHaveLength(name === "stranger" ? 0 : 1);
    expect(receivers.stranger.received).toEqual([]);

    // Released: the former owner still hears of it, having held the number until then.
    await transition(t.app, number, { action: "release", remark: "webhook scope" });
    await expect.poll(() => receivers.customer.received.length, { timeout: 10_000 }).toBe(2);
    for (const receiver of Object.values(receivers)) await receiver.stop();
    for (const hook of Object.values(hooks)) await call(t.app, "DELETE", `/v1/webhooks/${hook.id}`);
  });
});

describe("webhook subscriptions", () => {
  it("lists, hides from other organisations and deletes", async () => {
    const customer = await createOrganization(t.app);
    const other = await createOrganization(t.app);
    const key = await createKey(t.app, "customer_admin", customer.id);
    const otherKey = await createKey(t.app, "customer_admin", other.id);
    const viewer = await createKey(t.app, "viewer", customer.id);
    const created = await subscribe("http://127.0.0.1:9/hook", key, ["notice.sent"]);
    expect(created).toMatchObject({ url: "http://127.0.0.1:9/hook", events: ["notice.sent"] });

    const listed = await call(t.app, "GET", "/v1/webhooks", { key });
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: created.id, organizationId: customer.id, events: ["notice.sent"] }),
    ]);
    expect(listed.body.items[0].secret).toBeUndefined();
    expect((await call(t.app, "GET", "/v1/webhooks", { key: otherKey })).body.items).toEqual([]);
    expect((await call(t.app, "DELETE", `/v1/webhooks/${created.id}`, { key: otherKey })).status).toBe(404);
    expect(
      (await call(t.app, "GET", `/v1/webhooks/${created.id}/deliveries`, { key: otherKey })).status,
    ).toBe(404);
    expect((await call(t.app, "DELETE", `/v1/webhooks/${created.id}`, { key: viewer })).status).toBe(403);

    expect((await call(t.app, "DELETE", `/v1/webhooks/${created.id}`, { key })).status).toBe(204);
    expect((await call(t.app, "GET", "/v1/webhooks", { key })).body.items).toEqual([]);
  });

  it("refuses unknown events and missing fields", async () => {
    const response = await call(t.app, "POST", "/v1/webhooks", {
      body: { url: "http://127.0.0.1/", events: ["nope"] },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("validation_failed");
  });
});

describe("SSRF guard", () => {
  let guarded: TestContext;
  beforeAll(async () => {
    guarded = await createTestContext();
  });
  afterAll(async () => guarded?.close());

  it.each([
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://172.20.0.1/hook",
    "http://192.168.1.10/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook",
    "http://[fd00::1]/hook",
    "http://[fe80::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:0:7f00:1]/hook", // IPv4-translated
    "http://[::7f00:1]/hook", // IPv4-compatible
    "http://[64:ff9b::a00:1]/hook", // NAT64 to 10.0.0.1
    "http://[64:ff9b:1::a00:1]/hook", // local-use NAT64
    "http://[2002:7f00:1::1]/hook", // 6to4 through 127.0.0.1
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook", // Teredo
    "http://0.0.0.0/hook",
    "ftp://93.184.216.34/hook",
    "file:///etc/passwd",
    "not a url",
  ])("refuses %s with 422 url_not_allowed", async (url) => {
    const response = await call(guarded.app, "POST", "/v1/webhooks", {
      body: { url, events: ["transition.applied"] },
    });
    expect(response.status, response.text).toBe(422);
    expect(response.body.error.code).toBe("url_not_allowed");
  });

  it("accepts a public address", async () => {
    const response = await call(guarded.app, "POST", "/v1/webhooks", {
      body: { url: "https://93.184.216.34/hook", events: ["transition.applied"] },
    });
    expect(response.status, response.text).toBe(201);
  });
});
