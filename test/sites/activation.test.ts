import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPin } from "../../src/services/number-settings.js";
import { call, getNumber } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import {
  allocate,
  applied,
  createSiteWorld,
  expectRefusedUnchanged,
  huntGroup,
  numberPath,
  provision,
  setVoiceServices,
} from "./site-world.js";

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await t.startWorker();
});
afterAll(async () => t?.close());

describe("activate and the voice-service entitlement", () => {
  it("activates only while active numbers are fewer than voice services, saying how many", async () => {
    const world = await createSiteWorld(t.app);
    const numbers = await provision(t.app, world.siteId, 3);
    for (const number of numbers) await allocate(t.app, number, world.occupierA.id, world.operatorKey);

    const none = await expectRefusedUnchanged(
      t.app,
      numbers[0]!,
      { action: "activate" },
      { status: 422, code: "no_entitlement" },
      world.keyA,
    );
    expect(none.message).toContain(
      "has 0 active number(s) at this site and is entitled to 0 voice service(s)",
    );

    await setVoiceServices(t.app, world.siteId, world.occupierA.id, 2);
    const first = await applied(t.app, numbers[0]!, { action: "activate" }, world.keyA);
    expect(first.after).toMatchObject({ state: "assigned", ownerId: world.occupierA.id });
    await applied(t.app, numbers[1]!, { action: "activate" }, world.operatorKey);

    const full = await expectRefusedUnchanged(
      t.app,
      numbers[2]!,
      { action: "activate" },
      { status: 422, code: "no_entitlement" },
      world.keyA,
    );
    expect(full.message).toContain(
      "has 2 active number(s) at this site and is entitled to 2 voice service(s)",
    );
    const entitlement = await call(
      t.app,
      "GET",
      `/v1/sites/${world.siteId}/entitlements/${world.occupierA.id}`,
      {
        key: world.keyA,
      },
    );
    expect(entitlement.body).toMatchObject({ voiceServices: 2, activeNumbers: 2 });
  });

  it("counts each organisation's numbers separately", async () => {
    const world = await createSiteWorld(t.app);
    const [ofA, ofB] = await provision(t.app, world.siteId, 2);
    await allocate(t.app, ofA!, world.occupierA.id);
    await allocate(t.app, ofB!, world.occupierB.id);
    await setVoiceServices(t.app, world.siteId, world.occupierA.id, 1);
    await applied(t.app, ofA!, { action: "activate" });
    await expectRefusedUnchanged(
      t.app,
      ofB!,
      { action: "activate" },
      { status: 422, code: "no_entitlement" },
    );
  });
});

describe("hunt groups", () => {
  it("follow activate and deactivate while the main number forwards to the hunt group", async () => {
    const world = await createSiteWorld(t.app);
    const [first, second, third] = await provision(t.app, world.siteId, 3);
    for (const number of [first, second, third]) await allocate(t.app, number!, world.occupierA.id);
    await setVoiceServices(t.app, world.siteId, world.occupierA.id, 5);

    const on = await call(
      t.app,
      "PUT",
      `/v1/sites/${world.siteId}/main-number-forwarding/${world.occupierA.id}`,
      {
        key: world.keyA,
        body: { huntGroup: true },
      },
    );
    expect(on.status).toBe(200);
    await applied(t.app, first!, { action: "activate" }, world.keyA);
    await applied(t.app, second!, { action: "activate" }, world.keyA);
    expect((await huntGroup(t.app, world.siteId, world.occupierA.id, world.keyA)).body).toEqual({
      siteId: world.siteId,
      organizationId: world.occupierA.id,
      huntGroup: true,
      members: [first, second].sort(),
    });

    await applied(t.app, first!, { action: "deactivate" }, world.keyA);
    expect((await huntGroup(t.app, world.siteId, world.occupierA.id)).body.members).toEqual([second]);

    await call(t.app, "PUT", `/v1/sites/${world.siteId}/main-number-forwarding/${world.occupierA.id}`, {
      key: world.operatorKey,
      body: { huntGroup: false },
    });
    await applied(t.app, third!, { action: "activate" }, world.keyA);
    expect((await huntGroup(t.app, world.siteId, world.occupierA.id)).body).toMatchObject({
      huntGroup: false,
      members: [second],
    });
    // Another organisation's hunt group is untouched.
    expect((await huntGroup(t.app, world.siteId, world.occupierB.id)).body.members).toEqual([]);
  });
});

