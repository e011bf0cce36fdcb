import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importNumbersFile } from "../../src/services/import-numbers.js";
import {
  addNumber,
  call,
  createKey,
  createOrganization,
  finished,
  freshNumber,
  requestTransition,
  transition,
} from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { DAY_MS, shift, sweep } from "../sweeps/fixtures.js";

/**
 * Customer A (of partner P1) holds a number, gives it back, and customer B (of partner P2) holds
 * it next: each key sees only what was recorded while the number was in its scope.
 */
let t: TestContext;
let dataDir: string;
const orgs = {} as Record<"p1" | "p2" | "a" | "b", { id: string; billingEmail: string }>;
const keys = {} as Record<"p1" | "p2" | "a" | "b" | "viewer", string>;
const T0 = new Date("2026-03-01T09:00:00.000Z");

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "numbers-isolation-"));
  t = await createTestContext({ smtpUrl: undefined, dataDir });
  await t.startWorker();
  orgs.p1 = await createOrganization(t.app, { kind: "partner" });
  orgs.p2 = await createOrganization(t.app, { kind: "partner" });
  orgs.a = await createOrganization(t.app, { partnerId: orgs.p1.id });
  orgs.b = await createOrganization(t.app, { partnerId: orgs.p2.id });
  for (const name of ["p1", "p2"] as const)
    keys[name] = await createKey(t.app, "partner_admin", orgs[name].id);
  for (const name of ["a", "b"] as const)
    keys[name] = await createKey(t.app, "customer_admin", orgs[name].id);
  keys.viewer = await createKey(t.app, "viewer");
});
afterAll(async () => {
  await t?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const historyAs = (number: string, key?: string) =>
  call(t.app, "GET", `/v1/numbers/${encodeURIComponent(number)}/history`, { key });
const transitionAs = (id: string, key?: string) => call(t.app, "GET", `/v1/transitions/${id}`, { key });
const noticesAs = async (number: string, key?: string) => {
  const response = await call(t.app, "GET", `/v1/notices?number=${encodeURIComponent(number)}`, { key });
  expect(response.status, response.text).toBe(200);
  return (response.body.items as { recipient: string; expiresAt: string }[]).map(
    (notice) => notice.recipient,
  );
};
const actions = (items: { action: string }[]) => items.map((item) => item.action);

describe("a number held by customer A, then by customer B", () => {
  const number = freshNumber();
  const ids = {} as Record<"reserveA" | "releaseA" | "reserveA2" | "reserveB", string>;

  it("is reserved for A, noticed, released by A, reserved for A again and expired, then reserved for B", async () => {
    t.clock.set(T0);
    await addNumber({ number }, t.app);
    ids.reserveA = (
      await transition(t.app, number, { action: "reserve", ownerId: orgs.a.id, remark: "for A: deal 4711" })
    ).id;
    // The 7-day notice of A's reservation goes to A's billing address.
    await sweep(t.app, { at: shift(T0, 22 * DAY_MS) });
    const release = await requestTransition(
      t.app,
      number,
      { action: "release", remark: "A gives it back" },
      { key: keys.a },
    );
    expect(release.status, release.text).toBe(202);
    ids.releaseA = release.body.id;
    expect((await finished(t.app, ids.releaseA)).status).toBe("applied");

    t.clock.set(shift(T0, DAY_MS));
    ids.reserveA2 = (
      await transition(t.app, number, { action: "reserve", ownerId: orgs.a.id, remark: "A again" })
    ).id;
    // The sweep expires A's second reservation: history by `system`, before = A's hold.
    const expired = await sweep(t.app, { at: shift(T0, 30 * DAY_MS) });
    expect(expired.reservationsExpired).toBeGreaterThanOrEqual(1);

    t.clock.set(shift(T0, 31 * DAY_MS));
    ids.reserveB = (
      await transition(t.app, number, { action: "reserve", ownerId: orgs.b.id, remark: "for B" })
    ).id;
    await sweep(t.app, { at: shift(T0, 53 * DAY_MS) });
  });

  it("shows B and its partner only the history recorded since B held the number", async () => {
    for (const key of [keys.b, keys.p2]) {
      const response = await historyAs(number, key);
      expect(response.status, response.text).toBe(200);
      expect(actions(response.body.items)).toEqual(["reserve"]);
      expect(response.body.items[0]).toMatchObject({ transitionId: ids.reserveB, remark: "for B" });
      expect(response.text).not.toContain(orgs.a.id);
      expect(response.text).not.toContain("4711");
    }
  });

  it("shows the platform and the organisation-less viewer the whole history", async () => {
    for (const key of [undefined, keys.viewer]) {
      const response = await historyAs(number, key);
      expect(response.status, response.text).toBe(200);
      expect(actions(response.body.items)).toEqual([
        "add",
        "reserve",
        "release",
        "reserve",
        "reservation_expired",
        "reserve",
      ]);
    }
  });

  it("answers 404 to B and its partner for A's transitions, and shows them B's own", async () => {
    for (const key of [keys.b, keys.p2]) {
      for (const id of [ids.reserveA, ids.releaseA, ids.reserveA2]) {
        const response = await transitionAs(id, key);
        expect(response.status, `${id}: ${response.text}`).toBe(404);
        expect(response.body.error.code).toBe("not_found");
      }
      expect((await transitionAs(ids.reserveB, key)).status).toBe(200);
    }
  });

  it("still shows A and its partner the transitions recorded while A held the number, not B's", async () => {
    for (const key of [keys.a, keys.p1]) {
      for (const id of [ids.reserveA, ids.releaseA, ids.reserveA2]) {
        const response = await transitionAs(id, key);
        expect(response.status, `${id}: ${response.text}`).toBe(200);
      }
      expect((await transitionAs(ids.reserveB, key)).status).toBe(404);
      // The number itself, and so its history, is no longer theirs to read.
      expect((await historyAs(number, key)).status).toBe(404);
    }
  });

  it("lists each holder's notices to its own side only", async () => {
    expect(await noticesAs(number)).toEqual([orgs.a.billingEmail, orgs.b.billingEmail]);
    expect(await noticesAs(number, keys.viewer)).toEqual([orgs.a.billingEmail, orgs.b.billingEmail]);
    expect(await noticesAs(number, keys.b)).toEqual([orgs.b.billingEmail]);
    expect(await noticesAs(number, keys.p2)).toEqual([orgs.b.billingEmail]);
    expect(await noticesAs(number, keys.a)).toEqual([orgs.a.billingEmail]);
    expect(await noticesAs(number, keys.p1)).toEqual([orgs.a.billingEmail]);
  });
});

describe("a number of partner P1's inventory", () => {
  it("shows P1 all of its history, and a holder from another partner only its own part", async () => {
    t.clock.set(T0);
    const number = await addNumber({}, t.app, keys.p1);
    await transition(
      t.app,
      number,
      { action: "reserve", ownerId: orgs.a.id, remark: "P1 holds it for A" },
      keys.p1,
    );
    await sweep(t.app, { at: shift(T0, 29 * DAY_MS) });
    t.clock.set(shift(T0, 30 * DAY_MS));
    await transition(t.app, number, { action: "reserve", ownerId: orgs.b.id, remark: "the platform, for B" });
    // A policy applied to running timers writes history too: B holds the number then.
    const put = await call(t.app, "PUT", "/v1/policies", {
      body: { policies: [{ country: "SG", class: null, reservationDays: 10 }] },
    });
    expect(put.status, put.text).toBe(200);
    const applied = await call(t.app, "POST", "/v1/policies/apply", { body: { dryRun: false } });
    expect(applied.status, applied.text).toBe(200);
    await call(t.app, "PUT", "/v1/policies", { body: { policies: [] } });

    const all = ["add", "reserve", "reservation_expired", "reserve", "policy_applied"];
    expect(actions((await historyAs(number, keys.p1)).body.items)).toEqual(all);
    expect(actions((await historyAs(number)).body.items)).toEqual(all);
    for (const key of [keys.b, keys.p2])
      expect(actions((await historyAs(number, key)).body.items)).toEqual(["reserve", "policy_applied"]);
  });

  it("shows P1 the add entry of a number imported into its inventory, and nobody else's key", async () => {
    const number = freshNumber();
    const file = join(dataDir, "p1.csv");
    await writeFile(file, `number,vendor,country,sku,partnerId\n${number},acme,SG,DID-SG,${orgs.p1.id}\n`);
    const summary = await importNumbersFile(t.deps, {
      file,
      actor: "import:p1.csv",
      rejectsFile: `${file}.rejects`,
    });
    expect(summary.added).toBe(1);
    expect(actions((await historyAs(number, keys.p1)).body.items)).toEqual(["add"]);
    expect((await historyAs(number, keys.p2)).status).toBe(404);
  });
});
