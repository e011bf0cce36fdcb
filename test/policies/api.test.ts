import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policyApplyReportView } from "../../src/api/views.js";
import { applyPolicies } from "../../src/services/apply-policies.js";
import { addNumber, call, createKey, createOrganization, getNumber, transition } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { history } from "../sweeps/fixtures.js";

let t: TestContext;
let owner: { id: string };
beforeAll(async () => {
  t = await createTestContext({ cooldownDays: 30, lockPeriodDays: 28 });
  await t.startWorker();
  owner = await createOrganization(t.app);
});
afterAll(async () => t?.close());

const DAY_MS = 86_400_000;
const inDays = (days: number) => new Date(t.clock.now().getTime() + days * DAY_MS).toISOString();
const putPolicies = (policies: unknown, key?: string) =>
  call(t.app, "PUT", "/v1/policies", { body: { policies }, key });
const currentPolicies = async () => (await call(t.app, "GET", "/v1/policies")).body.policies;

const PORTED_IN_SG = {
  country: "SG",
  class: "ported_in",
  cooldownDays: 60,
  subscriptionExpiredDays: 84,
  subscriptionTerminatedDays: 56,
  swappedOutDays: 28,
};
const GOLDEN = { country: null, class: "golden", cooldownDays: 90, reservationDays: 56, lockDays: 60 };

describe("GET and PUT /v1/policies", () => {
  it("starts empty, replaces the whole set, and shows it to every key in the order sent", async () => {
    const viewer = await createKey(t.app, "viewer");
    expect((await call(t.app, "GET", "/v1/policies", { key: viewer })).body).toEqual({ policies: [] });

    const set = [PORTED_IN_SG, { country: "gb", class: null, lockDays: 0 }, GOLDEN];
    const put = await putPolicies(set);
    expect(put.status, put.text).toBe(200);
    const expected = [PORTED_IN_SG, { country: "GB", class: null, lockDays: 0 }, GOLDEN];
    expect(put.body).toEqual({ policies: expected });
    expect((await call(t.app, "GET", "/v1/policies", { key: viewer })).body).toEqual({ policies: expected });

    expect((await putPolicies([GOLDEN])).status).toBe(200);
    expect(await currentPolicies()).toEqual([GOLDEN]);
    expect((await putPolicies([])).body).toEqual({ policies: [] });
  });

  it("is for platform_admin keys only", async () => {
    const partner = await createOrganization(t.app, { kind: "partner" });
    for (const key of [
      await createKey(t.app, "partner_admin", partner.id),
      await createKey(t.app, "viewer"),
    ]) {
      const refused = await putPolicies([GOLDEN], key);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe("forbidden");
      expect((await call(t.app, "POST", "/v1/policies/apply", { key, body: {} })).status).toBe(403);
    }
    expect((await call(t.app, "GET", "/v1/policies", { key: null })).status).toBe(401);
    expect(await currentPolicies()).toEqual([]);
  });

  it.each([
    ["neither country nor class", [{ cooldownDays: 50 }], "policies.0"],
    ["both null", [{ country: null, class: null, lockDays: 3 }], "policies.0"],
    ["3,650 days", [{ country: "SG", lockDays: 3650 }], "policies.0.lockDays"],
    ["a negative period", [{ country: "SG", reservationDays: -1 }], "policies.0.reservationDays"],
    ["a fraction of a day", [{ country: "SG", swappedOutDays: 1.5 }], "policies.0.swappedOutDays"],
    ["a period as text", [{ country: "SG", cooldownDays: "60" }], "policies.0.cooldownDays"],
    ["an unknown class", [{ class: "platinum", lockDays: 3 }], "policies.0.class"],
    ["a SKU class without a SKU", [{ class: "sku:", lockDays: 3 }], "policies.0.class"],
    ["a country of three letters", [{ country: "USA", lockDays: 60 }], "policies.0.country"],
    ["an unknown period", [{ country: "SG", coolDownDays: 60 }], "policies.0.coolDownDays"],
    [
      "the same pair twice",
      [
        { country: "SG", class: "golden", lockDays: 3 },
        { country: "sg", class: "golden", cooldownDays: 3 },
      ],
      "policies.1",
    ],
  ])("refuses %s with 400 and keeps the set", async (_name, policies, field) => {
    expect((await putPolicies([GOLDEN])).status).toBe(200);
    const refused = await putPolicies(policies);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.error.code).toBe("validation_failed");
    expect(refused.body.error.details.map((detail: { field: string }) => detail.field)).toContain(
      `body.${field}`,
    );
    expect(await currentPolicies()).toEqual([GOLDEN]);
  });

  it("refuses a body without the policies list", async () => {
    const refused = await call(t.app, "PUT", "/v1/policies", { body: [GOLDEN] });
    expect(refused.status).toBe(400);
  });

  it.each([
    ["a US cooldown of 30 days", [{ country: "US", cooldownDays: 30 }], [0]],
    ["a US golden cooldown of 0 days", [{ country: "US", class: "golden", cooldownDays: 0 }], [0]],
    [
      "a class cooldown that would reach US numbers",
      [GOLDEN, { country: null, class: "ported_in", cooldownDays: 10 }],
      [1],
    ],
  ])("refuses %s: 422 below_legal_minimum citing the rule", async (_name, policies, indexes) => {
    expect((await putPolicies([GOLDEN])).status).toBe(200);
    const refused = await putPolicies(policies);
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.error.code).toBe("below_legal_minimum");
    expect(refused.body.error.message).toContain("47 CFR 52.15(f)(1)(ii)");
    expect(refused.body.error.message).toMatch(/45 days/);
    expect(refused.body.error.details.map((detail: { index: number }) => detail.index)).toEqual(indexes);
    expect(await currentPolicies()).toEqual([GOLDEN]);
  });

  it("accepts a short class cooldown when a (US, class) policy keeps US numbers at 45 days or more", async () => {
    const set = [
      { country: null, class: "ported_in", cooldownDays: 10 },
      { country: "US", class: "ported_in", cooldownDays: 45 },
    ];
    const put = await putPolicies(set);
    expect(put.status, put.text).toBe(200);
    expect(put.body.policies).toEqual(set);
  });
});

