import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => t?.close());

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

describe("OpenAPI document", () => {
  it("is served without a key and passes an OpenAPI 3.1 validator", async () => {
    const response = await call(t.app, "GET", "/openapi.json", { key: null });
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(response.body))).resolves.toBeTruthy();
  });

  it("documents a response schema for every route it lists", async () => {
    const document = (await call(t.app, "GET", "/openapi.json", { key: null })).body;
    const missing: string[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const successes = Object.entries<any>(operation.responses ?? {}).filter(([status]) =>
          status.startsWith("2"),
        );
        const described = successes.some(
          ([status, response]) =>
            status === "204" ||
            Object.values<any>(response.content ?? {}).some((media) => media.schema !== undefined),
        );
        if (!described) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(missing).toEqual([]);
    // The contract's routes are all there.
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(["/v1/numbers/{number}/transitions", "/v1/webhooks", "/metrics", "/health"]),
    );
  });

  it("serves the browsable page at /docs without a key", async () => {
    const page = await t.app.inject({ method: "GET", url: "/docs/" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("swagger-ui");
    const initializer = await t.app.inject({ method: "GET", url: "/docs/static/swagger-initializer.js" });
    expect(initializer.statusCode).toBe(200);
  });
});
