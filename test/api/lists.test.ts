import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSite } from "../inventory/fixtures.js";
import { call, createKey, createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
const org: Record<string, { id: string; name: string }> = {};
const site: Record<string, string> = {};
const keys: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestContext();
  org.harbour = await createOrganization(t.app, { kind: "partner", name: "Harbour Properties" });
  org.bayside = await createOrganization(t.app, { kind: "partner", name: "Bayside Offices" });
  org.acme = await createOrganization(t.app, { partnerId: org.harbour.id, name: "Acme 100% Pte Ltd" });
  org.apex = await createOrganization(t.app, { partnerId: org.harbour.id, name: "Apex Trading" });
  org.bolt = await createOrganization(t.app, { partnerId: org.bayside.id, name: "Bolt Holdings" });
  org.solo = await createOrganization(t.app, { name: "Solo Consulting" });
  site.tower = await createSite(t.deps, org.harbour.id, [org.acme.id, org.apex.id, org.solo.id]);
  site.annex = await createSite(t.deps, org.harbour.id, [org.apex.id]);
  site.quay = await createSite(t.deps, org.bayside.id, [org.bolt.id]);
  await t.deps.db.updateTable("sites").set({ name: "Harbour Tower" }).where("id", "=", site.tower!).execute();
  await t.deps.db.updateTable("sites").set({ name: "Harbour Annex" }).where("id", "=", site.annex!).execute();
  await t.deps.db.updateTable("sites").set({ name: "Bayside Quay" }).where("id", "=", site.quay!).execute();
  Object.assign(keys, {
    harbour: await createKey(t.app, "partner_admin", org.harbour.id),
    harbourViewer: await createKey(t.app, "viewer", org.harbour.id),
    bayside: await createKey(t.app, "partner_admin", org.bayside.id),
    acme: await createKey(t.app, "customer_admin", org.acme.id),
    apex: await createKey(t.app, "customer_admin", org.apex.id),
    viewer: await createKey(t.app, "viewer"),
  });
});
afterAll(async () => t?.close());

const names = (body: { items: { name: string }[] }) => body.items.map((item) => item.name);
const get = (url: string, key?: string) => call(t.app, "GET", url, { key });

describe("GET /v1/organizations", () => {
  it("lists everything by name for platform keys", async () => {
    for (const key of [undefined, keys.viewer]) {
      const response = await get("/v1/organizations", key);
      expect(response.status, response.text).toBe(200);
      expect(names(response.body)).toEqual([
        "Acme 100% Pte Ltd",
        "Apex Trading",
        "Bayside Offices",
        "Bolt Holdings",
        "Harbour Properties",
        "Solo Consulting",
      ]);
      expect(response.body.nextCursor).toBeNull();
    }
  });

  it("lists a partner itself and its customers, a customer itself, and no other partner's", async () => {
    const harbour = await get("/v1/organizations", keys.harbour);
    expect(names(harbour.body)).toEqual(["Acme 100% Pte Ltd", "Apex Trading", "Harbour Properties"]);
    expect(names((await get("/v1/organizations", keys.harbourViewer)).body)).toEqual(names(harbour.body));
    expect(names((await get("/v1/organizations", keys.bayside)).body)).toEqual([
      "Bayside Offices",
      "Bolt Holdings",
    ]);
    expect(names((await get("/v1/organizations", keys.acme)).body)).toEqual(["Acme 100% Pte Ltd"]);
    // Another partner's organisations are not found, not forbidden.
    expect((await get(`/v1/organizations/${org.bolt!.id}`, keys.harbour)).status).toBe(404);
    expect((await get(`/v1/organizations/${org.acme!.id}`, keys.harbour)).body.name).toBe(
      "Acme 100% Pte Ltd",
    );
    expect((await get(`/v1/organizations/${org.apex!.id}`, keys.acme)).status).toBe(404);
    expect(names((await get(`/v1/organizations?q=bolt`, keys.harbour)).body)).toEqual([]);
  });

  it("filters by kind, partner and a part of the name in any case", async () => {
    expect(names((await get("/v1/organizations?kind=partner")).body)).toEqual([
      "Bayside Offices",
      "Harbour Properties",
    ]);
    expect(names((await get(`/v1/organizations?partnerId=${org.harbour!.id}`)).body)).toEqual([
      "Acme 100% Pte Ltd",
      "Apex Trading",
    ]);
    expect(names((await get("/v1/organizations?q=HOLD")).body)).toEqual(["Bolt Holdings"]);
    expect(names((await get("/v1/organizations?q=ap")).body)).toEqual(["Apex Trading"]);
    // % and _ are plain characters in q, not wildcards.
    expect(names((await get("/v1/organizations?q=100%25")).body)).toEqual(["Acme 100% Pte Ltd"]);
    expect(names((await get("/v1/organizations?q=_")).body)).toEqual([]);
  });

  it("pages by cursor without gaps or repeats", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/organizations?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await get(url);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...names(page.body));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(names((await get("/v1/organizations")).body));
  });

  it("refuses a cursor it did not seal, or one sealed for other filters", async () => {
    const first = await get("/v1/organizations?limit=1");
    const [payload, seal] = (first.body.nextCursor as string).split(".");
    const forged = Buffer.from(JSON.stringify(["\u0000", "x"])).toString("base64url");
    for (const query of [`cursor=${forged}.${seal}`, `q=a&cursor=${payload}.${seal}`]) {
      const response = await get(`/v1/organizations?limit=1&${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.details).toContainEqual(expect.objectContaining({ field: "cursor" }));
    }
  });

  it("answers bad input with 400 naming the field", async () => {
    for (const [query, field] of [
      ["kind=vendor", "querystring.kind"],
      ["limit=0", "querystring.limit"],
      ["partnerId=nope", "querystring.partnerId"],
      ["cursor=garbage", "cursor"],
      ["colour=blue", "querystring.colour"],
    ]) {
      const response = await get(`/v1/organizations?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.details).toContainEqual(expect.objectContaining({ field }));
    }
  });
});

