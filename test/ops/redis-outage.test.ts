import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcilePendingTransitions } from "../../src/services/reconcile.js";
import { addNumbers, call, freshNumber, requestTransition } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { type PrivateService, startPrivateRedis } from "../support/processes.js";

let redis: PrivateService;
let t: TestContext;

beforeAll(async () => {
  redis = await startPrivateRedis();
  t = await createTestContext({}, { redisUrl: redis.url });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await redis?.remove();
});

async function lockAll(numbers: string[]) {
  const ids: string[] = [];
  for (const number of numbers) {
    const response = await requestTransition(t.app, number, { action: "lock", remark: "redis outage" });
    expect(response.status, response.text).toBe(202);
    ids.push(response.body.id);
  }
  return ids;
}

/** Waits until every one of `ids` is applied, the reconciler handing over what has no job. */
async function appliedOnce(ids: string[]) {
  await expect
    .poll(
      async () => {
        await reconcilePendingTransitions(t.deps);
        const rows = await t.deps.db.selectFrom("transitions").select(["id", "status"]).execute();
        return rows.filter((row) => ids.includes(row.id) && row.status === "applied").length;
      },
      { timeout: 60_000, interval: 500 },
    )
    .toBe(ids.length);
  const history = await t.deps.db.selectFrom("number_history").select("transition_id").execute();
  const applied = history.filter((row) => row.transition_id && ids.includes(row.transition_id));
  expect(applied.map((row) => row.transition_id).sort()).toEqual([...ids].sort());
}

describe("Redis stopped (not wiped) and started again", () => {
  it("keeps accepting and reading meanwhile, still holds its queued jobs after, and every transition is applied once", {
    timeout: 120_000,
  }, async () => {
    const numbers = (
      await addNumbers(
        t.app,
        Array.from({ length: 30 }, () => ({ number: freshNumber() })),
      )
    ).map((item) => item.number as string);
    // Queued while no worker runs: these jobs are in Redis when it stops.
    const before = await lockAll(numbers.slice(0, 15));
    expect(await t.deps.queues.transitions.count()).toBe(15);

    await redis.stop();
    // Postgres is the truth: requests are still recorded and answered; readiness says what is missing.
    const during = await lockAll(numbers.slice(15));
    expect((await call(t.app, "GET", "/v1/numbers?status=pending&limit=100")).body.items).toHaveLength(30);
    const ready = await call(t.app, "GET", "/ready", { key: null });
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ postgres: "ok", redis: "unavailable" });

    await redis.start();
    await expect.poll(async () => (await call(t.app, "GET", "/ready", { key: null })).status).toBe(200);
    // Not wiped: the jobs queued before the stop are still there, and nothing was added meanwhile.
    expect(await t.deps.queues.transitions.count()).toBe(15);

    await t.startWorker();
    await appliedOnce([...before, ...during]);
  });

  it("a worker running through the outage carries on by itself", { timeout: 120_000 }, async () => {
    const numbers = (
      await addNumbers(
        t.app,
        Array.from({ length: 10 }, () => ({ number: freshNumber() })),
      )
    ).map((item) => item.number as string);
    await redis.stop();
    const during = await lockAll(numbers);
    await redis.start();
    await appliedOnce(during);
  });
});
