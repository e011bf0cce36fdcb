import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningRole } from "../../workers/roles.js";
import { startScheduler } from "../../workers/scheduler.js";
import { addNumber, call, createKey, createOrganization, transition } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { startReceiver, startSilentReceiver } from "./receiver.js";

const CAP = 500;
const PER_ENDPOINT = 4;
let t: TestContext;
let scheduler: RunningRole;
beforeAll(async () => {
  t = await createTestContext({
    webhookAllowPrivate: true,
    webhookRetryBaseMs: 50,
    webhooksPerOrganization: CAP,
    webhookEndpointConcurrency: PER_ENDPOINT,
    webhookBreakerFailures: 3,
    webhookBreakerPauseMs: 1_500,
  });
  await t.startWorker();
  scheduler = await startScheduler(t.deps);
});
afterAll(async () => {
  await scheduler?.close();
  await t?.close();
});

async function subscribe(url: string, key?: string, events = ["transition.applied"]) {
  return call(t.app, "POST", "/v1/webhooks", { key, body: { url, events } });
}
const deliveriesOf = async (webhookId: string, key?: string) => {
  const response = await call(t.app, "GET", `/v1/webhooks/${webhookId}/deliveries`, { key });
  expect(response.status, response.text).toBe(200);
  return response.body as {
    items: { status: string; attempts: number; nextAttemptAt: string | null }[];
    circuit: { endpoint: string; state: string; consecutiveFailures: number; pausedUntil: string | null };
  };
};
const metric = async (name: string) => {
  const line = (await call(t.app, "GET", "/metrics")).text
    .split("\n")
    .find((row) => row.startsWith(`${name} `));
  return line ? Number(line.split(" ").pop()) : 0;
};

describe("one tenant's dead receiver", () => {
  it("caps the tenant's webhooks, and does not delay another tenant's deliveries", {
    timeout: 90_000,
  }, async () => {
    const dead = await startSilentReceiver();
    const healthy = await startReceiver();
    const partner = await createOrganization(t.app, { kind: "partner" });
    const customer = await createOrganization(t.app, { partnerId: partner.id });
    const partnerKey = await createKey(t.app, "partner_admin", partner.id);
    const customerKey = await createKey(t.app, "customer_admin", customer.id);
    try {
      const deadHooks: string[] = [];
      for (let i = 0; i < CAP; i++) {
        const created = await subscribe(`${dead.url}/${i}`, partnerKey);
        expect(created.status, created.text).toBe(201);
        deadHooks.push(created.body.id);
      }
      const refused = await subscribe(`${dead.url}/one-more`, partnerKey);
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: "too_many_webhooks" });
      expect(refused.body.error.message).toContain(String(CAP));
      expect((await call(t.app, "GET", "/v1/webhooks", { key: partnerKey })).body.items).toHaveLength(CAP);
      // The cap is the partner's: its customer subscribes as usual.
      const healthyHook = await subscribe(healthy.url, customerKey);
      expect(healthyHook.status, healthyHook.text).toBe(201);

      // Two events in a row, each to 500 webhooks of the dead server and the one healthy webhook.
      const number = await addNumber({}, t.app, partnerKey);
      for (const [round, action] of [
        [1, { action: "reserve", ownerId: customer.id, remark: "for the customer" }],
        [2, { action: "release", remark: "back" }],
      ] as const) {
        await transition(t.app, number, action, partnerKey);
        // Promptly: without the limits all 32 delivery slots would wait 10 s on the dead server,
        // 500 deliveries deep, before the healthy one's turn.
        await expect.poll(() => healthy.received.length, { timeout: 5_000, interval: 50 }).toBe(round);
      }
      expect(healthy.received.map((delivery) => delivery.body.data.action)).toEqual(["reserve", "release"]);
      // The dead server never holds more deliveries at once than the per-server limit.
      expect(dead.stats.mostAtOnce).toBeGreaterThan(0);
      expect(dead.stats.mostAtOnce).toBeLessThanOrEqual(PER_ENDPOINT);
      expect(
        await metric('numbers_webhook_deliveries_postponed_total{reason="endpoint_busy"}'),
      ).toBeGreaterThan(0);

      // Its first tries time out after 10 s: three failures in a row pause the server, as every
      // one of its webhooks' delivery logs shows.
      let log: Awaited<ReturnType<typeof deliveriesOf>> | undefined;
      await expect
        .poll(
          async () => {
            log = await deliveriesOf(deadHooks[0]!, partnerKey);
            return log.circuit.state;
          },
          { timeout: 20_000, interval: 100 },
        )
        .toBe("open");
      expect(log!.circuit).toMatchObject({
        endpoint: new URL(dead.url).origin,
        consecutiveFailures: expect.toSatisfy((n: number) => n >= 3),
        pausedUntil: expect.any(String),
      });
      expect(await metric("numbers_webhook_circuit_opened_total")).toBeGreaterThanOrEqual(1);
      expect(dead.stats.mostAtOnce).toBeLessThanOrEqual(PER_ENDPOINT);
      expect(healthy.received).toHaveLength(2);
    } finally {
      // Deleted first: another server given the dead one's port later must not receive its backlog.
      await sql`UPDATE webhooks SET deleted_at = now() WHERE organization_id = ${partner.id}`.execute(
        t.deps.db,
      );
      await dead.stop();
      await healthy.stop();
    }
  });
});

