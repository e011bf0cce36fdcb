import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSite, insertNumbers } from "../inventory/fixtures.js";
import { call, createKey, createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
const org = { partnerA: "", partnerB: "", customerA: "", customerB: "", siteA: "", siteB: "" };
const names = { partnerA: "", partnerB: "", customerA: "", customerB: "", siteA: "", siteB: "" };
const keys = { partnerA: "", partnerB: "", customerA: "", viewerA: "" };

beforeAll(async () => {
  t = await createTestContext();
  const partnerA = await createOrganization(t.app, { kind: "partner", name: "Harbour Properties" });
  const partnerB = await createOrganization(t.app, { kind: "partner", name: "Bayside Offices" });
  const customerA = await createOrganization(t.app, { partnerId: partnerA.id, name: "Acme Pte Ltd" });
  const customerB = await createOrganization(t.app, { partnerId: partnerB.id, name: "Bolt Holdings" });
  Object.assign(org, {
    partnerA: partnerA.id,
    partnerB: partnerB.id,
    customerA: customerA.id,
    customerB: customerB.id,
    siteA: await createSite(t.deps, partnerA.id, [customerA.id]),
    siteB: await createSite(t.deps, partnerB.id, [customerB.id]),
  });
  const sites = await t.deps.db.selectFrom("sites").select(["id", "name"]).execute();
  const siteName = (id: string) => sites.find((site) => site.id === id)!.name;
  Object.assign(names, {
    partnerA: partnerA.name,
    partnerB: partnerB.name,
    customerA: customerA.name,
    customerB: customerB.name,
    siteA: siteName(org.siteA),
    siteB: siteName(org.siteB),
  });
  Object.assign(keys, {
    partnerA: await createKey(t.app, "partner_admin", partnerA.id),
    partnerB: await createKey(t.app, "partner_admin", partnerB.id),
    customerA: await createKey(t.app, "customer_admin", customerA.id),
    viewerA: await createKey(t.app, "viewer", partnerA.id),
  });
  const now = t.clock.now();
  const heldBy = (ownerId: string) => ({
    state: "reserved" as const,
    owner_id: ownerId,
    reservation_kind: "allocation" as const,
    reserved_at: now,
  });
  await insertNumbers(t.deps, [
    { number: "+6580000001", partner_id: org.partnerA, site_id: org.siteA, ...heldBy(org.customerA) },
    { number: "+6580000002", partner_id: org.partnerA, site_id: org.siteA },
    { number: "+6580000003", partner_id: org.partnerA, state: "locked", locked_at: now, vendor: "bt" },
    {
      number: "+6580000004",
      partner_id: org.partnerA,
      pending_transition_id: crypto.randomUUID(),
      pending_action: "reserve",
      pending_since: now,
    },
    { number: "+6580000011", partner_id: org.partnerB, site_id: org.siteB, ...heldBy(org.customerB) },
    { number: "+6580000012", partner_id: org.partnerB, state: "assigned", owner_id: org.customerB },
    // In partner A's inventory but held, by the platform's doing, for partner B's customer.
    {
      number: "+6580000021",
      partner_id: org.partnerA,
      state: "reserved",
      owner_id: org.customerB,
      reservation_kind: "manual",
      reserved_at: now,
    },
    // In partner B's inventory, held for partner A's customer.
    { number: "+6580000022", partner_id: org.partnerB, state: "assigned", owner_id: org.customerA },
    { number: "+6580000031", state: "deleted", deleted_reason: "faulty" },
  ]);
});
afterAll(async () => t?.close());

const one = async (number: string, key?: string) =>
  (await call(t.app, "GET", `/v1/numbers/${encodeURIComponent(number)}`, { key })).body;

describe("names behind the ids", () => {
  it("shows the owner's, the partner's and the site's names on a number", async () => {
    expect(await one("+6580000001")).toMatchObject({
      ownerId: org.customerA,
      ownerName: names.customerA,
      partnerId: org.partnerA,
      partnerName: names.partnerA,
      siteId: org.siteA,
      siteName: names.siteA,
    });
    expect(await one("+6580000031")).toMatchObject({ ownerName: null, partnerName: null, siteName: null });
  });

  it("shows the same names in the list, the CSV and the PDF", async () => {
    const list = await call(t.app, "GET", "/v1/numbers?q=%2B658000000*");
    expect(list.body.items[0]).toMatchObject({ ownerName: names.customerA, siteName: names.siteA });
    const csv = await call(t.app, "GET", "/v1/numbers.csv?q=%2B658000000*");
    const [row] = parse(csv.text, { columns: true }) as Record<string, string>[];
    expect(row).toMatchObject({
      ownerId: org.customerA,
      ownerName: names.customerA,
      partnerName: names.partnerA,
      siteName: names.siteA,
    });
    const pdf = await call(t.app, "GET", "/v1/numbers.pdf?q=%2B658000000*");
    expect(pdf.status).toBe(200);
  });

  it("never shows a partner another partner's names, even on a number it sees", async () => {
    // Partner A sees +6580000021 (its inventory), held for partner B's customer: the id, no name.
    expect(await one("+6580000021", keys.partnerA)).toMatchObject({
      ownerId: org.customerB,
      ownerName: null,
      partnerName: names.partnerA,
    });
    // Partner A sees +6580000022 (held by its customer) in partner B's inventory: no partner name.
    expect(await one("+6580000022", keys.partnerA)).toMatchObject({
      ownerName: names.customerA,
      partnerId: org.partnerB,
      partnerName: null,
    });
    const everything = JSON.stringify(
      (await call(t.app, "GET", "/v1/numbers?limit=1000", { key: keys.partnerA })).body,
    );
    const csv = (await call(t.app, "GET", "/v1/numbers.csv", { key: keys.partnerA })).text;
    for (const text of [everything, csv])
      for (const hidden of [names.partnerB, names.customerB, names.siteB]) expect(text).not.toContain(hidden);
    const theirs = JSON.stringify(
      (await call(t.app, "GET", "/v1/numbers?limit=1000", { key: keys.partnerB })).body,
    );
    for (const hidden of [names.customerA, names.siteA]) expect(theirs).not.toContain(hidden);
  });

  it("shows a customer its own name, its partner's and its site's", async () => {
    expect(await one("+6580000001", keys.customerA)).toMatchObject({
      ownerName: names.customerA,
      partnerName: names.partnerA,
      siteName: names.siteA,
    });
    expect(await one("+6580000022", keys.customerA)).toMatchObject({
      ownerName: names.customerA,
      partnerName: null,
    });
  });
});

describe("GET /v1/numbers/counts", () => {
  it("counts what the filters select, by state, with the pending ones", async () => {
    const all = await call(t.app, "GET", "/v1/numbers/counts");
    expect(all.status, all.text).toBe(200);
    expect(all.body).toEqual({
      total: 9,
      pending: 1,
      byState: { available: 2, reserved: 3, locked: 1, assigned: 2, cooldown: 0, deleted: 1 },
    });
    const filtered = await call(t.app, "GET", `/v1/numbers/counts?partnerId=${org.partnerA}&state=available`);
    expect(filtered.body).toEqual({
      total: 2,
      pending: 1,
      byState: { available: 2, reserved: 0, locked: 0, assigned: 0, cooldown: 0, deleted: 0 },
    });
    expect((await call(t.app, "GET", "/v1/numbers/counts?vendor=bt")).body.byState.locked).toBe(1);
    expect((await call(t.app, "GET", "/v1/numbers/counts?status=pending")).body).toMatchObject({
      total: 1,
      pending: 1,
    });
  });

  it("counts only the key's scope: one partner never counts another's numbers", async () => {
    const counts = async (key: string, query = "") =>
      (await call(t.app, "GET", `/v1/numbers/counts${query}`, { key })).body;
    expect(await counts(keys.partnerA)).toMatchObject({ total: 6 });
    expect(await counts(keys.viewerA)).toMatchObject({ total: 6 });
    expect(await counts(keys.partnerB)).toMatchObject({ total: 4 });
    expect(await counts(keys.customerA)).toMatchObject({
      total: 2,
      byState: { reserved: 1, assigned: 1 },
    });
    expect(await counts(keys.partnerA, `?ownerId=${org.customerB}`)).toMatchObject({ total: 1 });
    expect(await counts(keys.partnerA, `?siteId=${org.siteB}`)).toMatchObject({ total: 0 });
  });

  it("answers a bad or unknown filter with 400 naming it", async () => {
    const bad = await call(t.app, "GET", "/v1/numbers/counts?state=gone&colour=blue");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
    expect(bad.body.error.details).toContainEqual(expect.objectContaining({ field: "querystring.state" }));
    expect((await call(t.app, "GET", "/v1/numbers/counts", { key: null })).status).toBe(401);
  });
});
