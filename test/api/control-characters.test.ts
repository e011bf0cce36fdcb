import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNumber, call, createOrganization, getNumber, requestTransition } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
let routes: { method: string; path: string }[];
beforeAll(async () => {
  t = await createTestContext();
  await t.startWorker();
  const document = (await call(t.app, "GET", "/openapi.json", { key: null })).body as {
    paths: Record<string, Record<string, unknown>>;
  };
  // Every route the API documents, so a route added later is covered without editing this file.
  routes = Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })),
  );
});
afterAll(async () => t?.close());

/** A path with its parameters filled in with values of the right shape. */
const fill = (path: string) =>
  path
    .replace("{number}", "%2B6561234567")
    .replace("{subscriptionId}", "sub-1")
    .replace(/\{[A-Za-z]+\}/g, () => randomUUID());

const refusedFor = (field: string) => ({
  field,
  message: expect.stringMatching(/control character \(U\+00(00|01|1B)\)/),
});

describe("control characters are refused everywhere", () => {
  it("in a JSON body of every route that takes one", async () => {
    const writes = routes.filter((route) => ["POST", "PUT", "PATCH"].includes(route.method));
    expect(writes.length).toBeGreaterThan(10);
    for (const route of writes) {
      const response = await call(t.app, route.method as "POST", fill(route.path), {
        body: { name: "a\u0000b", nested: { remark: ["ok", "\u001b[31m"] } },
      });
      expect(response.status, `${route.method} ${route.path}`).toBe(400);
      expect(response.body.error.code).toBe("validation_failed");
      expect(response.body.error.details).toEqual([
        refusedFor("body.name"),
        refusedFor("body.nested.remark.1"),
      ]);
    }
  });

  it("in a query value of every route", async () => {
    for (const route of routes.filter((r) => r.method === "GET")) {
      const response = await call(t.app, "GET", `${fill(route.path)}?vendor=ac%01me`);
      expect(response.status, `GET ${route.path}`).toBe(400);
      expect(response.body.error.details, `GET ${route.path}`).toEqual([refusedFor("querystring.vendor")]);
    }
  });

  it("in path parameters and headers, where they used to reach Postgres", async () => {
    const path = await call(t.app, "POST", "/v1/subscriptions/sub%00x/events", { body: { type: "expired" } });
    expect(path.status).toBe(400);
    expect(path.body.error.details).toEqual([refusedFor("params.subscriptionId")]);

    const number = await addNumber({}, t.app);
    const header = await requestTransition(
      t.app,
      number,
      { action: "lock", remark: "x" },
      { headers: { "idempotency-key": "key\u0001one" } },
    );
    expect(header.status).toBe(400);
    expect(header.body.error.details).toEqual([refusedFor("headers.idempotency-key")]);
    expect((await getNumber(t.app, number)).body.status).toBe("available");
  });

  it("changes nothing when refused", async () => {
    const before = await t.deps.db
      .selectFrom("organizations")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    const response = await call(t.app, "POST", "/v1/organizations", {
      body: {
        name: "Acme\u0000",
        kind: "customer",
        billingEmail: "b@example.test",
        ownerEmail: "o@example.test",
      },
    });
    expect(response.status).toBe(400);
    const after = await t.deps.db
      .selectFrom("organizations")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it("allows tab, line feed and carriage return", async () => {
    const owner = await createOrganization(t.app);
    const number = await addNumber({}, t.app);
    const response = await requestTransition(t.app, number, {
      action: "reserve",
      ownerId: owner.id,
      remark: "line one\r\n\tline two",
    });
    expect(response.status, response.text).toBe(202);
  });

  it("answers a header Node's own parser refuses with the contract's body", async () => {
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = t.app.server.address() as AddressInfo;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () =>
        socket.write("GET /v1/numbers HTTP/1.1\r\nHost: x\r\nIdempotency-Key: a\u0000b\r\n\r\n"),
      );
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString();
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)).error.code).toBe("validation_failed");
  });
});

describe("JSON bodies have a bounded depth", () => {
  it("refuses deeply nested settings with 400 instead of failing on them", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const response = await t.app.inject({
      method: "PUT",
      url: "/v1/numbers/%2B6561234567/settings",
      headers: { authorization: "Bearer test-admin-key-0123456789", "content-type": "application/json" },
      payload: `{"forwarding": ${deep}}`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({
      code: "validation_failed",
      details: [
        {
          field: expect.stringMatching(/^body\.forwarding(\.0)+$/),
          message: "is nested more than 32 levels deep",
        },
      ],
    });
  });
});
