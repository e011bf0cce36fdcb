import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, getNumber } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import {
  allocate,
  applied,
  createSiteWorld,
  huntGroup,
  provision,
  type SiteWorld,
  setVoiceServices,
  waitApplied,
} from "./site-world.js";

let t: TestContext;
let world: SiteWorld;
let mains: string[];
beforeAll(async () => {
  t = await createTestContext();
  await t.startWorker();
  world = await createSiteWorld(t.app);
  mains = await provision(t.app, world.siteId, 2, { mainNumber: true });
  await provision(t.app, world.siteId, 2);
});
afterAll(async () => t?.close());

const history = async (number: string) =>
  (await call(t.app, "GET", `/v1/numbers/${encodeURIComponent(number)}/history`)).body.items;

describe("automatic main number on a new voice service", () => {
  it("allocates and activates a free nominated main number through the queue, as system", async () => {
    await call(t.app, "PUT", `/v1/sites/${world.siteId}/main-number-forwarding/${world.occupierA.id}`, {
      body: { huntGroup: true },
    });
    const entitlement = await setVoiceServices(t.app, world.siteId, world.occupierA.id, 1);
    expect(entitlement.automaticMainNumber).toEqual({ number: mains[0], transitionId: expect.any(String) });
    await waitApplied(t.app, entitlement.automaticMainNumber.transitionId);

    expect((await getNumber(t.app, mains[0]!, world.keyA)).body).toMatchObject({
      state: "assigned",
      ownerId: world.occupierA.id,
      mainNumber: true,
    });
    const last = (await history(mains[0]!)).at(-1);
    expect(last).toMatchObject({ action: "activate", actor: "system", after: { state: "assigned" } });
    const read = await call(t.app, "GET", `/v1/sites/${world.siteId}/entitlements/${world.occupierA.id}`);
    expect(read.body).toMatchObject({ voiceServices: 1, activeNumbers: 1 });
    // The main number forwards to the hunt group; it is not a member of it.
    expect((await huntGroup(t.app, world.siteId, world.occupierA.id)).body.members).toEqual([]);
  });

  it("does nothing more while the organisation has an active main number", async () => {
    const entitlement = await setVoiceServices(t.app, world.siteId, world.occupierA.id, 3);
    expect(entitlement.automaticMainNumber).toBeNull();
    expect((await getNumber(t.app, mains[1]!)).body.state).toBe("available");
  });

  it("activates the main number already allocated to the organisation rather than a free one", async () => {
    await allocate(t.app, mains[1]!, world.occupierB.id, world.operatorKey);
    const entitlement = await setVoiceServices(t.app, world.siteId, world.occupierB.id, 2);
    expect(entitlement.automaticMainNumber?.number).toBe(mains[1]);
    await waitApplied(t.app, entitlement.automaticMainNumber.transitionId);
    expect((await getNumber(t.app, mains[1]!)).body).toMatchObject({
      state: "assigned",
      ownerId: world.occupierB.id,
    });
  });

  it("does nothing when no free main number is left, or when voice services shrink", async () => {
    const operator = await setVoiceServices(t.app, world.siteId, world.operator.id, 2);
    expect(operator.automaticMainNumber).toBeNull();
    expect(operator).toMatchObject({ voiceServices: 2, activeNumbers: 0 });
    const shrunk = await setVoiceServices(t.app, world.siteId, world.occupierB.id, 1);
    expect(shrunk).toMatchObject({ voiceServices: 1, activeNumbers: 1, automaticMainNumber: null });
  });

  it("keeps the automatic main number allocated to its owner when it is deactivated", async () => {
    await applied(t.app, mains[0]!, { action: "deactivate" }, world.keyA);
    expect((await getNumber(t.app, mains[0]!)).body).toMatchObject({
      state: "reserved",
      ownerId: world.occupierA.id,
      reservation: { kind: "allocation", expiresAt: null },
    });
    // A later new voice service activates that same main number again.
    const entitlement = await setVoiceServices(t.app, world.siteId, world.occupierA.id, 4);
    expect(entitlement.automaticMainNumber?.number).toBe(mains[0]);
    await waitApplied(t.app, entitlement.automaticMainNumber.transitionId);
  });
});
