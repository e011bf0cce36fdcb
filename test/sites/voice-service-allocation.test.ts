import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, getNumber } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import {
  allocate,
  createSiteWorld,
  huntGroup,
  numberPath,
  provision,
  setVoiceServices,
} from "./site-world.js";

// Enough connections that racing requests really are in flight at the same time.
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ databasePoolSize: 12, webhookAllowPrivate: true });
  await t.startWorker();
});
afterAll(async () => t?.close());

const history = async (number: string) =>
  (await call(t.app, "GET", `${numberPath(number)}/history`)).body.items as {
    action: string;
    actor: string;
    transitionId: string;
  }[];

async function states(numbers: string[]) {
  return Promise.all(numbers.map(async (number) => (await getNumber(t.app, number)).body));
}

async function entitlement(siteId: string, organizationId: string) {
  return (await call(t.app, "GET", `/v1/sites/${siteId}/entitlements/${organizationId}`)).body;
}

describe("adding voice services allocates and activates site numbers", () => {
  it("takes a free main number first, then free numbers lowest first, each an applied transition by system", async () => {
    const world = await createSiteWorld(t.app);
    await call(t.app, "PUT", `/v1/sites/${world.siteId}/main-number-forwarding/${world.occupierA.id}`, {
      body: { huntGroup: true },
    });
    // The occupier's own webhook hears of its new numbers like of any transition.
    const webhook = await call(t.app, "POST", "/v1/webhooks", {
      key: world.keyA,
      body: { url: "http://127.0.0.1:9/hook", events: ["transition.applied"] },
    });
    expect(webhook.status, webhook.text).toBe(201);
    const plain = await provision(t.app, world.siteId, 4);
    const [main] = await provision(t.app, world.siteId, 1, { mainNumber: true });

    const answer = await setVoiceServices(t.app, world.siteId, world.occupierA.id, 3);
    expect(answer).toMatchObject({ voiceServices: 3, activeNumbers: 3 });
    expect(answer.allocated.map((entry: { number: string }) => entry.number)).toEqual([
      main,
      plain[0],
      plain[1],
    ]);
    expect(answer.automaticMainNumber).toEqual({ number: main, transitionId: expect.any(String) });

    // Already active when the answer comes: nothing pending, nothing for a worker left to do.
    for (const number of await states([main!, plain[0]!, plain[1]!]))
      expect(number).toMatchObject({
        state: "assigned",
        status: "assigned",
        pending: null,
        ownerId: world.occupierA.id,
        ownerName: world.occupierA.name,
      });
    expect((await getNumber(t.app, plain[2]!)).body.state).toBe("available");
    for (const { number, transitionId } of answer.allocated) {
      const transition = (await call(t.app, "GET", `/v1/transitions/${transitionId}`)).body;
      expect(transition).toMatchObject({ number, action: "activate", status: "applied", error: null });
      expect((await history(number)).at(-1)).toMatchObject({
        action: "activate",
        actor: "system",
        transitionId,
      });
    }
    const deliveries = await call(t.app, "GET", `/v1/webhooks/${webhook.body.id}/deliveries`, {
      key: world.keyA,
    });
    expect(deliveries.body.items).toHaveLength(3);
    expect(deliveries.body.items.map((delivery: { type: string }) => delivery.type)).toEqual([
      "transition.applied",
      "transition.applied",
      "transition.applied",
    ]);
    // The main number forwards to the hunt group; the others joined it.
    expect((await huntGroup(t.app, world.siteId, world.occupierA.id)).body.members).toEqual([
      plain[0],
      plain[1],
    ]);
  });

  it("leaves numbers the organisation already holds as they are, and gives it no second main number", async () => {
    const world = await createSiteWorld(t.app);
    const [heldMain] = await provision(t.app, world.siteId, 1, { mainNumber: true });
    const [freeMain] = await provision(t.app, world.siteId, 1, { mainNumber: true });
    const [held, free] = await provision(t.app, world.siteId, 2);
    await allocate(t.app, heldMain!, world.occupierB.id);
    await allocate(t.app, held!, world.occupierB.id);

    const answer = await setVoiceServices(t.app, world.siteId, world.occupierB.id, 2);
    expect(answer.allocated.map((entry: { number: string }) => entry.number)).toEqual([free]);
    expect(answer).toMatchObject({ activeNumbers: 1, automaticMainNumber: null });
    const [heldMainNow, freeMainNow, heldNow, freeNow] = await states([heldMain!, freeMain!, held!, free!]);
    expect(heldMainNow).toMatchObject({ state: "reserved", reservation: { kind: "allocation" } });
    expect(freeMainNow).toMatchObject({ state: "available", ownerId: null });
    expect(heldNow).toMatchObject({ state: "reserved", reservation: { kind: "allocation" } });
    expect(freeNow).toMatchObject({ state: "assigned", ownerId: world.occupierB.id });
  });

  it("never takes more than the site has, nor locked, cooling or pending numbers", async () => {
    const world = await createSiteWorld(t.app);
    const [free] = await provision(t.app, world.siteId, 1);
    await provision(t.app, world.siteId, 1, { state: "locked", remark: "voicemail access" });
    const answer = await setVoiceServices(t.app, world.siteId, world.operator.id, 10);
    expect(answer.allocated.map((entry: { number: string }) => entry.number)).toEqual([free]);
    expect(answer).toMatchObject({ voiceServices: 10, activeNumbers: 1 });
    // The site has nothing left: a further raise allocates nothing and still succeeds.
    const again = await setVoiceServices(t.app, world.siteId, world.operator.id, 12);
    expect(again).toMatchObject({ allocated: [], activeNumbers: 1, automaticMainNumber: null });
  });

  it("does nothing when the value is sent again or lowered", async () => {
    const world = await createSiteWorld(t.app);
    const numbers = await provision(t.app, world.siteId, 3);
    expect((await setVoiceServices(t.app, world.siteId, world.occupierA.id, 1)).allocated).toHaveLength(1);
    expect((await setVoiceServices(t.app, world.siteId, world.occupierA.id, 1)).allocated).toEqual([]);
    expect(await setVoiceServices(t.app, world.siteId, world.occupierA.id, 0)).toMatchObject({
      allocated: [],
      voiceServices: 0,
      activeNumbers: 1,
    });
    expect((await states(numbers)).map((number) => number.state)).toEqual([
      "assigned",
      "available",
      "available",
    ]);
  });

  it("allocates exactly once when the same raise is sent many times at once", async () => {
    const world = await createSiteWorld(t.app);
    const numbers = await provision(t.app, world.siteId, 8);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        call(t.app, "PUT", `/v1/sites/${world.siteId}/entitlements/${world.occupierA.id}`, {
          body: { voiceServices: 3 },
        }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    const allocated = answers.flatMap((answer) =>
      answer.body.allocated.map((entry: { number: string }) => entry.number),
    );
    expect(allocated.sort()).toEqual(numbers.slice(0, 3));
    expect(await entitlement(world.siteId, world.occupierA.id)).toMatchObject({
      voiceServices: 3,
      activeNumbers: 3,
    });
    const assigned = (await states(numbers)).filter((number) => number.state === "assigned");
    expect(assigned.map((number) => number.number)).toEqual(numbers.slice(0, 3));
    for (const number of assigned)
      expect((await history(number.number)).filter((entry) => entry.actor === "system")).toHaveLength(1);
  });

  it("shares a small site between organisations raising at once, never more than it has", async () => {
    const world = await createSiteWorld(t.app);
    const numbers = await provision(t.app, world.siteId, 5);
    const raise = (organizationId: string) =>
      call(t.app, "PUT", `/v1/sites/${world.siteId}/entitlements/${organizationId}`, {
        body: { voiceServices: 4 },
      });
    const answers = await Promise.all([
      raise(world.occupierA.id),
      raise(world.occupierB.id),
      raise(world.operator.id),
      raise(world.occupierA.id),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    const allocated = answers.flatMap((answer) =>
      answer.body.allocated.map((entry: { number: string }) => entry.number),
    );
    expect(allocated.sort()).toEqual(numbers);
    const active = await Promise.all(
      [world.occupierA.id, world.occupierB.id, world.operator.id].map(
        async (id) => (await entitlement(world.siteId, id)).activeNumbers as number,
      ),
    );
    expect(active.reduce((sum, count) => sum + count, 0)).toBe(5);
    for (const count of active) expect(count).toBeLessThanOrEqual(4);
  });
});