describe("the circuit breaker", () => {
  it("pauses a failing server, pauses it longer when it fails again, and closes on a success", async () => {
    const receiver = await startReceiver([503, 503, 503, 503]);
    const hook = await subscribe(receiver.url);
    expect(hook.status, hook.text).toBe(201);
    const openedBefore = await metric("numbers_webhook_circuit_opened_total");
    const endpoint = new URL(receiver.url).origin;
    const circuitRow = () =>
      sql<{ times_opened: number; pause_ms: number }>`
        SELECT times_opened, extract(epoch FROM paused_until - opened_at)::float8 * 1000 AS pause_ms
        FROM webhook_endpoints WHERE endpoint = ${endpoint}`
        .execute(t.deps.db)
        .then((result) => result.rows[0] ?? null);

    await transition(t.app, await addNumber({}, t.app), { action: "lock", remark: "breaker" });
    // Three 503s in a row open the circuit: nothing goes to the server while it is paused.
    await expect
      .poll(async () => (await deliveriesOf(hook.body.id)).circuit.state, { timeout: 10_000 })
      .toBe("open");
    const paused = await deliveriesOf(hook.body.id);
    expect(receiver.received).toHaveLength(3);
    expect(paused.circuit).toMatchObject({ endpoint, consecutiveFailures: 3 });
    expect(paused.items[0]).toMatchObject({ status: "pending", attempts: 3 });
    expect(await circuitRow()).toEqual({ times_opened: 1, pause_ms: 1_500 });

    // After the pause one more try fails: paused again, twice as long.
    await expect.poll(circuitRow, { timeout: 10_000 }).toEqual({ times_opened: 2, pause_ms: 3_000 });
    expect(receiver.received).toHaveLength(4);
    // Then the server answers 200: delivered, and the circuit is closed.
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(5);
    await expect
      .poll(async () => (await deliveriesOf(hook.body.id)).items[0]?.status, { timeout: 5_000 })
      .toBe("delivered");
    expect((await deliveriesOf(hook.body.id)).circuit).toEqual({
      endpoint,
      state: "closed",
      consecutiveFailures: 0,
      pausedUntil: null,
    });
    expect(await circuitRow()).toBeNull();
    expect(await metric("numbers_webhook_circuit_opened_total")).toBe(openedBefore + 2);
    // The five requests carried the same event.
    expect(new Set(receiver.received.map((delivery) => delivery.body.id)).size).toBe(1);
    await call(t.app, "DELETE", `/v1/webhooks/${hook.body.id}`);
    await receiver.stop();
  });
});
