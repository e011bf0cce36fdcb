import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as forgetIdempotencyKeys from "../../jobs/forget-idempotency-keys.js";
import {
  addNumber,
  call,
  createKey,
  createOrganization,
  finished,
  getNumber,
  requestTransition,
  transition,
} from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
let owner: { id: string };
beforeAll(async () => {
  t = await createTestContext({ cooldownDays: 30, lockPeriodDays: 28 });
  await t.startWorker();
  owner = await createOrganization(t.app);
});
afterAll(async () => t?.close());

const day = 86_400_000;
const at = (offsetDays: number) => new Date(t.clock.now().getTime() + offsetDays * day).toISOString();

async function reserved() {
  const number = await addNumber({}, t.app);
  await transition(t.app, number, { action: "reserve", ownerId: owner.id, remark: "hold for sale" });
  return number;
}

async function assigned(subscriptionId = `sub-${crypto.randomUUID()}`) {
  const number = await addNumber({}, t.app);
  await transition(t.app, number, { action: "assign", ownerId: owner.id, subscriptionId });
  return { number, subscriptionId };
}

describe("each action through the queue", () => {
  it("reserves for 28 days, extends with a charged subscription, releases to available", async () => {
    const number = await reserved();
    const afterReserve = (await getNumber(t.app, number)).body;
    expect(afterReserve).toMatchObject({
      state: "reserved",
      ownerId: owner.id,
      pending: null,
      reservation: { kind: "manual", reservedAt: at(0), expiresAt: at(28) },
      version: 2,
    });

    await transition(t.app, number, { action: "extend", subscriptionId: "did-res-1", until: at(90) });
    expect((await getNumber(t.app, number)).body.reservation).toMatchObject({
      kind: "charged",
      expiresAt: at(90),
    });

    await transition(t.app, number, { action: "release", remark: "not needed" });
    expect((await getNumber(t.app, number)).body).toMatchObject({
      state: "available",
      ownerId: null,
      reservation: null,
    });
  });

  it("cools a number down after it was in service", async () => {
    const { number, subscriptionId } = await assigned();
    expect((await getNumber(t.app, number)).body).toMatchObject({
      state: "assigned",
      subscriptionId,
      ownerId: owner.id,
    });
    await transition(t.app, number, { action: "deactivate" });
    expect((await getNumber(t.app, number)).body).toMatchObject({ state: "reserved", ownerId: owner.id });
    await transition(t.app, number, { action: "release", remark: "customer left" });
    expect((await getNumber(t.app, number)).body).toMatchObject({ state: "cooldown", cooldownUntil: at(30) });

    const refused = await requestTransition(t.app, number, {
      action: "reserve",
      ownerId: owner.id,
      remark: "x",
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("in_cooldown");
  });

  it("assigns and unassigns an end user; deactivate waits for the user to go", async () => {
    const { number } = await assigned();
    await transition(t.app, number, { action: "assign_user", endUserId: "user-7" });
    expect((await getNumber(t.app, number)).body.endUserId).toBe("user-7");
    const refused = await requestTransition(t.app, number, { action: "deactivate" });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("assigned_to_end_user");
    await transition(t.app, number, { action: "unassign_user" });
    await transition(t.app, number, { action: "deactivate" });
    expect((await getNumber(t.app, number)).body.state).toBe("reserved");
  });

  it("activates a reserved number for its owner only", async () => {
    const number = await reserved();
    const other = await createOrganization(t.app);
    const mismatch = await requestTransition(t.app, number, { action: "activate", ownerId: other.id });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error.code).toBe("owner_mismatch");
    await transition(t.app, number, { action: "activate" });
    expect((await getNumber(t.app, number)).body).toMatchObject({ state: "assigned", ownerId: owner.id });
  });

  it("locks for the default period or until a given time, and unlocks", async () => {
    const number = await addNumber({}, t.app);
    await transition(t.app, number, { action: "lock", remark: "voicemail access number" });
    expect((await getNumber(t.app, number)).body.lock).toEqual({
      lockedAt: at(0),
      expiresAt: at(28),
      remark: "voicemail access number",
    });
    await transition(t.app, number, { action: "unlock", remark: "done" });
    await transition(t.app, number, { action: "lock", remark: "short", until: at(3) });
    expect((await getNumber(t.app, number)).body.lock.expiresAt).toBe(at(3));
  });

  it("deletes with a reason and recovers", async () => {
    const number = await addNumber({}, t.app);
    const noReason = await requestTransition(t.app, number, { action: "delete", remark: "gone" });
    expect(noReason.status).toBe(422);
    expect(noReason.body.error.code).toBe("reason_required");
    await transition(t.app, number, {
      action: "delete",
      reason: "ported_out",
      remark: "ported to another carrier",
    });
    expect((await getNumber(t.app, number)).body).toMatchObject({
      state: "deleted",
      deletedReason: "ported_out",
    });
    await transition(t.app, number, { action: "recover", remark: "port cancelled" });
    expect((await getNumber(t.app, number)).body).toMatchObject({ state: "available", deletedReason: null });
  });
});

describe("refusals at the API", () => {
  it("answers 409 invalid_state and 422 rule codes at once, queueing nothing and changing nothing", async () => {
    const number = await addNumber({}, t.app);
    const before = (await getNumber(t.app, number)).body;
    const cases = [
      [{ action: "release", remark: "x" }, 409, "invalid_state"],
      [{ action: "reserve", remark: "x" }, 422, "owner_required"],
      [{ action: "reserve", ownerId: owner.id }, 422, "remark_required"],
      [{ action: "reserve", ownerId: crypto.randomUUID(), remark: "x" }, 422, "unknown_organization"],
      [{ action: "assign", ownerId: owner.id }, 422, "subscription_required"],
      [{ action: "lock", remark: "x", until: at(-1) }, 422, "until_not_later"],
      [{ action: "teleport" }, 400, "validation_failed"],
      [{ action: "lock", remark: "x", until: "tomorrow" }, 400, "validation_failed"],
    ] as const;
    for (const [body, status, code] of cases) {
      const response = await requestTransition(t.app, number, body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.error.code).toBe(code);
      expect(response.body.error.message).toEqual(expect.any(String));
    }
    expect((await getNumber(t.app, number)).body).toEqual(before);
    const transitions = await t.deps.db
      .selectFrom("transitions")
      .select("id")
      .where("number", "=", number)
      .execute();
    expect(transitions).toEqual([]);
  });

  it("needs until later than the current expiry to extend", async () => {
    const number = await reserved();
    const response = await requestTransition(t.app, number, {
      action: "extend",
      subscriptionId: "s",
      until: at(10),
    });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe("until_not_later");
  });

  it("keeps lock, delete and recover for the platform", async () => {
    const partner = await createOrganization(t.app, { kind: "partner" });
    const number = await addNumber({ partnerId: partner.id }, t.app);
    const key = await createKey(t.app, "partner_admin", partner.id);
    const response = await requestTransition(t.app, number, { action: "lock", remark: "x" }, { key });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("forbidden");
  });
});

describe("subscription events", () => {
  it.each([
    ["expired", "subscription_expired", 56],
    ["terminated", "subscription_terminated", 28],
    ["swapped_out", "swapped_out", 1],
  ])("%s moves every assigned number back to reserved for %s days", async (type, kind, days) => {
    const subscriptionId = `sub-${crypto.randomUUID()}`;
    const first = await assigned(subscriptionId);
    const second = await assigned(subscriptionId);
    const response = await call(t.app, "POST", `/v1/subscriptions/${subscriptionId}/events`, {
      body: { type },
    });
    expect(response.status).toBe(202);
    expect(response.body.transitions).toHaveLength(2);
    for (const accepted of response.body.transitions) {
      expect(accepted).toMatchObject({ id: expect.any(String), status: "pending" });
      expect((await finished(t.app, accepted.id)).status).toBe("applied");
    }
    for (const number of [first.number, second.number]) {
      expect((await getNumber(t.app, number)).body).toMatchObject({
        state: "reserved",
        ownerId: owner.id,
        reservation: { kind, expiresAt: at(days) },
      });
    }
  });

  it("acts only on the listed numbers when given", async () => {
    const subscriptionId = `sub-${crypto.randomUUID()}`;
    const first = await assigned(subscriptionId);
    const second = await assigned(subscriptionId);
    const response = await call(t.app, "POST", `/v1/subscriptions/${subscriptionId}/events`, {
      body: { type: "swapped_out", numbers: [first.number] },
    });
    expect(response.body.transitions.map((item: { number: string }) => item.number)).toEqual([first.number]);
    await finished(t.app, response.body.transitions[0].id);
    expect((await getNumber(t.app, second.number)).body.state).toBe("assigned");
  });
});

describe("history", () => {
  it("records every change oldest first with actor, remark and before/after", async () => {
    const number = await reserved();
    const released = await transition(t.app, number, { action: "release", remark: "changed mind" });
    const history = await call(t.app, "GET", `/v1/numbers/${encodeURIComponent(number)}/history`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((item: { action: string }) => item.action)).toEqual([
      "add",
      "reserve",
      "release",
    ]);
    expect(history.body.items[2]).toMatchObject({
      action: "release",
      actor: expect.stringMatching(/^api-key:/),
      remark: "changed mind",
      transitionId: released.id,
      before: { state: "reserved", ownerId: owner.id },
      after: { state: "available", ownerId: null },
    });
    expect(released).toMatchObject({
      before: { state: "reserved" },
      after: { state: "available" },
      error: null,
    });
  });
});

describe("idempotency", () => {
  it("replays the same request and refuses a different one under the same key", async () => {
    const number = await addNumber({}, t.app);
    const headers = { "idempotency-key": `key-${crypto.randomUUID()}` };
    const body = { action: "lock", remark: "once" };
    const first = await requestTransition(t.app, number, body, { headers });
    const again = await requestTransition(t.app, number, body, { headers });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    const different = await requestTransition(
      t.app,
      number,
      { action: "lock", remark: "other" },
      { headers },
    );
    expect(different.status).toBe(422);
    expect(different.body.error.code).toBe("idempotency_key_reused");
    await finished(t.app, first.body.id);
    const count = await t.deps.db
      .selectFrom("transitions")
      .select("id")
      .where("number", "=", number)
      .execute();
    expect(count).toHaveLength(1);
  });

  it("forgets a key after 24 hours: the scheduler's job deletes it and the key is free again", async () => {
    const start = t.clock.now();
    const number = await addNumber({}, t.app);
    const key = `key-${crypto.randomUUID()}`;
    const first = await requestTransition(
      t.app,
      number,
      { action: "lock", remark: "first" },
      {
        headers: { "idempotency-key": key },
      },
    );
    await finished(t.app, first.body.id);
    const stored = () =>
      t.deps.db.selectFrom("idempotency_keys").select("key").where("key", "=", key).execute();
    try {
      t.clock.set(new Date(start.getTime() + 23 * 3_600_000));
      await forgetIdempotencyKeys.handle(t.deps);
      expect(await stored()).toHaveLength(1);

      t.clock.set(new Date(start.getTime() + 25 * 3_600_000));
      await forgetIdempotencyKeys.handle(t.deps);
      expect(await stored()).toHaveLength(0);
      const later = await requestTransition(
        t.app,
        number,
        { action: "unlock", remark: "later" },
        {
          headers: { "idempotency-key": key },
        },
      );
      expect(later.status).toBe(202);
      expect(later.body.id).not.toBe(first.body.id);
      await finished(t.app, later.body.id);
    } finally {
      t.clock.set(start);
    }
  });
});
