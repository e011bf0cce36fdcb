import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createKey, createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { runCli } from "../support/processes.js";
import { DAY_MS, insertNumber, mailQueueIdle, notices, numberRow, shift, sweep } from "./fixtures.js";

let t: TestContext;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "numbers-outbox-"));
  // No SMTP_URL: mail goes to NUMBERS_DATA_DIR/outbox as .eml files.
  t = await createTestContext({ smtpUrl: undefined, dataDir });
  await t.startWorker();
});
afterAll(async () => {
  await t?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const reservationExpiringIn = (ownerId: string, at: Date, days: number) =>
  insertNumber(t.deps, {
    state: "reserved",
    owner_id: ownerId,
    reservation_kind: "manual",
    reserved_at: shift(at, -DAY_MS),
    reservation_expires_at: shift(at, days * DAY_MS),
  });

describe("POST /v1/sweeps", () => {
  it("is for platform admins only", async () => {
    const customer = await createOrganization(t.app);
    const customerKey = await createKey(t.app, "customer_admin", customer.id);
    const viewerKey = await createKey(t.app, "viewer");
    expect((await call(t.app, "POST", "/v1/sweeps", { key: null, body: {} })).status).toBe(401);
    for (const key of [customerKey, viewerKey]) {
      const refused = await call(t.app, "POST", "/v1/sweeps", { key, body: {} });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe("forbidden");
    }
  });

  it("refuses an instant that is not ISO-8601", async () => {
    const response = await call(t.app, "POST", "/v1/sweeps", { body: { at: "next tuesday" } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("validation_failed");
  });

  it("sweeps as of the clock without a body", async () => {
    const response = await call(t.app, "POST", "/v1/sweeps");
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ at: t.clock.now().toISOString(), dryRun: false });
    expect(Object.keys(response.body.numbers).sort()).toEqual([
      "cooldownsEnded",
      "lockExpired",
      "lockExpiring",
      "locksExpired",
      "reservationExpiring",
      "reservationsExpired",
    ]);
  });
});

describe("GET /metrics", () => {
  it("shows how long each sweep took", async () => {
    await sweep(t.app, { at: new Date("2026-08-01T00:00:00.000Z") });
    const metrics = await call(t.app, "GET", "/metrics");
    expect(metrics.status).toBe(200);
    for (const name of ["reservations", "locks", "cooldowns", "reservation_notices", "lock_notices"])
      expect(metrics.text).toContain(`numbers_sweep_duration_seconds_count{sweep="${name}"}`);
  });
});

describe("GET /v1/notices", () => {
  it("shows a key the notices of its own numbers only, filtered by number and kind", async () => {
    const at = new Date("2026-09-01T00:00:00.000Z");
    const mine = await createOrganization(t.app);
    const other = await createOrganization(t.app);
    const number = await reservationExpiringIn(mine.id, at, 3);
    const theirs = await reservationExpiringIn(other.id, at, 4);
    await sweep(t.app, { at });
    await mailQueueIdle(t.deps);

    const mineKey = await createKey(t.app, "customer_admin", mine.id);
    const seen = await notices(t.app, {}, mineKey);
    expect(seen.map((notice) => notice.number)).toEqual([number]);
    expect(seen[0]).toMatchObject({
      kind: "reservation_expiring",
      recipient: mine.billingEmail,
      status: "sent",
    });
    expect(await notices(t.app, { number: theirs }, mineKey)).toEqual([]);

    expect(await notices(t.app, { number: number.slice(1), kind: "reservation_expiring" })).toHaveLength(1);
    expect(await notices(t.app, { number, kind: "lock_expiring" })).toEqual([]);
    const bad = await call(t.app, "GET", "/v1/notices?kind=someday");
    expect(bad.status).toBe(400);
  });
});

describe("without SMTP_URL", () => {
  it("writes each e-mail as an .eml file to the outbox", async () => {
    const at = new Date("2026-10-01T00:00:00.000Z");
    const customer = await createOrganization(t.app);
    const number = await reservationExpiringIn(customer.id, at, 5);
    await sweep(t.app, { at });
    await mailQueueIdle(t.deps);
    const outbox = join(dataDir, "outbox");
    const files = (await readdir(outbox)).filter((file) => file.endsWith(".eml"));
    const contents = await Promise.all(files.map((file) => readFile(join(outbox, file), "utf8")));
    const mail = contents.find((content) => content.includes(`To: ${customer.billingEmail}`));
    expect(mail).toBeDefined();
    expect(mail).toMatch(/Subject: Numbers: 1 reserved number expires within 7 days/);
    expect(mail).toContain(number);
    expect(mail).toContain("text/html");
  });
});

describe("npx numbers sweep", () => {
  it("prints the report of a dry run as JSON and changes nothing", async () => {
    const at = new Date("2026-11-01T00:00:00.000Z");
    const customer = await createOrganization(t.app);
    const number = await reservationExpiringIn(customer.id, at, -1);
    const { code, stdout, output } = await runCli(t, ["sweep", "--at", at.toISOString(), "--dry-run"]);
    expect(code, output).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ at: at.toISOString(), dryRun: true });
    expect(report.numbers.reservationsExpired).toContain(number);
    expect((await numberRow(t.deps, number)).state).toBe("reserved");
  });
});
