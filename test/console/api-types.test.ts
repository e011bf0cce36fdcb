import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => t?.close());

const HEADER = `/**
 * The /v1 API as the console sees it: generated from GET /openapi.json by openapi-typescript.
 * Do not edit; regenerate with \`npm run console:types\` after changing a route's schemas.
 * test/console/api-types.test.ts fails while this file differs from what the app serves.
 */

`;

describe("the console's API types", () => {
  it("are generated from the OpenAPI document the app serves now", async () => {
    const response = await t.app.inject({ method: "GET", url: "/openapi.json" });
    expect(response.statusCode).toBe(200);
    const types = HEADER + astToString(await openapiTS(response.json() as OpenAPI3));
    await expect(types).toMatchFileSnapshot("../../console/src/api/types.ts");
  });
});
