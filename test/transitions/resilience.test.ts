import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcilePendingTransitions } from "../../src/services/reconcile.js";
import {
  addNumbers,
  call,
  createOrganization,
  freshNumber,
  getNumber,
  requestTransition,
} from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { startRoleProcess, stopProcess } from "../support/processes.js";

let t: TestContext;
let owner: { id: string };
beforeAll(async () => {
  t = await createTestContext();
  owner = await createOrganization(t.app);
});
afterAll(async () => t?.close());

async function acceptReservations(count: number) {
  const numbers = [];
  // The API adds at most 50 numbers a request.
  for (let added = 0; added < count; added += 50)
    numbers.push(
      ...(await addNumbers(
        t.app,
        Array.from({ length: Math.min(50, count - added) }, () => ({ number: freshNumber() })),
      )),
    );
  const ids: string[] = [];
  for (const { number } of numbers) {
    const response = await requestTransition(t.app, number, {
      action: "reserve",
      ownerId: owner.id,
      remark: "r",
    });
    expect(response.status).toBe(202);
    ids.push(response.body.id);
  }
  return { numbers: numbers.map((item) => item.number as string), ids };
}

async function statuses(ids: string[]) {
  const rows = await t.deps.db
    .selectFrom("transitions")
    .select(["id", "status"])
    .where("id", "in", ids)
    .execute();
  return rows.map((row) => row.status);
}

/** Each transition changed its number exactly once. */
async function expectAppliedOnce(ids: string[]) {
  const history = await t.deps.db
    .selectFrom("number_history")
    .select(["transition_id"])
    .where("transition_id", "in", ids)
    .execute();
  expect(history).toHaveLength(ids.length);
  expect(new Set(history.map((row) => row.transition_id)).size).toBe(ids.length);
}

async function wipeQueues() {
  const keys = await t.deps.redis.keys(`${t.deps.queuePrefix}:*`);
  if (keys.length > 0) await t.deps.redis.del(...keys);
}

describe("a transition in flight", () => {
  it("stays pending with only the API running, refuses a second change, and is applied once a worker starts", {
    timeout: 90_000,
  }, async () => {
    const [item] = await addNumbers(t.app, [{ number: freshNumber() }]);
    const number = item.number as string;
    const accepted = await requestTransition(t.app, number, { action: "lock", remark: "in flight" });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({
      number,
      action: "lock",
      status: "pending",
      requestedAt: expect.any(String),
    });

    const shown = (await getNumber(t.app, number)).body;
    expect(shown).toMatchObject({
      state: "available",
      status: "pending",
      pending: { transitionId: accepted.body.id, action: "lock" },
    });
    const second = await requestTransition(t.app, number, {
      action: "delete",
      reason: "faulty",
      remark: "x",
    });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("update_in_progress");

    const worker = startRoleProcess(t, "worker");
    try {
      // A process booting through tsx on a busy machine can take a while; the deadline allows for it.
      await expect
        .poll(async () => (await getNumber(t.app, number)).body.state, { timeout: 60_000 })
        .toBe("locked");
      expect((await getNumber(t.app, number)).body.pending).toBeNull();
    } finally {
      await stopProcess(worker);
    }
  });
});

/**
 * Waits until none of `ids` is pending, running the scheduler's reconciler as it goes: it hands
 * over what has no job (RECONCILE_AFTER_SECONDS=1 in tests).
 */
async function untilNonePending(ids: string[], timeout: number) {
  await expect
    .poll(
      async () => {
        await reconcilePendingTransitions(t.deps);
        return (await statuses(ids)).filter((status) => status === "pending").length;
      },
      { timeout, interval: 500 },
    )
    .toBe(0);
}

describe("nothing is lost", () => {
  it("finishes every accepted transition after the queue is wiped", async () => {
    const { ids } = await acceptReservations(30);
    await wipeQueues();
    expect(await t.deps.queues.transitions.count()).toBe(0);

    const worker = await t.startWorker();
    try {
      await untilNonePending(ids, 30_000);
    } finally {
      // Stopped, so that only the processes of the next test apply its transitions.
      await worker.close();
    }
    expect(new Set(await statuses(ids))).toEqual(new Set(["applied"]));
    await expectAppliedOnce(ids);
  });

  it("finishes every transition when a worker is killed mid-burst", async () => {
    // Large enough that one worker at concurrency 1 cannot apply it all between two polls.
    const { ids } = await acceptReservations(200);
    const first = startRoleProcess(t, "worker", { WORKER_CONCURRENCY: "1" });
    // Let it get going, then kill it without warning while most of the burst is still queued.
    await expect
      .poll(async () => (await statuses(ids)).filter((s) => s !== "pending").length, {
        timeout: 20_000,
        interval: 10,
      })
      .toBeGreaterThan(0);
    await stopProcess(first, "SIGKILL");
    expect((await statuses(ids)).filter((status) => status === "pending").length).toBeGreaterThan(0);

    // The job the killed worker held comes back once its lock expires (workers/worker.ts: up to
    // lockDuration + stalledInterval, 30 s); the rest are still queued.
    const second = startRoleProcess(t, "worker");
    try {
      await untilNonePending(ids, 60_000);
    } finally {
      await stopProcess(second);
    }
    expect(new Set(await statuses(ids))).toEqual(new Set(["applied"]));
    await expectAppliedOnce(ids);
    const numbers = await call(t.app, "GET", "/v1/numbers?state=reserved&limit=1000");
    expect(numbers.body.items.length).toBeGreaterThanOrEqual(ids.length);
  }, 90_000);
});
