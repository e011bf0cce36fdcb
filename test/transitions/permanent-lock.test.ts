import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addNumber,
  call,
  createKey,
  createOrganization,
  getNumber,
  requestTransition,
  transition,
} from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
let partnerKey: string;
beforeAll(async () => {
  t = await createTestContext();
  await t.startWorker();
  const partner = await createOrganization(t.app, { kind: "partner" });
  partnerKey = await createKey(t.app, "partner_admin", partner.id);
});
afterAll(async () => t?.close());

describe("a permanent lock (a site's voicemail access number)", () => {
  it("locks with no expiry, which no sweep ends and no notice announces", async () => {
    const number = await addNumber({}, t.app);
    const done = await transition(t.app, number, { action: "lock", remark: "RAN", permanent: true });
    expect(done.after).toMatchObject({ state: "locked", lockExpiresAt: null });
    expect((await getNumber(t.app, number)).body).toMatchObject({
      state: "locked",
      lock: { expiresAt: null, remark: "RAN" },
      allowedActions: ["unlock", "delete"],
    });

    const years = new Date(t.clock.now().getTime() + 3 * 365 * 86_400_000).toISOString();
    const sweep = await call(t.app, "POST", "/v1/sweeps", { body: { at: years } });
    expect(sweep.status, sweep.text).toBe(200);
    expect(sweep.body.numbers.locksExpired).not.toContain(number);
    expect((await getNumber(t.app, number)).body.state).toBe("locked");
    const notices = await call(t.app, "GET", `/v1/notices?number=${encodeURIComponent(number)}`);
    expect(notices.body.items).toEqual([]);
    // Someone acts: unlock ends it.
    await transition(t.app, number, { action: "unlock", remark: "in use again" });
  });

  it("refuses permanent with until, or on another action, naming the fields", async () => {
    const number = await addNumber({}, t.app);
    const both = await requestTransition(t.app, number, {
      action: "lock",
      remark: "RAN",
      permanent: true,
      until: "2027-01-01T00:00:00.000Z",
    });
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe("validation_failed");
    expect(both.body.error.details.map((detail: { field: string }) => detail.field).sort()).toEqual([
      "body.permanent",
      "body.until",
    ]);
    const other = await requestTransition(t.app, number, {
      action: "delete",
      reason: "faulty",
      remark: "x",
      permanent: true,
    });
    expect(other.status).toBe(400);
    expect(other.body.error.details).toContainEqual(expect.objectContaining({ field: "body.permanent" }));
    expect((await getNumber(t.app, number)).body).toMatchObject({ state: "available", pending: null });
  });

  it("is the platform's: a partner may not lock", async () => {
    const number = await addNumber({}, t.app, partnerKey);
    const response = await requestTransition(
      t.app,
      number,
      { action: "lock", remark: "RAN", permanent: true },
      { key: partnerKey },
    );
    expect(response.status).toBe(403);
  });
});