describe("POST /v1/organizations by a partner", () => {
  const body = (fields: Record<string, unknown> = {}) => ({
    name: "Coral Cafe",
    kind: "customer",
    billingEmail: "billing@coral.test",
    ownerEmail: "owner@coral.test",
    ...fields,
  });

  it("creates a customer of its own, which it then lists", async () => {
    const created = await call(t.app, "POST", "/v1/organizations", { key: keys.harbour, body: body() });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ name: "Coral Cafe", kind: "customer", partnerId: org.harbour!.id });
    expect(names((await get("/v1/organizations?q=coral", keys.harbour)).body)).toEqual(["Coral Cafe"]);
    expect(names((await get("/v1/organizations?q=coral", keys.bayside)).body)).toEqual([]);
    const same = await call(t.app, "POST", "/v1/organizations", {
      key: keys.harbour,
      body: body({ name: "Coral Two", partnerId: org.harbour!.id }),
    });
    expect(same.status).toBe(201);
  });

  it("may not create a partner, nor a customer of another partner; other roles may not create", async () => {
    const partner = await call(t.app, "POST", "/v1/organizations", {
      key: keys.harbour,
      body: body({ kind: "partner", supportEmail: "s@coral.test" }),
    });
    expect(partner.status).toBe(403);
    const foreign = await call(t.app, "POST", "/v1/organizations", {
      key: keys.harbour,
      body: body({ partnerId: org.bayside!.id }),
    });
    expect(foreign.status).toBe(403);
    for (const key of [keys.acme, keys.viewer, keys.harbourViewer])
      expect((await call(t.app, "POST", "/v1/organizations", { key, body: body() })).status).toBe(403);
    expect(names((await get("/v1/organizations?q=coral")).body)).toEqual(["Coral Cafe", "Coral Two"]);
  });

  it("still answers a malformed body with 400", async () => {
    const response = await call(t.app, "POST", "/v1/organizations", {
      key: keys.harbour,
      body: body({ billingEmail: "not an address" }),
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toContainEqual(
      expect.objectContaining({ field: "body.billingEmail" }),
    );
  });
});

describe("GET /v1/sites", () => {
  it("lists every site for the platform, with the operator's and occupiers' names", async () => {
    const response = await get("/v1/sites");
    expect(response.status, response.text).toBe(200);
    expect(names(response.body)).toEqual(["Bayside Quay", "Harbour Annex", "Harbour Tower"]);
    expect(response.body.items[2]).toEqual({
      id: site.tower,
      name: "Harbour Tower",
      operatorId: org.harbour!.id,
      operatorName: "Harbour Properties",
      occupiers: [
        { id: org.acme!.id, name: "Acme 100% Pte Ltd" },
        { id: org.apex!.id, name: "Apex Trading" },
        { id: org.solo!.id, name: "Solo Consulting" },
      ],
      createdAt: expect.any(String),
    });
  });

  it("lists a partner the sites it operates, a customer those it occupies (and only itself in them)", async () => {
    expect(names((await get("/v1/sites", keys.harbour)).body)).toEqual(["Harbour Annex", "Harbour Tower"]);
    expect(names((await get("/v1/sites", keys.harbourViewer)).body)).toEqual([
      "Harbour Annex",
      "Harbour Tower",
    ]);
    const bayside = JSON.stringify((await get("/v1/sites", keys.bayside)).body);
    expect(names(JSON.parse(bayside))).toEqual(["Bayside Quay"]);
    for (const hidden of ["Harbour", "Acme", "Apex", "Solo"]) expect(bayside).not.toContain(hidden);
    const apex = await get("/v1/sites", keys.apex);
    expect(names(apex.body)).toEqual(["Harbour Annex", "Harbour Tower"]);
    for (const item of apex.body.items)
      expect(item.occupiers).toEqual([{ id: org.apex!.id, name: "Apex Trading" }]);
    expect((await get(`/v1/sites/${site.quay}`, keys.harbour)).status).toBe(404);
  });

  it("filters by a part of the name and by operator, and pages by cursor", async () => {
    expect(names((await get("/v1/sites?q=harbour%20t")).body)).toEqual(["Harbour Tower"]);
    expect(names((await get(`/v1/sites?operatorId=${org.bayside!.id}`)).body)).toEqual(["Bayside Quay"]);
    expect(names((await get(`/v1/sites?operatorId=${org.bayside!.id}`, keys.harbour)).body)).toEqual([]);
    const first = await get("/v1/sites?limit=2");
    expect(names(first.body)).toEqual(["Bayside Quay", "Harbour Annex"]);
    const second = await get(`/v1/sites?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(names(second.body)).toEqual(["Harbour Tower"]);
    expect(second.body.nextCursor).toBeNull();
    expect((await get("/v1/sites?limit=5000")).status).toBe(400);
  });
});
