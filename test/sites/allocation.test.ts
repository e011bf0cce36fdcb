import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, getNumber } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import {
  allocate,
  applied,
  createSiteWorld,
  expectRefusedUnchanged,
  provision,
  type SiteWorld,
  setVoiceServices,
} from "./site-world.js";

let t: TestContext;
let world: SiteWorld;
beforeAll(async () => {
  t = await createTestContext({ cooldownDays: 30 });
  await t.startWorker();
  world = await createSiteWorld(t.app);
});
afterAll(async () => t?.close());

describe("allocate", () => {
  it("reserves a number for the operator with kind allocation and no expiry", async () => {
    const [number] = await provision(t.app, world.siteId, 1);
    const done = await allocate(t.app, number!, world.operator.id, world.operatorKey);
    expect(done.after).toMatchObject({
      state: "reserved",
      ownerId: world.operator.id,
      reservationKind: "allocation",
    });
    const read = (await getNumber(t.app, number!)).body;
    expect(read).toMatchObject({
      state: "reserved",
      ownerId: world.operator.id,
      reservation: { kind: "allocation", reservedAt: "2026-03-01T09:00:00.000Z", expiresAt: null },
    });
  });

  it("reserves a number for an occupier, which then sees it", async () => {
    const [number] = await provision(t.app, world.siteId, 1);
    await allocate(t.app, number!, world.occupierA.id, world.operatorKey);
    expect((await getNumber(t.app, number!, world.keyA)).body).toMatchObject({
      state: "reserved",
      ownerId: world.occupierA.id,
    });
  });

  it("refuses an organisation that is neither operator nor occupier with not_at_site", async () => {
    const [number] = await provision(t.app, world.siteId, 1);
    const error = await expectRefusedUnchanged(
      t.app,
      number!,
      { action: "allocate", ownerId: world.outsider.id },
      { status: 422, code: "not_at_site" },
    );
    expect(error.message).toContain(world.outsider.id);
  });

  it("refuses a number at no site with not_at_site: it would be a reservation that never expires", async () => {
    const [item] = (
      await call(t.app, "POST", "/v1/numbers", {
        body: { numbers: [{ number: "+6569900001", vendor: "acme", country: "SG", sku: "DID-SG" }] },
      })
    ).body.numbers;
    const error = await expectRefusedUnchanged(
      t.app,
      item.number,
      { action: "allocate", ownerId: world.operator.id },
      { status: 422, code: "not_at_site" },
    );
    expect(error.message).toMatch(/reserve this one instead/);
  });

  it("refuses a locked number with invalid_state", async () => {
    const [number] = await provision(t.app, world.siteId, 1, { state: "locked", remark: "voicemail access" });
    await expectRefusedUnchanged(
      t.app,
      number!,
      { action: "allocate", ownerId: world.occupierA.id },
      { status: 409, code: "invalid_state" },
    );
  });

  it("refuses a cooling number with in_cooldown", async () => {
    // Voice services first, on a site with no numbers yet: nothing is allocated automatically.
    const fresh = await createSiteWorld(t.app);
    await setVoiceServices(t.app, fresh.siteId, fresh.occupierB.id, 1);
    const [number] = await provision(t.app, fresh.siteId, 1);
    await allocate(t.app, number!, fresh.occupierB.id);
    await applied(t.app, number!, { action: "activate" });
    await applied(t.app, number!, { action: "deactivate" });
    const deallocated = await applied(t.app, number!, { action: "deallocate" });
    expect(deallocated.after).toMatchObject({ state: "cooldown", cooldownUntil: "2026-03-31T09:00:00.000Z" });
    const error = await expectRefusedUnchanged(
      t.app,
      number!,
      { action: "allocate", ownerId: fresh.occupierA.id },
      { status: 422, code: "in_cooldown" },
    );
    expect(error.message).toContain("2026-03-31T09:00:00.000Z");
  });

  it("gives each organisation at most one main number at the site", async () => {
    const [first, second] = await provision(t.app, world.siteId, 2, { mainNumber: true });
    await allocate(t.app, first!, world.occupierA.id, world.operatorKey);
    const error = await expectRefusedUnchanged(
      t.app,
      second!,
      { action: "allocate", ownerId: world.occupierA.id },
      { status: 422, code: "main_number_taken" },
      world.operatorKey,
    );
    expect(error.message).toBe("The organisation already has a main number at this site.");
    // Another organisation may take it, and plain numbers are not limited.
    await allocate(t.app, second!, world.operator.id, world.operatorKey);
    const [plain] = await provision(t.app, world.siteId, 1);
    await allocate(t.app, plain!, world.occupierA.id, world.operatorKey);
  });

  it("applies the main-number rule when a main number is activated straight from available", async () => {
    const fresh = await createSiteWorld(t.app);
    const [held, main] = await provision(t.app, fresh.siteId, 2, { mainNumber: true });
    await allocate(t.app, held!, fresh.occupierA.id);
    await setVoiceServices(t.app, fresh.siteId, fresh.occupierA.id, 3);
    for (const action of ["activate", "assign"])
      await expectRefusedUnchanged(
        t.app,
        main!,
        { action, ownerId: fresh.occupierA.id, subscriptionId: "sub-voice-1" },
        { status: 422, code: "main_number_taken" },
      );
    await allocate(t.app, main!, fresh.occupierB.id);
  });
});

describe("deallocate", () => {
  it("returns an allocated number that was never in service to available", async () => {
    const [number] = await provision(t.app, world.siteId, 1);
    await allocate(t.app, number!, world.occupierA.id);
    const done = await applied(t.app, number!, { action: "deallocate" }, world.operatorKey);
    expect(done.after).toMatchObject({ state: "available", ownerId: null, reservationKind: null });
    expect((await getNumber(t.app, number!, world.keyA)).status).toBe(404);
  });

  it("refuses an activated number with activated", async () => {
    const fresh = await createSiteWorld(t.app);
    await setVoiceServices(t.app, fresh.siteId, fresh.operator.id, 1);
    const [number] = await provision(t.app, fresh.siteId, 1);
    await allocate(t.app, number!, fresh.operator.id);
    await applied(t.app, number!, { action: "activate" });
    const error = await expectRefusedUnchanged(
      t.app,
      number!,
      { action: "deallocate" },
      { status: 422, code: "activated" },
      fresh.operatorKey,
    );
    expect(error.message).toContain("deactivate");
  });

  it("refuses a reservation that is not an allocation", async () => {
    const [number] = await provision(t.app, world.siteId, 1);
    await applied(t.app, number!, { action: "reserve", ownerId: world.occupierA.id, remark: "held" });
    await expectRefusedUnchanged(
      t.app,
      number!,
      { action: "deallocate" },
      { status: 409, code: "invalid_state" },
    );
  });

  it("records allocate and deallocate in the number's history", async () => {
    const [number] = await provision(t.app, world.siteId, 1);
    await allocate(t.app, number!, world.occupierB.id, world.operatorKey);
    await applied(t.app, number!, { action: "deallocate" }, world.operatorKey);
    const history = await call(t.app, "GET", `/v1/numbers/${encodeURIComponent(number!)}/history`);
    expect(history.body.items.map((item: { action: string }) => item.action)).toEqual([
      "add",
      "allocate",
      "deallocate",
    ]);
  });
});