describe("deactivate", () => {
  it("returns the number to its owner's allocation, clearing settings and the PIN", async () => {
    const world = await createSiteWorld(t.app);
    const [number] = await provision(t.app, world.siteId, 1);
    await allocate(t.app, number!, world.occupierA.id);
    await setVoiceServices(t.app, world.siteId, world.occupierA.id, 1);
    await applied(t.app, number!, { action: "activate" }, world.keyA);

    const settings = { callForwarding: { to: "+6569990000", whenBusy: true }, voicemail: true };
    const saved = await call(t.app, "PUT", `${numberPath(number!)}/settings`, {
      key: world.keyA,
      body: settings,
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ settings, pinIsDefault: true });
    const pinned = await call(t.app, "POST", `${numberPath(number!)}/pin`, {
      key: world.keyA,
      body: { pin: "482913" },
    });
    expect(pinned.status, pinned.text).toBe(200);
    expect(pinned.body.pinIsDefault).toBe(false);
    expect(JSON.stringify(pinned.body)).not.toContain("482913");
    const stored = await t.deps.db
      .selectFrom("numbers")
      .select("pin_hash")
      .where("number", "=", number!)
      .executeTakeFirstOrThrow();
    expect(stored.pin_hash).toMatch(/^scrypt\$/);
    expect(stored.pin_hash).not.toContain("482913");

    const done = await applied(t.app, number!, { action: "deactivate" }, world.keyA);
    expect(done.after).toMatchObject({
      state: "reserved",
      ownerId: world.occupierA.id,
      reservationKind: "allocation",
    });
    expect((await getNumber(t.app, number!, world.keyA)).body).toMatchObject({
      state: "reserved",
      ownerId: world.occupierA.id,
      reservation: { kind: "allocation", expiresAt: null },
      settings: {},
      pinIsDefault: true,
    });
  });

  it("is refused while an end user is assigned, and allowed once unassigned", async () => {
    const world = await createSiteWorld(t.app);
    const [number] = await provision(t.app, world.siteId, 1);
    await allocate(t.app, number!, world.occupierB.id);
    await setVoiceServices(t.app, world.siteId, world.occupierB.id, 1);
    await applied(t.app, number!, { action: "activate" }, world.keyB);
    await applied(t.app, number!, { action: "assign_user", endUserId: "reception-desk" }, world.keyB);
    expect((await getNumber(t.app, number!)).body.endUserId).toBe("reception-desk");

    const error = await expectRefusedUnchanged(
      t.app,
      number!,
      { action: "deactivate" },
      { status: 422, code: "assigned_to_end_user" },
      world.keyB,
    );
    expect(error.message).toContain("reception-desk");
    await applied(t.app, number!, { action: "unassign_user" }, world.keyB);
    await applied(t.app, number!, { action: "deactivate" }, world.keyB);
    expect((await getNumber(t.app, number!)).body).toMatchObject({ state: "reserved", endUserId: null });
  });
});

describe("settings and PIN", () => {
  it("validate their input and need an active number", async () => {
    const world = await createSiteWorld(t.app);
    const [number] = await provision(t.app, world.siteId, 1);
    await allocate(t.app, number!, world.occupierA.id);
    const reserved = await call(t.app, "PUT", `${numberPath(number!)}/settings`, {
      key: world.keyA,
      body: { a: 1 },
    });
    expect(reserved.status).toBe(409);
    expect(reserved.body.error.code).toBe("invalid_state");

    await setVoiceServices(t.app, world.siteId, world.occupierA.id, 1);
    await applied(t.app, number!, { action: "activate" });
    for (const pin of ["123", "123456789", "12a4", ""]) {
      const bad = await call(t.app, "POST", `${numberPath(number!)}/pin`, { key: world.keyA, body: { pin } });
      expect(bad.status, pin).toBe(400);
      expect(bad.body.error.code).toBe("validation_failed");
    }
    const huge = await call(t.app, "PUT", `${numberPath(number!)}/settings`, {
      key: world.keyA,
      body: { blob: "x".repeat(17_000) },
    });
    expect(huge.status).toBe(400);
    expect(huge.body.error.code).toBe("validation_failed");
    const list = await call(t.app, "PUT", `${numberPath(number!)}/settings`, {
      key: world.keyA,
      body: [1, 2],
    });
    expect(list.status).toBe(400);
    const viewer = await call(t.app, "PUT", `${numberPath(number!)}/settings`, {
      key: await createViewer(world.occupierA.id),
      body: { a: 1 },
    });
    expect(viewer.status).toBe(403);
    const foreign = await call(t.app, "POST", `${numberPath(number!)}/pin`, {
      key: world.keyB,
      body: { pin: "1234" },
    });
    expect(foreign.status).toBe(404);
    expect((await getNumber(t.app, number!)).body).toMatchObject({ settings: {}, pinIsDefault: true });
  });
});

describe("a PIN request that will be refused", () => {
  it("is refused before the PIN is hashed, so it costs no scrypt", async () => {
    const world = await createSiteWorld(t.app);
    const [active, reserved] = await provision(t.app, world.siteId, 2);
    await allocate(t.app, active!, world.occupierA.id);
    await allocate(t.app, reserved!, world.occupierA.id);
    await setVoiceServices(t.app, world.siteId, world.occupierA.id, 1);
    await applied(t.app, active!, { action: "activate" });
    const viewer = await createViewer(world.occupierA.id);
    const refusals = [
      { key: viewer, number: active!, status: 403 },
      { key: world.keyB, number: active!, status: 404 },
      { key: world.keyA, number: reserved!, status: 409 },
    ];

    // CPU time of this process (scrypt's threads included), not wall time: others' load cannot skew it.
    const cpuMs = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };
    const beforeOneHash = cpuMs();
    await hashPin("5555");
    const oneHash = cpuMs() - beforeOneHash;

    const start = cpuMs();
    for (let round = 0; round < 10; round++)
      for (const refusal of refusals) {
        const response = await call(t.app, "POST", `${numberPath(refusal.number)}/pin`, {
          key: refusal.key,
          body: { pin: "1234" },
        });
        expect(response.status, response.text).toBe(refusal.status);
      }
    // 30 refusals: 30 hashes if they were hashed first, here a few requests' worth.
    expect(cpuMs() - start).toBeLessThan(oneHash * 5);
  });
});

async function createViewer(organizationId: string) {
  const response = await call(t.app, "POST", "/v1/api-keys", { body: { role: "viewer", organizationId } });
  return response.body.key as string;
}
