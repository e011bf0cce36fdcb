import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNumbers, call, createKey, createOrganization, freshNumber } from "../support/api.js";
import { ADMIN_KEY, createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => t?.close());

const path = (number: string) => `/v1/numbers/${encodeURIComponent(number)}`;

describe("errors and authentication", () => {
  it("answers 401 without a key or with an unknown one", async () => {
    const missing = await call(t.app, "GET", "/v1/numbers", { key: null });
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe("unauthorized");
    expect((await call(t.app, "GET", "/v1/numbers", { key: "nope" })).status).toBe(401);
  });

  it("answers unknown routes and bad JSON with the contract's error body", async () => {
    const route = await call(t.app, "GET", "/v1/nothing-here");
    expect(route.status).toBe(404);
    expect(route.body).toEqual({ error: { code: "not_found", message: expect.any(String), details: [] } });

    const json = await t.app.inject({
      method: "POST",
      url: "/v1/organizations",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.code).toBe("validation_failed");

    const url = await call(t.app, "GET", "/v1/numbers/%ZZ");
    expect(url.status).toBe(400);
    expect(url.body.error.code).toBe("validation_failed");
  });

  it("names each bad field", async () => {
    const response = await call(t.app, "POST", "/v1/organizations", { body: { name: "", kind: "robot" } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("validation_failed");
    const fields = response.body.error.details.map((detail: { field: string }) => detail.field);
    expect(fields).toEqual(expect.arrayContaining(["body.name", "body.kind", "body.billingEmail"]));
  });

  it("serves health without a key and readiness of both services", async () => {
    expect((await call(t.app, "GET", "/health", { key: null })).body).toEqual({ status: "ok" });
    const ready = await call(t.app, "GET", "/ready", { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ postgres: "ok", redis: "ok" });
  });
});

describe("organisations and keys", () => {
  it("creates, reads and patches an organisation", async () => {
    const partner = await createOrganization(t.app, { kind: "partner" });
    const customer = await createOrganization(t.app, { partnerId: partner.id });
    const read = await call(t.app, "GET", `/v1/organizations/${customer.id}`);
    expect(read.body).toMatchObject({ id: customer.id, kind: "customer", partnerId: partner.id });
    const patched = await call(t.app, "PATCH", `/v1/organizations/${customer.id}`, {
      body: { name: "Renamed" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.name).toBe("Renamed");
    expect((await call(t.app, "GET", `/v1/organizations/${crypto.randomUUID()}`)).status).toBe(404);
  });

  it("refuses a customer that names a non-partner as its partner", async () => {
    const customer = await createOrganization(t.app);
    const response = await call(t.app, "POST", "/v1/organizations", {
      body: {
        name: "x",
        kind: "customer",
        billingEmail: "a@b.test",
        ownerEmail: "a@b.test",
        partnerId: customer.id,
      },
    });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe("unknown_organization");
  });

  it("shows a key once, and a deleted key stops working", async () => {
    const created = await call(t.app, "POST", "/v1/api-keys", { body: { role: "platform_admin" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      key: expect.any(String),
      role: "platform_admin",
      organizationId: null,
    });
    expect((await call(t.app, "GET", "/v1/numbers", { key: created.body.key })).status).toBe(200);
    expect((await call(t.app, "DELETE", `/v1/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await call(t.app, "GET", "/v1/numbers", { key: created.body.key })).status).toBe(401);
  });

  it("stores only a hash of the key", async () => {
    const key = await createKey(t.app, "platform_admin");
    const rows = await t.deps.db.selectFrom("api_keys").select("key_hash").execute();
    expect(rows.map((row) => row.key_hash)).not.toContain(key);
  });

  it("lets only platform_admin manage organisations", async () => {
    const customer = await createOrganization(t.app);
    const key = await createKey(t.app, "customer_admin", customer.id);
    const response = await call(t.app, "POST", "/v1/organizations", { key, body: { name: "x" } });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("forbidden");
  });
});

describe("adding numbers", () => {
  it("adds 50 at once and normalises them", async () => {
    const items: Record<string, unknown>[] = Array.from({ length: 50 }, () => ({ number: freshNumber() }));
    items[0] = { number: "65 7000 0001" };
    items[1] = { number: "+65-7000-0002" };
    const added = await addNumbers(t.app, items);
    expect(added).toHaveLength(50);
    expect(added[0].number).toBe("+6570000001");
    expect(added[1].number).toBe("+6570000002");
    expect(added[2]).toMatchObject({
      state: "available",
      pending: null,
      vendor: "acme",
      country: "SG",
      capabilities: ["voice"],
      version: 1,
    });
    expect((await call(t.app, "GET", "/v1/numbers/6570000001")).status).toBe(200);
    expect((await call(t.app, "GET", "/v1/numbers/%2B6570000001")).body.number).toBe("+6570000001");
  });

  it("refuses 51 with too_many_numbers and adds none", async () => {
    const items = Array.from({ length: 51 }, () => ({
      number: freshNumber(),
      vendor: "v",
      country: "SG",
      sku: "s",
    }));
    const response = await call(t.app, "POST", "/v1/numbers", { body: { numbers: items } });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe("too_many_numbers");
    expect((await call(t.app, "GET", path(items[0]!.number))).status).toBe(404);
  });

  it("reports every refused item and adds nothing", async () => {
    const [existing] = await addNumbers(t.app, [{ number: freshNumber() }]);
    const good = freshNumber();
    const response = await call(t.app, "POST", "/v1/numbers", {
      body: {
        numbers: [
          { number: good, vendor: "v", country: "SG", sku: "s" },
          { number: "12ab", vendor: "v", country: "SG", sku: "s" },
          { number: good, vendor: "v", country: "SG", sku: "s" },
          { number: existing.number, vendor: "v", country: "SG", sku: "s" },
        ],
      },
    });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe("validation_failed");
    expect(response.body.error.details).toEqual([
      expect.objectContaining({ index: 1, number: "12ab", code: "malformed_number" }),
      expect.objectContaining({ index: 2, number: good, code: "duplicate_in_request" }),
      expect.objectContaining({ index: 3, number: existing.number, code: "already_exists" }),
    ]);
    expect((await call(t.app, "GET", path(good))).status).toBe(404);
  });

  it("imports a locked number with or without an expiry", async () => {
    const [forever, timed] = await addNumbers(t.app, [
      { number: freshNumber(), state: "locked", remark: "voicemail access" },
      { number: freshNumber(), state: "locked", lockExpiresAt: "2026-04-01T00:00:00.000Z" },
    ]);
    expect(forever.lock).toMatchObject({ expiresAt: null, remark: "voicemail access" });
    expect(timed.lock.expiresAt).toBe("2026-04-01T00:00:00.000Z");
  });
});

describe("scopes", () => {
  it("hides numbers outside a key's scope with 404 and refuses viewer writes with 403", async () => {
    const partner = await createOrganization(t.app, { kind: "partner" });
    const otherPartner = await createOrganization(t.app, { kind: "partner" });
    const [mine] = await addNumbers(t.app, [{ number: freshNumber(), partnerId: partner.id }]);
    const [theirs] = await addNumbers(t.app, [{ number: freshNumber(), partnerId: otherPartner.id }]);
    const partnerKey = await createKey(t.app, "partner_admin", partner.id);
    const viewerKey = await createKey(t.app, "viewer", partner.id);

    expect((await call(t.app, "GET", path(mine.number), { key: partnerKey })).status).toBe(200);
    expect((await call(t.app, "GET", path(theirs.number), { key: partnerKey })).status).toBe(404);
    const listed = await call(t.app, "GET", "/v1/numbers?limit=1000", { key: partnerKey });
    expect(listed.body.items.map((item: { number: string }) => item.number)).toEqual([mine.number]);

    expect((await call(t.app, "GET", path(mine.number), { key: viewerKey })).status).toBe(200);
    const lock = { action: "lock", remark: "x" };
    const viewerWrite = await call(t.app, "POST", `${path(mine.number)}/transitions`, {
      key: viewerKey,
      body: lock,
    });
    expect(viewerWrite.status).toBe(403);
    const viewerOutside = await call(t.app, "POST", `${path(theirs.number)}/transitions`, {
      key: viewerKey,
      body: lock,
    });
    expect(viewerOutside.status).toBe(404);
  });

  it("shows a customer only the numbers it holds", async () => {
    const customer = await createOrganization(t.app);
    const key = await createKey(t.app, "customer_admin", customer.id);
    const [free] = await addNumbers(t.app, [{ number: freshNumber() }]);
    expect((await call(t.app, "GET", path(free.number), { key })).status).toBe(404);
    expect((await call(t.app, "GET", "/v1/numbers", { key })).body.items).toEqual([]);
  });
});

describe("listing", () => {
  it("filters by state and walks pages with a cursor", async () => {
    const items = await addNumbers(
      t.app,
      Array.from({ length: 5 }, () => ({ number: freshNumber("+4420"), state: "locked" })),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await call(
        t.app,
        "GET",
        `/v1/numbers?state=locked&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item: { number: string }) => item.number));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.filter((number) => number.startsWith("+4420"))).toEqual(
      items.map((item) => item.number).sort(),
    );
    expect((await call(t.app, "GET", "/v1/numbers?cursor=garbage")).status).toBe(400);
    expect((await call(t.app, "GET", "/v1/numbers?state=bogus")).status).toBe(400);
  });
});
