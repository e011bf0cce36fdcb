import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningRole } from "../../workers/roles.js";
import { call, getNumber, requestTransition } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import {
  allocate,
  createSiteWorld,
  numberPath,
  provision,
  type SiteWorld,
  settled,
  setVoiceServices,
} from "./site-world.js";

// Enough workers and connections that activations really are decided at the same time.
let t: TestContext;
let world: SiteWorld;
let numbers: string[];
let worker: RunningRole;
beforeAll(async () => {
  t = await createTestContext({ workerConcurrency: 10, databasePoolSize: 14 });
  worker = await t.startWorker();
  world = await createSiteWorld(t.app);
  numbers = await provision(t.app, world.siteId, 20);
  await Promise.all(numbers.map((number) => allocate(t.app, number, world.occupierA.id, world.operatorKey)));
  await setVoiceServices(t.app, world.siteId, world.occupierA.id, 5);
  // Stop the worker so that all 20 requests are accepted before any is applied.
  await worker.close();
});
afterAll(async () => t?.close());

describe("twenty simultaneous activations for an organisation entitled to five", () => {
  let accepted: { id: string; number: string }[] = [];

  it("are all accepted at the API while none is applied yet", async () => {
    const responses = await Promise.all(
      numbers.map((number) => requestTransition(t.app, number, { action: "activate" }, { key: world.keyA })),
    );
    expect(responses.map((response) => response.status)).toEqual(numbers.map(() => 202));
    accepted = responses.map((response) => response.body);
  });

  it("refuses settings and PIN changes with update_in_progress while pending", async () => {
    const number = numbers[0]!;
    const settings = await call(t.app, "PUT", `${numberPath(number)}/settings`, {
      key: world.keyA,
      body: { a: 1 },
    });
    expect(settings.status).toBe(409);
    expect(settings.body.error.code).toBe("update_in_progress");
    const pin = await call(t.app, "POST", `${numberPath(number)}/pin`, {
      key: world.keyA,
      body: { pin: "1234" },
    });
    expect(pin.status).toBe(409);
    expect(pin.body.error.code).toBe("update_in_progress");
    expect((await getNumber(t.app, number)).body.status).toBe("pending");
  });

  it("end with exactly five applied and fifteen rejected no_entitlement", async () => {
    await t.startWorker();
    const outcomes = await Promise.all(accepted.map((transition) => settled(t.app, transition.id)));
    const appliedOnes = outcomes.filter((outcome) => outcome.status === "applied");
    const rejected = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(appliedOnes).toHaveLength(5);
    expect(rejected).toHaveLength(15);
    for (const outcome of rejected) {
      expect(outcome.error.code).toBe("no_entitlement");
      expect(outcome.error.message).toContain("has 5 active number(s) at this site and is entitled to 5");
      expect(outcome.after).toEqual(outcome.before);
    }

    const states = await Promise.all(numbers.map(async (number) => (await getNumber(t.app, number)).body));
    expect(states.filter((number) => number.state === "assigned")).toHaveLength(5);
    const untouched = states.filter((number) => number.state === "reserved");
    expect(untouched).toHaveLength(15);
    for (const number of untouched)
      expect(number).toMatchObject({
        status: "reserved",
        pending: null,
        reservation: { kind: "allocation" },
      });
    const entitlement = await call(
      t.app,
      "GET",
      `/v1/sites/${world.siteId}/entitlements/${world.occupierA.id}`,
    );
    expect(entitlement.body).toMatchObject({ voiceServices: 5, activeNumbers: 5 });
  });
});
