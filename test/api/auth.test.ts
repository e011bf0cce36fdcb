import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scopeOf } from "../../src/api/authenticate.js";
import { createApiKey, ensureAdminKey, hashApiKey } from "../../src/services/organizations.js";
import { addNumber, call, createKey, createOrganization, transition } from "../support/api.js";
import { ADMIN_KEY, createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await t.startWorker();
});
afterAll(async () => t?.close());

const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString("base64")}`;

describe("HTTP basic auth", () => {
  it("is refused on every API route, so a browser's cached dashboard login cannot ride along", async () => {
    for (const [method, url, payload] of [
      ["POST", "/v1/sweeps", { dryRun: true }],
      ["GET", "/v1/numbers", undefined],
      ["POST", "/v1/organizations", { name: "x", kind: "customer" }],
      ["GET", "/metrics", undefined],
    ] as const) {
      const response = await t.app.inject({
        method,
        url,
        headers: { authorization: basic(ADMIN_KEY) },
        ...(payload ? { payload } : {}),
      });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
      expect(response.json().error.code).toBe("unauthorized");
    }
  });

  it("still opens the queue dashboard", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: "/admin/queues/api/queues",
      headers: { authorization: basic(ADMIN_KEY) },
    });
    expect(response.statusCode).toBe(200);
  });
});

describe("roles and organisation kinds", () => {
  it("refuses a key whose role does not fit the organisation's kind", async () => {
    const partner = await createOrganization(t.app, { kind: "partner" });
    const customer = await createOrganization(t.app);
    for (const [role, organizationId] of [
      ["partner_admin", customer.id],
      ["customer_admin", partner.id],
      ["platform_admin", partner.id],
      ["partner_admin", undefined],
      ["customer_admin", undefined],
    ] as const) {
      const response = await call(t.app, "POST", "/v1/api-keys", { body: { role, organizationId } });
      expect(response.status, `${role} on ${organizationId}`).toBe(400);
      expect(response.body.error.details[0].field).toBe("organizationId");
    }
    for (const organizationId of [partner.id, customer.id, undefined])
      expect(
        (await call(t.app, "POST", "/v1/api-keys", { body: { role: "viewer", organizationId } })).status,
      ).toBe(201);
  });

  it("lets only a platform_admin make a viewer key without an organisation", async () => {
    const partner = await createOrganization(t.app, { kind: "partner" });
    const creator = {
      keyId: "00000000-0000-4000-8000-000000000001",
      role: "partner_admin" as const,
      organizationId: partner.id,
      scope: { kind: "partner" as const, partnerId: partner.id },
      actor: "api-key:test",
    };
    await expect(createApiKey(t.deps, "viewer", null, creator)).rejects.toMatchObject({ code: "forbidden" });
    await expect(createApiKey(t.deps, "viewer", partner.id, creator)).resolves.toMatchObject({
      role: "viewer",
    });
  });

  it("refuses to change an organisation's kind while keys or customers depend on it", async () => {
    const partner = await createOrganization(t.app, { kind: "partner" });
    const key = await createKey(t.app, "partner_admin", partner.id);
    const turned = await call(t.app, "PATCH", `/v1/organizations/${partner.id}`, {
      body: { kind: "customer" },
    });
    expect(turned.status).toBe(422);
    expect(turned.body.error.code).toBe("organization_in_use");
    expect(turned.body.error.details).toEqual([{ field: "kind", message: "1 API key(s) belong to it" }]);
    // Nothing changed: the key still sees as a partner.
    expect((await call(t.app, "GET", `/v1/organizations/${partner.id}`)).body.kind).toBe("partner");
    expect((await call(t.app, "GET", "/v1/numbers", { key })).status).toBe(200);

    const other = await createOrganization(t.app, { kind: "partner" });
    await createOrganization(t.app, { partnerId: other.id });
    const withCustomer = await call(t.app, "PATCH", `/v1/organizations/${other.id}`, {
      body: { kind: "customer" },
    });
    expect(withCustomer.status).toBe(422);
    expect(withCustomer.body.error.details).toEqual([
      { field: "kind", message: "1 customer(s) belong to it" },
    ]);
  });

  it("refuses it while the organisation holds numbers, and allows it once nothing depends on it", async () => {
    const customer = await createOrganization(t.app);
    const number = await addNumber({}, t.app);
    await transition(t.app, number, { action: "reserve", ownerId: customer.id, remark: "held" });
    const holding = await call(t.app, "PATCH", `/v1/organizations/${customer.id}`, {
      body: { kind: "partner" },
    });
    expect(holding.status).toBe(422);
    expect(holding.body.error.details).toEqual([{ field: "kind", message: "it holds numbers" }]);

    await transition(t.app, number, { action: "release", remark: "back" });
    const free = await call(t.app, "PATCH", `/v1/organizations/${customer.id}`, {
      body: { kind: "partner", supportEmail: "desk@example.test" },
    });
    expect(free.status, free.text).toBe(200);
    expect(free.body.kind).toBe("partner");
  });

  it("gives a key whose role no longer fits its organisation no scope at all", () => {
    expect(scopeOf("partner_admin", null, null)).toBeNull();
    expect(scopeOf("partner_admin", "o", "customer")).toBeNull();
    expect(scopeOf("customer_admin", "o", "partner")).toBeNull();
    expect(scopeOf("platform_admin", "o", "partner")).toBeNull();
    expect(scopeOf("viewer", null, null)).toEqual({ kind: "all" });
    expect(scopeOf("viewer", "o", "partner")).toEqual({ kind: "partner", partnerId: "o" });
    expect(scopeOf("customer_admin", "o", "customer")).toEqual({ kind: "customer", organizationId: "o" });
  });
});

describe("the bootstrap key (NUMBERS_ADMIN_KEY)", () => {
  it("stays revoked across restarts once revoked", async () => {
    const spare = await createKey(t.app, "platform_admin");
    const row = await t.deps.db
      .selectFrom("api_keys")
      .select("id")
      .where("key_hash", "=", hashApiKey(ADMIN_KEY))
      .executeTakeFirstOrThrow();
    expect((await call(t.app, "DELETE", `/v1/api-keys/${row.id}`, { key: spare })).status).toBe(204);
    expect((await call(t.app, "GET", "/v1/numbers")).status).toBe(401);

    // What every process does at start.
    await ensureAdminKey(t.deps);
    expect((await call(t.app, "GET", "/v1/numbers")).status).toBe(401);
  });
});
