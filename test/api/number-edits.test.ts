import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSite, insertNumbers } from "../inventory/fixtures.js";
import { call, createKey, createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
const ids = { partner: "", otherPartner: "", customer: "", site: "", otherSite: "" };
const keys = { partner: "", otherPartner: "", customer: "", viewer: "" };
let serial = 0;

beforeAll(async () => {
  t = await createTestContext();
  const partner = await createOrganization(t.app, { kind: "partner" });
  const otherPartner = await createOrganization(t.app, { kind: "partner" });
  const customer = await createOrganization(t.app, { partnerId: partner.id });
  Object.assign(ids, {
    partner: partner.id,
    otherPartner: otherPartner.id,
    customer: customer.id,
    site: await createSite(t.deps, partner.id, [customer.id]),
    otherSite: await createSite(t.deps, otherPartner.id),
  });
  Object.assign(keys, {
    partner: await createKey(t.app, "partner_admin", partner.id),
    otherPartner: await createKey(t.app, "partner_admin", otherPartner.id),
    customer: await createKey(t.app, "customer_admin", customer.id),
    viewer: await createKey(t.app, "viewer"),
  });
});
afterAll(async () => t?.close());

async function fixture(fields: Record<string, unknown> = {}) {
  const number = `+6578${String(serial++).padStart(6, "0")}`;
  await insertNumbers(t.deps, [{ number, partner_id: ids.partner, ...fields }]);
  return number;
}
const path = (number: string) => `/v1/numbers/${encodeURIComponent(number)}`;
const patch = (number: string, body: unknown, key?: string) =>
  call(t.app, "PATCH", path(number), { body, key });
const read = async (number: string) => (await call(t.app, "GET", path(number))).body;
const history = async (number: string, key?: string) =>
  (await call(t.app, "GET", `${path(number)}/history`, { key })).body.items;

describe("PATCH /v1/numbers/{number}", () => {
  it("corrects attributes with one history entry holding the changed fields", async () => {
    const number = await fixture({ sku: "DID-OLD", routing: null });
    const before = await read(number);
    const response = await patch(number, {
      sku: "DID-SG-GOLD",
      vendor: "acme",
      capabilities: ["voice", "sms"],
      routing: "sip:desk",
      golden: true,
      rangeName: "Reception",
      extension: "100",
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      sku: "DID-SG-GOLD",
      capabilities: ["voice", "sms"],
      routing: "sip:desk",
      golden: true,
      rangeName: "Reception",
      extension: "100",
      version: before.version + 1,
      allowedActions: expect.arrayContaining(["reserve"]),
    });
    const entries = await history(number);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: "edit",
      actor: expect.stringMatching(/^api-key:/),
      transitionId: null,
      // vendor was "acme" already: not a change.
      before: {
        sku: "DID-OLD",
        capabilities: ["voice"],
        routing: null,
        golden: false,
        rangeName: null,
        extension: null,
      },
      after: {
        sku: "DID-SG-GOLD",
        capabilities: ["voice", "sms"],
        routing: "sip:desk",
        golden: true,
        rangeName: "Reception",
        extension: "100",
      },
    });

    const again = await patch(number, { sku: "DID-SG-GOLD" });
    expect(again.body.version).toBe(before.version + 1);
    expect(await history(number)).toHaveLength(1);
    const cleared = await patch(number, { routing: null });
    expect(cleared.body.routing).toBeNull();
  });

  it("moves an available number to a site and nominates it as main number", async () => {
    const number = await fixture({ partner_id: null });
    const response = await patch(number, { siteId: ids.site, mainNumber: true });
    expect(response.status, response.text).toBe(200);
    // A site's numbers belong to its operator's inventory, as when they are added there.
    expect(response.body).toMatchObject({
      siteId: ids.site,
      mainNumber: true,
      partnerId: ids.partner,
      partnerName: expect.any(String),
    });
    expect((await history(number)).at(-1)).toMatchObject({
      action: "edit",
      before: { siteId: null, mainNumber: false, partnerId: null },
      after: { siteId: ids.site, mainNumber: true, partnerId: ids.partner },
    });
    // The partner whose inventory the number joined reads the entry that brought it in.
    expect((await history(number, keys.partner)).map((entry: { action: string }) => entry.action)).toEqual([
      "edit",
    ]);
    expect((await patch(number, { siteId: null })).body).toMatchObject({ siteId: null, siteName: null });
  });

  it("refuses siteId and mainNumber on a number that is not available, and changes nothing", async () => {
    const number = await fixture({
      state: "reserved",
      owner_id: ids.customer,
      reservation_kind: "manual",
      reserved_at: t.clock.now(),
    });
    const before = await read(number);
    for (const body of [{ mainNumber: true }, { siteId: ids.site, sku: "X" }]) {
      const response = await patch(number, body);
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe("invalid_state");
    }
    expect(await read(number)).toEqual(before);
    expect((await patch(number, { sku: "DID-NEW" })).status).toBe(200);
  });

  it("answers 409 update_in_progress while a transition is pending", async () => {
    const number = await fixture();
    const accepted = await call(t.app, "POST", `${path(number)}/transitions`, {
      body: { action: "lock", remark: "voicemail access" },
    });
    expect(accepted.status).toBe(202);
    const response = await patch(number, { sku: "DID-NEW" });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe("update_in_progress");
  });

  it("refuses any other field by name, an empty body, and malformed values, changing nothing", async () => {
    const number = await fixture();
    const before = await read(number);
    const response = await patch(number, { state: "locked", ownerId: ids.customer, sku: "ok" });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("validation_failed");
    expect(response.body.error.details.map((detail: { field: string }) => detail.field).sort()).toEqual([
      "body.ownerId",
      "body.state",
    ]);
    for (const body of [
      {},
      { golden: "yes" },
      { capabilities: ["telex"] },
      { siteId: "nope" },
      { vendor: "" },
    ])
      expect((await patch(number, body)).status, JSON.stringify(body)).toBe(400);
    expect(await read(number)).toEqual(before);
  });

  it("refuses a site that does not exist or that another partner operates, naming siteId", async () => {
    const number = await fixture();
    for (const siteId of [crypto.randomUUID(), ids.otherSite]) {
      for (const key of [undefined, keys.partner]) {
        const response = await patch(number, { siteId }, key);
        expect(response.status).toBe(400);
        expect(response.body.error.details).toEqual([{ field: "body.siteId", message: expect.any(String) }]);
      }
    }
    // A partner is told the same for both, so it cannot learn that another partner's site exists.
    const unknown = await patch(number, { siteId: crypto.randomUUID() }, keys.partner);
    const foreign = await patch(number, { siteId: ids.otherSite }, keys.partner);
    expect(foreign.body.error.message.replace(ids.otherSite, "")).toBe(
      unknown.body.error.message.replace(/[0-9a-f-]{36}/, ""),
    );
    expect((await read(number)).siteId).toBeNull();
  });

  it("lets a partner edit its own inventory only; others are refused, out of scope is 404", async () => {
    const own = await fixture();
    expect((await patch(own, { sku: "DID-P" }, keys.partner)).status).toBe(200);
    const heldNotOwned = await fixture({
      partner_id: null,
      state: "reserved",
      owner_id: ids.customer,
      reservation_kind: "manual",
      reserved_at: t.clock.now(),
    });
    // The partner sees it (its customer holds it) but it is the platform's inventory.
    expect((await patch(heldNotOwned, { sku: "DID-P" }, keys.partner)).status).toBe(403);
    expect((await patch(heldNotOwned, { sku: "DID-C" }, keys.customer)).status).toBe(403);
    expect((await patch(own, { sku: "DID-V" }, keys.viewer)).status).toBe(403);
    expect((await patch(own, { sku: "DID-O" }, keys.otherPartner)).status).toBe(404);
    expect((await read(own)).sku).toBe("DID-P");
  });
});
