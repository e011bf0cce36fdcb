import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { insertHistory } from "../../src/db/history.js";
import {
  addNumber,
  addNumbers,
  createKey,
  createOrganization,
  freshNumber,
  getNumber,
} from "../support/api.js";
import { ADMIN_KEY } from "../support/context.js";
import { DAY_MS, insertNumber, shift } from "../sweeps/fixtures.js";
import { type ConsoleWorld, expectText, rowOf, signIn, startConsoleWorld } from "./world.js";

// A browser on a shared 2-core machine: give each test room, still failing a hang.
vi.setConfig({ testTimeout: 90_000 });

let world: ConsoleWorld;
beforeAll(async () => {
  // No worker yet: the tests that watch a pending number start it when they are ready.
  world = await startConsoleWorld({ worker: false });
});
afterAll(async () => world?.close());

describe("signing in", () => {
  it("keeps the key for this tab only, refuses a wrong one with the API's sentence, and signs out", async () => {
    const { page, context, problems } = await world.visit("/console", null);
    await page.getByLabel("API key").fill("not-a-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expectText(page.locator(".field-error"), "The API key is unknown or has been revoked.");

    await signIn(page, ADMIN_KEY);
    await page.getByRole("heading", { name: "Number Management" }).waitFor();
    const stored = await page.evaluate(
      "({ session: Object.values(sessionStorage), local: localStorage.length, cookie: document.cookie })",
    );
    expect(stored).toEqual({ session: [ADMIN_KEY], local: 0, cookie: "" });
    expect(page.url()).not.toContain(ADMIN_KEY);
    expect(await context.cookies()).toEqual([]);

    // Another tab of the same browser does not share it.
    const other = await context.newPage();
    await other.goto(`${world.origin}/console`);
    await other.getByLabel("API key").waitFor();
    await other.close();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
    expect(problems).toEqual([]);
  });
});

describe("Number Management", () => {
  it("searches with the number patterns, shows counts on the state tabs, sorts and pages", async () => {
    const prefix = "+6577";
    const items = Array.from({ length: 55 }, (_, index) => ({
      number: `${prefix}${String(100000 + index)}`,
    }));
    const numbers = [
      ...(await addNumbers(world.t.app, items.slice(0, 50))),
      ...(await addNumbers(world.t.app, items.slice(50))),
    ].map((item) => item.number as string);
    await addNumber({ number: freshNumber("+4420") }, world.t.app);
    const locked = numbers[3]!;
    await world.t.deps.db
      .updateTable("numbers")
      .set({ state: "locked" })
      .where("number", "=", locked)
      .execute();

    const { page, problems } = await world.visit();
    await page.getByLabel("Search").fill(`${prefix}*`);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expectText(page.getByRole("tab", { name: "All" }), "55");
    await expectText(page.getByRole("tab", { name: "Available" }), "54");
    await expectText(page.getByRole("tab", { name: "Locked" }), "1");
    await rowOf(page, numbers[0]!).waitFor();
    expect(await rowOf(page, numbers[52]!).count()).toBe(0); // 50 a page

    await page.getByRole("button", { name: "Next page" }).click();
    await rowOf(page, numbers[54]!).waitFor();
    await expectText(page.getByRole("navigation", { name: "Pages of results" }), "Page 2");
    await page.getByRole("button", { name: "Previous page" }).click();
    await rowOf(page, numbers[0]!).waitFor();

    await page.getByRole("columnheader", { name: "Number" }).click(); // ascending already: now descending
    await rowOf(page, numbers[54]!).waitFor();
    expect(page.url()).toContain("sort=-number");

    await page.getByRole("tab", { name: "Locked" }).click();
    await rowOf(page, locked).waitFor();
    await expect.poll(() => page.getByRole("row").count()).toBe(2); // header + the locked one

    await page.getByLabel("Search").fill(`*${locked.slice(-4)}`);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await rowOf(page, locked).waitFor();
    expect(problems).toEqual([]);
  });

  it("reserves through the form and watches pending become reserved", async () => {
    const customer = await createOrganization(world.t.app, { name: `Acme Holdings ${Date.now()}` });
    const number = await addNumber({}, world.t.app);
    const { page, problems } = await world.visit();
    await page.getByRole("tab", { name: "Available" }).click();
    await page.getByLabel("Search").fill(number);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("link", { name: number }).click(); // the Eye icon

    await page.getByRole("heading", { name: number }).waitFor();
    await page.getByRole("button", { name: "Reserve" }).click();
    const dialog = page.getByRole("dialog", { name: `Reserve ${number}` });
    await dialog.getByLabel("Organisation").fill("Acme Hold");
    await dialog.getByRole("option", { name: customer.name }).click();
    await dialog.getByLabel("Remark").fill("Held for the Acme roll-out");
    await dialog.getByRole("button", { name: "Reserve" }).click();

    // No worker runs yet: the number stays pending and the page says so.
    await expectText(page.locator(".number-state"), "update in progress");
    expect(await page.getByRole("region", { name: "Action" }).count()).toBe(0);
    const role = await world.t.startWorker();
    try {
      await expectText(page.locator(".number-state"), `reserved for ${customer.name}`);
      await expectText(page.getByRole("status"), "Reserve applied.");
      await expectText(page.getByRole("region", { name: "History" }), "Held for the Acme roll-out");
      const shown = (await getNumber(world.t.app, number)).body;
      expect(shown).toMatchObject({ state: "reserved", ownerId: customer.id, pending: null });
    } finally {
      await role.close();
    }
    expect(problems).toEqual([]);
  });

  it("shows the API's sentence next to the field it is about", async () => {
    const number = await addNumber({}, world.t.app);
    const { page, problems } = await world.visit(`/console/numbers/${number}`);
    await page.getByRole("button", { name: "Lock" }).click();
    const dialog = page.getByRole("dialog", { name: `Lock ${number}` });
    await dialog.getByRole("button", { name: "Lock" }).click();
    await expectText(dialog.locator(".field-error"), "A remark is required to lock a number.");
    expect(await dialog.getByLabel("Remark").getAttribute("aria-invalid")).toBe("true");
    expect((await getNumber(world.t.app, number)).body.pending).toBeNull();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(problems).toEqual([]);
  });

  it("offers a viewer no action buttons", async () => {
    const number = await addNumber({}, world.t.app);
    const viewer = await createKey(world.t.app, "viewer");
    const { page, problems } = await world.visit(`/console/numbers/${number}`, viewer);
    await page.getByRole("heading", { name: number }).waitFor();
    await page.getByRole("region", { name: "History" }).waitFor();
    expect(await page.getByRole("region", { name: "Action" }).count()).toBe(0);
    for (const name of ["Reserve", "Lock", "Delete", "Edit", "Add new numbers"])
      expect(await page.getByRole("button", { name, exact: true }).count(), name).toBe(0);
    await page.getByRole("link", { name: "Number Management" }).first().click();
    await rowOf(page, number).waitFor();
    expect(await page.getByRole("button", { name: "Add new numbers" }).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("adds numbers from a pasted list, each refusal on its own line, and nothing until all are good", async () => {
    const existing = await addNumber({}, world.t.app);
    const fresh = [freshNumber(), freshNumber()];
    const { page, problems } = await world.visit();
    await page.getByRole("button", { name: "Add new numbers" }).click();
    const dialog = page.getByRole("dialog", { name: "Add new numbers" });
    await dialog.getByLabel("Numbers").fill(`${fresh[0]}\n12ab\n${existing}, ${fresh[1]}`);
    await dialog.getByLabel("Vendor").fill("singtel");
    await dialog.getByLabel("Country").fill("SG");
    await dialog.getByLabel("SKU").fill("DID-SG");
    await dialog.getByRole("button", { name: "Add" }).click();
    const lines = dialog
      .getByRole("list", { name: "Each number and why it was refused" })
      .getByRole("listitem");
    await expectText(lines.nth(2), "This number is already in inventory.");
    await expectText(lines.nth(1), "12ab");
    expect(await lines.nth(1).getAttribute("class")).toBe("refused");
    expect(await lines.nth(0).getAttribute("class")).toBe("accepted");
    expect((await getNumber(world.t.app, fresh[0]!)).status).toBe(404);

    await dialog.getByLabel("Numbers").fill(fresh.join(", "));
    await dialog.getByRole("button", { name: "Add" }).click();
    await expectText(dialog.getByRole("status"), "Added 2 numbers");
    expect((await getNumber(world.t.app, fresh[1]!)).body).toMatchObject({
      vendor: "singtel",
      sku: "DID-SG",
    });
    expect(problems).toEqual([]);
  });

  it("shows a long history a page at a time, later entries on request", async () => {
    const number = await addNumber({}, world.t.app);
    const edits = Array.from({ length: 120 }, (_, index) => ({
      number,
      at: new Date(Date.UTC(2027, 0, 1, 0, index)),
      action: "edit" as const,
      actor: "console-test",
      remark: `edit ${index + 1}`,
      transitionId: null,
      before: { vendor: `v${index}` },
      after: { vendor: `v${index + 1}` },
      audience: { ownerIds: [], partnerIds: [] },
    }));
    await insertHistory(world.t.deps.db, edits);
    const { page, problems } = await world.visit(`/console/numbers/${number}`);
    const history = page.getByRole("region", { name: "History" });
    const entries = history.locator("tbody tr");
    await expect.poll(() => entries.count()).toBe(100);
    await history.getByRole("button", { name: "Show later entries" }).click();
    await expect.poll(() => entries.count()).toBe(121);
    await expectText(entries.last(), "edit 120");
    expect(await history.getByRole("button", { name: "Show later entries" }).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("edits a number's attributes and shows the edit in its history", async () => {
    const number = await addNumber({ vendor: "acme" }, world.t.app);
    const { page, problems } = await world.visit(`/console/numbers/${number}`);
    await page.getByRole("button", { name: "Edit" }).click();
    const dialog = page.getByRole("dialog", { name: `Edit ${number}` });
    await dialog.getByLabel("Vendor").fill("telstra");
    await dialog.getByLabel("Golden").check();
    await dialog.getByRole("button", { name: "Save" }).click();
    await expectText(page.getByRole("status"), "Changes saved.");
    await expectText(page.getByRole("region", { name: "History" }), "vendor: acme → telstra");
    expect((await getNumber(world.t.app, number)).body).toMatchObject({ vendor: "telstra", golden: true });
    expect(problems).toEqual([]);
  });
});

describe("Sweep preview", () => {
  it("shows what a sweep at a chosen instant would expire and who would be e-mailed, changing nothing", async () => {
    const at = new Date("2027-06-01T08:00:00.000Z");
    const owner = await createOrganization(world.t.app, { name: `Preview Partners ${Date.now()}` });
    const expiring = await insertNumber(world.t.deps, {
      state: "reserved",
      owner_id: owner.id,
      reservation_kind: "manual",
      reserved_at: shift(at, -25 * DAY_MS),
      reservation_expires_at: shift(at, 3 * DAY_MS),
    });
    const expired = await insertNumber(world.t.deps, {
      state: "reserved",
      owner_id: owner.id,
      reservation_kind: "manual",
      reserved_at: shift(at, -30 * DAY_MS),
      reservation_expires_at: shift(at, -DAY_MS),
    });
    const { page, problems } = await world.visit();
    await page.getByRole("link", { name: "Sweep preview" }).click();
    await page.getByLabel("Sweep as of (UTC)").fill("2027-06-01T08:00");
    await page.getByRole("button", { name: "Preview" }).click();
    const report = page.getByRole("region", { name: /What a sweep at 2027-06-01 08:00 UTC would do/ });
    await expectText(report, "Reservations that would expire (");
    await expectText(report, expired);
    const email = page.getByRole("row", { name: new RegExp(owner.billingEmail.replace(/[.+]/g, "\\$&")) });
    await expectText(email, "Reservation expiring");
    await expectText(email, expiring);
    expect((await getNumber(world.t.app, expired)).body.state).toBe("reserved");
    expect(problems).toEqual([]);
  });
});