describe("POST /v1/policies/apply", () => {
  /** Numbers with running timers, all started now under the defaults (no policy yet). */
  async function timers() {
    expect((await putPolicies([])).status).toBe(200);
    const portedIn = { country: "SG", portedIn: true };
    const expired = await addNumber(portedIn, t.app);
    await transition(t.app, expired, {
      action: "assign",
      ownerId: owner.id,
      subscriptionId: `sub-${expired}`,
    });
    const event = await call(t.app, "POST", `/v1/subscriptions/sub-${expired}/events`, {
      body: { type: "expired" },
    });
    expect(event.status, event.text).toBe(202);

    const cooling = await addNumber(portedIn, t.app);
    await transition(t.app, cooling, {
      action: "assign",
      ownerId: owner.id,
      subscriptionId: `sub-${cooling}`,
    });
    await transition(t.app, cooling, { action: "deactivate" });
    await transition(t.app, cooling, { action: "release", remark: "back" });

    const golden = { golden: true };
    const reserved = await addNumber(golden, t.app);
    await transition(t.app, reserved, { action: "reserve", ownerId: owner.id, remark: "vanity" });
    const locked = await addNumber(golden, t.app);
    await transition(t.app, locked, { action: "lock", remark: "voicemail" });
    const lockedUntil = await addNumber(golden, t.app);
    await transition(t.app, lockedUntil, { action: "lock", remark: "voicemail", until: inDays(10) });
    const charged = await addNumber(golden, t.app);
    await transition(t.app, charged, { action: "reserve", ownerId: owner.id, remark: "paid" });
    await transition(t.app, charged, { action: "extend", subscriptionId: "did-1", until: inDays(40) });
    const pending = await addNumber(golden, t.app);
    await transition(t.app, pending, { action: "reserve", ownerId: owner.id, remark: "busy" });
    await t.deps.db
      .updateTable("numbers")
      .set({ pending_transition_id: randomUUID(), pending_action: "release", pending_since: t.clock.now() })
      .where("number", "=", pending)
      .execute();
    const plain = await addNumber({}, t.app);
    await transition(t.app, plain, { action: "reserve", ownerId: owner.id, remark: "plain" });

    // Wait for the subscription event's transition too.
    await expect.poll(async () => (await getNumber(t.app, expired)).body.state).toBe("reserved");
    return { expired, cooling, reserved, locked, lockedUntil, charged, pending, plain };
  }

  it("reports what it would change by default, then changes it with history, once", async () => {
    const n = await timers();
    const untouched = [n.lockedUntil, n.charged, n.pending, n.plain];
    const views = async () =>
      Promise.all(Object.values(n).map(async (number) => (await getNumber(t.app, number)).body));
    const before = await views();
    expect(before.map((view) => view.timerPolicy)).toEqual(before.map(() => null));

    expect((await putPolicies([PORTED_IN_SG, GOLDEN])).status).toBe(200);
    // A change of policy alone moves no running timer.
    expect(await views()).toEqual(before);

    const expected = [
      { number: n.expired, field: "reservation.expiresAt", from: inDays(56), to: inDays(84) },
      { number: n.cooling, field: "cooldownUntil", from: inDays(30), to: inDays(60) },
      { number: n.reserved, field: "reservation.expiresAt", from: inDays(28), to: inDays(56) },
      { number: n.locked, field: "lock.expiresAt", from: inDays(28), to: inDays(60) },
    ];
    const dry = await call(t.app, "POST", "/v1/policies/apply");
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body).toEqual({ numbers: 4, changes: expected });
    expect(await views()).toEqual(before);
    for (const number of Object.values(n))
      expect((await history(t.app, number)).map((entry) => entry.action)).not.toContain("policy_applied");
    // Paged in twos, the walk finds the same.
    expect(policyApplyReportView(await applyPolicies(t.deps, { dryRun: true, pageSize: 2 }))).toEqual(
      dry.body,
    );

    const real = await call(t.app, "POST", "/v1/policies/apply", { body: { dryRun: false } });
    expect(real.status, real.text).toBe(200);
    expect(real.body).toEqual({ numbers: 4, changes: expected });

    const expired = (await getNumber(t.app, n.expired)).body;
    expect(expired.reservation.expiresAt).toBe(inDays(84));
    expect(expired.timerPolicy).toEqual({ country: "SG", class: "ported_in" });
    expect((await getNumber(t.app, n.cooling)).body).toMatchObject({
      state: "cooldown",
      cooldownUntil: inDays(60),
      timerPolicy: { country: "SG", class: "ported_in" },
    });
    expect((await getNumber(t.app, n.reserved)).body.timerPolicy).toEqual({ country: null, class: "golden" });
    expect((await getNumber(t.app, n.locked)).body.lock.expiresAt).toBe(inDays(60));
    const last = (await history(t.app, n.expired)).at(-1)!;
    expect(last).toMatchObject({ action: "policy_applied", actor: "system" });
    expect(last.before.reservationExpiresAt).toBe(inDays(56));
    expect(last.after.reservationExpiresAt).toBe(inDays(84));

    const after = await views();
    for (const number of untouched) {
      const index = Object.values(n).indexOf(number);
      expect(after[index]).toEqual(before[index]);
    }
    expect((await call(t.app, "POST", "/v1/policies/apply", { body: { dryRun: false } })).body).toEqual({
      numbers: 0,
      changes: [],
    });
  });

  it("refuses an unknown field in its body", async () => {
    const refused = await call(t.app, "POST", "/v1/policies/apply", { body: { dryrun: false } });
    expect(refused.status).toBe(400);
  });
});
