import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import {
  allocate,
  applied,
  createSiteWorld,
  provision,
  type SiteWorld,
  setVoiceServices,
} from "./site-world.js";

let t: TestContext;
let world: SiteWorld;
let numbers: { free: string; main: string; ofOperator: string; ofA: string; ofB: string; elsewhere: string };
beforeAll(async () => {
  t = await createTestContext();
  await t.startWorker();
  world = await createSiteWorld(t.app);
  const other = await createSiteWorld(t.app);
  // Before the site has numbers, so the new voice service allocates none automatically.
  await setVoiceServices(t.app, world.siteId, world.occupierA.id, 1);
  const [free, ofOperator, ofA, ofB] = (await provision(t.app, world.siteId, 4)) as [
    string,
    string,
    string,
    string,
  ];
  const [elsewhere] = (await provision(t.app, other.siteId, 1)) as [string];
  await allocate(t.app, ofOperator, world.operator.id);
  await allocate(t.app, ofA, world.occupierA.id);
  await allocate(t.app, ofB, world.occupierB.id);
  const [main] = (await provision(t.app, world.siteId, 1, { mainNumber: true, rangeName: "Reception" })) as [
    string,
  ];
  await applied(t.app, ofA, { action: "activate" });
  await applied(t.app, ofA, { action: "assign_user", endUserId: "alice" });
  numbers = { free, main, ofOperator, ofA, ofB, elsewhere };
});
afterAll(async () => t?.close());

async function search(query: string, key?: string): Promise<string[]> {
  const response = await call(t.app, "GET", `/v1/numbers?siteId=${world.siteId}&${query}`, { key });
  expect(response.status, response.text).toBe(200);
  return response.body.items.map((item: { number: string }) => item.number);
}
const sorted = (...values: string[]) => [...values].sort();

describe("the Site Telephony filters", () => {
  it("select a site's numbers by allocation", async () => {
    expect(await search("limit=100")).toEqual(
      sorted(numbers.free, numbers.main, numbers.ofOperator, numbers.ofA, numbers.ofB),
    );
    expect(await search("allocation=unallocated")).toEqual(sorted(numbers.free, numbers.main));
    expect(await search("allocation=operator")).toEqual([numbers.ofOperator]);
    expect(await search("allocation=occupier")).toEqual(sorted(numbers.ofA, numbers.ofB));
    expect(await search(`allocation=${world.occupierB.id}`)).toEqual([numbers.ofB]);
  });

  it("select by end user, main number and range", async () => {
    expect(await search("endUser=assigned")).toEqual([numbers.ofA]);
    expect(await search("mainNumber=true")).toEqual([numbers.main]);
    expect(await search("rangeName=Reception")).toEqual([numbers.main]);
    expect(await search("state=assigned")).toEqual([numbers.ofA]);
  });

  it("stay within the key's scope", async () => {
    expect(await search("limit=100", world.operatorKey)).toHaveLength(5);
    expect(await search("limit=100", world.keyA)).toEqual([numbers.ofA]);
    expect(await search("allocation=occupier", world.keyB)).toEqual([numbers.ofB]);
  });
});
