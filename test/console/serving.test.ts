import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JS_BUDGET_BYTES, measureBundle } from "../../scripts/build-console.js";
import { CONSOLE_CSP, CONSOLE_DIST } from "../../src/api/console.js";
import { call, createKey, createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => t?.close());

const get = (url: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: "GET", url, headers });
const scriptFile = () => readdirSync(join(CONSOLE_DIST, "assets")).find((file) => file.endsWith(".js"))!;

describe("GET /console", () => {
  it("serves the page without a key, under a strict Content-Security-Policy", async () => {
    for (const url of ["/console", "/console/"]) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["content-type"]).toMatch(/^text\/html/);
      expect(response.headers["content-security-policy"]).toBe(CONSOLE_CSP);
      expect(response.headers["x-frame-options"]).toBe("DENY");
      expect(response.headers["x-content-type-options"]).toBe("nosniff");
      expect(response.headers["referrer-policy"]).toBe("no-referrer");
      expect(response.headers["cache-control"]).toBe("no-cache");
    }
    expect(CONSOLE_CSP).toContain("default-src 'self'");
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toContain("unsafe");
  });

  it("has no inline script or style: every script and stylesheet is a file of its own", async () => {
    const html = (await get("/console")).body;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/console\/assets\//);
      expect(body!.trim()).toBe("");
    }
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  });

  it("answers the page for any of its paths, so a number's page can be bookmarked", async () => {
    const response = await get("/console/numbers/+6561234567");
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<div id="root">');
    expect(response.headers["content-security-policy"]).toBe(CONSOLE_CSP);
  });

  it("serves hashed assets for a year, compressed when the browser accepts it", async () => {
    const file = scriptFile();
    const plain = await get(`/console/assets/${file}`);
    expect(plain.statusCode).toBe(200);
    expect(plain.headers["content-type"]).toMatch(/javascript/);
    expect(plain.headers["cache-control"]).toMatch(/max-age=31536000.*immutable/);
    const gzipped = await get(`/console/assets/${file}`, { "accept-encoding": "gzip" });
    expect(gzipped.statusCode).toBe(200);
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
  });

  it("answers 404 with the error body for a missing asset, and never serves files outside the build", async () => {
    const missing = await get("/console/assets/missing-0000.js");
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("not_found");
    for (const url of [
      "/console/../package.json",
      "/console/%2e%2e/package.json",
      "/console/assets/..%2f..%2f..%2fpackage.json",
    ]) {
      const response = await get(url);
      expect(response.body, url).not.toContain('"name": "numbers"');
    }
  });

  it("is not part of the API: absent from the OpenAPI document, and /v1 still needs a key", async () => {
    const document = (await get("/openapi.json")).json();
    expect(Object.keys(document.paths).filter((path) => path.startsWith("/console"))).toEqual([]);
    expect((await call(t.app, "GET", "/v1/numbers", { key: null })).status).toBe(401);
  });
});

describe("the console's bundle", () => {
  it(`stays under ${JS_BUDGET_BYTES / 1024} kB of gzipped JavaScript`, () => {
    const sizes = measureBundle();
    expect(sizes.length).toBeGreaterThan(0);
    const total = sizes.reduce((sum, size) => sum + size.gzipBytes, 0);
    expect(total).toBeLessThan(JS_BUDGET_BYTES);
  });

  it("calls only this origin's /v1 API", () => {
    const code = readFileSync(join(CONSOLE_DIST, "assets", scriptFile()), "utf8");
    const paths = new Set(
      [...code.matchAll(/"(\/(?:v1|admin|metrics|internal)[^"]*)"/g)].map((match) => match[1]!),
    );
    expect([...paths].filter((path) => !path.startsWith("/v1/"))).toEqual([]);
    // Only names inside the libraries (XML namespaces, links in React's error texts); nothing is fetched there.
    const hosts = new Set([...code.matchAll(/https?:\/\/([a-z0-9.-]+)/gi)].map((match) => match[1]!));
    expect([...hosts].filter((host) => !["www.w3.org", "react.dev", "fb.me"].includes(host))).toEqual([]);
  });
});

describe("GET /v1/api-keys/current", () => {
  it("tells a key its role and organisation", async () => {
    const me = await call(t.app, "GET", "/v1/api-keys/current");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: "platform_admin", organizationId: null, organizationName: null });
    expect((await call(t.app, "GET", "/v1/api-keys/current", { key: null })).status).toBe(401);

    const customer = await createOrganization(t.app, { name: "Blue Harbour Cafe" });
    const key = await createKey(t.app, "viewer", customer.id);
    const viewer = await call(t.app, "GET", "/v1/api-keys/current", { key });
    expect(viewer.body).toMatchObject({
      role: "viewer",
      organizationId: customer.id,
      organizationName: "Blue Harbour Cafe",
      organizationKind: "customer",
    });
  });
});
