import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createKey, getNumber } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import {
  allocate,
  applied,
  createSiteWorld,
  huntGroup,
  provision,
  type SiteWorld,
  setVoiceServices,
} from "./site-world.js";

let t: TestContext;
let world: SiteWorld;
let main: string;
let desks: string[];
beforeAll(async () => {
  t = await createTestContext();
  await t.startWorker();
  world = await createSiteWorld(t.app);
  // Voice services before the site has numbers, so none is allocated automatically.
  await setVoiceServices(t.app, world.siteId, world.occupierA.id, 10);
  [main] = (await provision(t.app, world.siteId, 1, { mainNumber: true })) as [string];
  desks = await provision(t.app, world.siteId, 3);
  await call(t.app, "PUT", `/v1/sites/${world.siteId}/main-number-forwarding/${world.occupierA.id}`, {
    body: { huntGroup: true },
  });
  for (const number of [main, desks[0]!, desks[1]!]) {
    await allocate(t.app, number, world.occupierA.id);
    await applied(t.app, number, { action: "activate" });
  }
});
afterAll(async () => t?.close());

const memberPath = (organizationId: string, number: string, siteId = world.siteId) =>
  `/v1/sites/${siteId}/hunt-groups/${organizationId}/members/${encodeURIComponent(number)}`;

describe("the in-space hunt group", () => {
  it("lets the occupier's admin take a member out by hand; the number stays active", async () => {
    expect((await huntGroup(t.app, world.siteId, world.occupierA.id)).body.members).toEqual([
      desks[0],
      desks[1],
    ]);
    const removed = await call(t.app, "DELETE", memberPath(world.occupierA.id, desks[0]!), {
      key: world.keyA,
    });
    expect(removed.status, removed.text).toBe(204);
    expect(removed.text).toBe("");
    expect((await huntGroup(t.app, world.siteId, world.occupierA.id)).body.members).toEqual([desks[1]]);
    expect((await getNumber(t.app, desks[0]!)).body.state).toBe("assigned");
    // Not a member (any more): 404, as is a number without the "+".
    expect(
      (await call(t.app, "DELETE", memberPath(world.occupierA.id, desks[0]!), { key: world.keyA })).status,
    ).toBe(404);
    expect((await call(t.app, "DELETE", memberPath(world.occupierA.id, "not-a-number"))).status).toBe(400);
  });

  it("lets the operator remove members; another occupier and a viewer may not", async () => {
    expect(
      (await call(t.app, "DELETE", memberPath(world.occupierA.id, desks[1]!), { key: world.keyB })).status,
    ).toBe(404);
    const viewer = await createKey(t.app, "viewer", world.operator.id);
    expect(
      (await call(t.app, "DELETE", memberPath(world.occupierA.id, desks[1]!), { key: viewer })).status,
    ).toBe(403);
    expect((await huntGroup(t.app, world.siteId, world.occupierA.id)).body.members).toEqual([desks[1]]);
    const removed = await call(t.app, "DELETE", memberPath(world.occupierA.id, desks[1]!.slice(1)), {
      key: world.operatorKey,
    });
    expect(removed.status).toBe(204);
    expect((await huntGroup(t.app, world.siteId, world.occupierA.id)).body.members).toEqual([]);
  });

  it("stops forwarding to the hunt group when the main number is deactivated (its settings are cleared)", async () => {
    expect((await huntGroup(t.app, world.siteId, world.occupierA.id)).body.huntGroup).toBe(true);
    const done = await applied(t.app, main, { action: "deactivate" }, world.keyA);
    expect(done.after).toMatchObject({ state: "reserved", ownerId: world.occupierA.id });
    expect((await huntGroup(t.app, world.siteId, world.occupierA.id)).body).toMatchObject({
      huntGroup: false,
      members: [],
    });
    // With forwarding off, a newly activated number joins no hunt group.
    await allocate(t.app, desks[2]!, world.occupierA.id);
    await applied(t.app, desks[2]!, { action: "activate" });
    expect((await huntGroup(t.app, world.siteId, world.occupierA.id)).body.members).toEqual([]);
  });

  it("leaves forwarding alone when an ordinary number is deactivated", async () => {
    await call(t.app, "PUT", `/v1/sites/${world.siteId}/main-number-forwarding/${world.occupierA.id}`, {
      body: { huntGroup: true },
    });
    await applied(t.app, desks[2]!, { action: "deactivate" }, world.keyA);
    expect((await huntGroup(t.app, world.siteId, world.occupierA.id)).body.huntGroup).toBe(true);
  });
});
