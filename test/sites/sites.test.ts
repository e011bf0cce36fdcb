import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addNumbers,
  call,
  createKey,
  createOrganization,
  freshNumber,
  getNumber,
  requestTransition,
} from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { allocate, createSiteWorld, numberPath, provision, type SiteWorld } from "./site-world.js";

let t: TestContext;
let world: SiteWorld;
beforeAll(async () => {
  t = await createTestContext();
  await t.startWorker();
  world = await createSiteWorld(t.app);
});
afterAll(async () => t?.close());

describe("sites and occupiers", () => {
  it("creates a site for a partner and reads it back", async () => {
    const site = await call(t.app, "GET", `/v1/sites/${world.siteId}`);
    expect(site.status).toBe(200);
    expect(site.body).toEqual({
      id: world.siteId,
      name: "Harbour Tower",
      operatorId: world.operator.id,
      operatorName: world.operator.name,
      occupiers: [world.occupierA, world.occupierB]
        .map(({ id, name }) => ({ id, name }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      createdAt: "2026-03-01T09:00:00.000Z",
    });
    expect((await call(t.app, "GET", `/v1/sites/${randomUUID()}`)).status).toBe(404);
  });

  it("refuses an operator that is not a partner and a malformed body", async () => {
    const customer = await createOrganization(t.app);
    const wrongKind = await call(t.app, "POST", "/v1/sites", {
      body: { name: "x", operatorId: customer.id },
    });
    expect(wrongKind.status).toBe(422);
    expect(wrongKind.body.error.code).toBe("unknown_organization");
    const malformed = await call(t.app, "POST", "/v1/sites", { body: { name: "", operatorId: "nope" } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("validation_failed");
  });

  it("lets a partner create a site for itself only", async () => {
    const own = await call(t.app, "POST", "/v1/sites", {
      key: world.operatorKey,
      body: { name: "Annex", operatorId: world.operator.id },
    });
    expect(own.status).toBe(201);
    const other = await createOrganization(t.app, { kind: "partner" });
    const foreign = await call(t.app, "POST", "/v1/sites", {
      key: world.operatorKey,
      body: { name: "Not mine", operatorId: other.id },
    });
    expect(foreign.status).toBe(403);
  });

  it("lists occupiers; adding one twice is harmless; only customers of the operator may occupy", async () => {
    const list = await call(t.app, "GET", `/v1/sites/${world.siteId}/occupiers`);
    const listed = list.body.items.map((item: { organizationId: string }) => item.organizationId);
    expect(listed.sort()).toEqual([world.occupierA.id, world.occupierB.id].sort());
    const again = await call(t.app, "POST", `/v1/sites/${world.siteId}/occupiers`, {
      key: world.operatorKey,
      body: { organizationId: world.occupierA.id },
    });
    expect(again.status).toBe(200);
    const partner = await call(t.app, "POST", `/v1/sites/${world.siteId}/occupiers`, {
      body: { organizationId: world.operator.id },
    });
    expect(partner.body.error.code).toBe("unknown_organization");
    const otherPartner = await createOrganization(t.app, { kind: "partner" });
    const foreignCustomer = await createOrganization(t.app, { partnerId: otherPartner.id });
    const foreign = await call(t.app, "POST", `/v1/sites/${world.siteId}/occupiers`, {
      body: { organizationId: foreignCustomer.id },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe("validation_failed");
  });
});

describe("numbers provisioned at a site", () => {
  it("carries site, range, extension and main-number flag, in the operator's inventory", async () => {
    const [number] = await provision(t.app, world.siteId, 1, { mainNumber: true, extension: "200" });
    const read = await getNumber(t.app, number!);
    expect(read.body).toMatchObject({
      state: "available",
      siteId: world.siteId,
      rangeName: "Harbour main range",
      extension: "200",
      mainNumber: true,
      partnerId: world.operator.id,
      settings: {},
      pinIsDefault: true,
    });
  });

  it("refuses an unknown site and another partner's inventory, adding nothing", async () => {
    const otherPartner = await createOrganization(t.app, { kind: "partner" });
    const unknownSite = freshNumber();
    const foreignPartner = freshNumber();
    const response = await call(t.app, "POST", "/v1/numbers", {
      body: {
        numbers: [
          { number: unknownSite, vendor: "acme", country: "SG", sku: "DID", siteId: randomUUID() },
          {
            number: foreignPartner,
            vendor: "acme",
            country: "SG",
            sku: "DID",
            siteId: world.siteId,
            partnerId: otherPartner.id,
          },
        ],
      },
    });
    expect(response.status).toBe(422);
    expect(response.body.error.details).toEqual([
      expect.objectContaining({ index: 0, code: "validation_failed" }),
      expect.objectContaining({ index: 1, code: "not_at_site" }),
    ]);
    expect((await getNumber(t.app, unknownSite)).status).toBe(404);
  });
});

describe("scopes of the operator and occupier keys", () => {
  let free: string;
  let ofA: string;
  let ofB: string;
  beforeAll(async () => {
    const numbers = await provision(t.app, world.siteId, 3);
    [free, ofA, ofB] = numbers as [string, string, string];
    await allocate(t.app, ofA, world.occupierA.id, world.operatorKey);
    await allocate(t.app, ofB, world.occupierB.id, world.operatorKey);
  });

  it("the operator sees every number at its site and the site itself", async () => {
    for (const number of [free, ofA, ofB])
      expect((await getNumber(t.app, number, world.operatorKey)).status).toBe(200);
    expect((await call(t.app, "GET", `/v1/sites/${world.siteId}`, { key: world.operatorKey })).status).toBe(
      200,
    );
  });

  it("an occupier sees only its own numbers; others are 404", async () => {
    expect((await getNumber(t.app, ofA, world.keyA)).status).toBe(200);
    expect((await getNumber(t.app, ofB, world.keyA)).status).toBe(404);
    expect((await getNumber(t.app, free, world.keyA)).status).toBe(404);
    const listed = await call(t.app, "GET", `/v1/numbers?limit=1000`, { key: world.keyA });
    expect(listed.body.items.map((item: { number: string }) => item.number)).toEqual([ofA]);
  });

  it("an occupier cannot act on another occupier's number or allocate", async () => {
    const foreign = await requestTransition(t.app, ofB, { action: "activate" }, { key: world.keyA });
    expect(foreign.status).toBe(404);
    const own = await requestTransition(t.app, ofA, { action: "deallocate" }, { key: world.keyA });
    expect(own.status).toBe(403);
    expect((await getNumber(t.app, ofA)).body.status).toBe("reserved");
  });

  it("an occupier sees the site and only itself among occupiers, and cannot manage the site", async () => {
    expect((await call(t.app, "GET", `/v1/sites/${world.siteId}`, { key: world.keyA })).status).toBe(200);
    const occupiers = await call(t.app, "GET", `/v1/sites/${world.siteId}/occupiers`, { key: world.keyA });
    expect(occupiers.body.items.map((item: { organizationId: string }) => item.organizationId)).toEqual([
      world.occupierA.id,
    ]);
    const entitlement = await call(
      t.app,
      "PUT",
      `/v1/sites/${world.siteId}/entitlements/${world.occupierA.id}`,
      {
        key: world.keyA,
        body: { voiceServices: 9 },
      },
    );
    expect(entitlement.status).toBe(403);
    const othersGroup = await call(
      t.app,
      "GET",
      `/v1/sites/${world.siteId}/hunt-groups/${world.occupierB.id}`,
      {
        key: world.keyA,
      },
    );
    expect(othersGroup.status).toBe(404);
    const ownGroup = await call(t.app, "GET", `/v1/sites/${world.siteId}/hunt-groups/${world.occupierA.id}`, {
      key: world.keyA,
    });
    expect(ownGroup.body).toMatchObject({ huntGroup: false, members: [] });
  });

  it("another partner and a customer not at the site see neither the site nor its numbers", async () => {
    const otherPartner = await createOrganization(t.app, { kind: "partner" });
    const otherKey = await createKey(t.app, "partner_admin", otherPartner.id);
    const outsiderKey = await createKey(t.app, "customer_admin", world.outsider.id);
    for (const key of [otherKey, outsiderKey]) {
      expect((await call(t.app, "GET", `/v1/sites/${world.siteId}`, { key })).status).toBe(404);
      expect((await call(t.app, "GET", numberPath(free), { key })).status).toBe(404);
    }
    const viewer = await createKey(t.app, "viewer", world.operator.id);
    expect((await call(t.app, "GET", `/v1/sites/${world.siteId}`, { key: viewer })).status).toBe(200);
    const write = await call(
      t.app,
      "PUT",
      `/v1/sites/${world.siteId}/main-number-forwarding/${world.occupierA.id}`,
      {
        key: viewer,
        body: { huntGroup: true },
      },
    );
    expect(write.status).toBe(403);
  });

  it("the operator may set voice services and call handling only for organisations at its site", async () => {
    const entitlement = await call(
      t.app,
      "PUT",
      `/v1/sites/${world.siteId}/entitlements/${world.outsider.id}`,
      {
        key: world.operatorKey,
        body: { voiceServices: 1 },
      },
    );
    expect(entitlement.status).toBe(422);
    expect(entitlement.body.error.code).toBe("not_at_site");
    const forwarding = await call(
      t.app,
      "PUT",
      `/v1/sites/${world.siteId}/main-number-forwarding/${world.occupierB.id}`,
      { key: world.keyB, body: { huntGroup: true } },
    );
    expect(forwarding.body).toEqual({
      siteId: world.siteId,
      organizationId: world.occupierB.id,
      huntGroup: true,
    });
  });

  it("numbers added by the operator's own key at its site join its inventory", async () => {
    const [added] = await addNumbers(
      t.app,
      [{ number: freshNumber(), siteId: world.siteId }],
      world.operatorKey,
    );
    expect(added.partnerId).toBe(world.operator.id);
  });
});
