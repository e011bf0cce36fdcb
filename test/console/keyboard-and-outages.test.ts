import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  addNumber,
  addNumbers,
  call,
  createKey,
  createOrganization,
  freshNumber,
  getNumber,
} from "../support/api.js";
import { ADMIN_KEY } from "../support/context.js";
import { type ConsoleWorld, expectText, hasFocus, rowOf, startConsoleWorld, tabTo } from "./world.js";

// A browser on a shared 2-core machine: give each test room, still failing a hang.
vi.setConfig({ testTimeout: 90_000 });

let world: ConsoleWorld;
beforeAll(async () => {
  // The console's API process reaches Postgres through a proxy the outage test cuts.
  world = await startConsoleWorld({ postgresProxy: true });
});
afterAll(async () => world?.close());

describe("with the keyboard alone", () => {
  it("signs in, searches, opens a number, reserves it through the form and closes a dialog with Escape", async () => {
    const customer = await createOrganization(world.t.app, { name: `Keyboard Clinic ${Date.now()}` });
    const number = await addNumber({}, world.t.app);
    const { page, problems } = await world.visit("/console", null);
    const keyboard = page.keyboard;

    await tabTo(page, page.getByLabel("API key"));
    await keyboard.type(ADMIN_KEY);
    await keyboard.press("Enter");
    await tabTo(page, page.getByLabel("Search"));
    await keyboard.type(number);
    await keyboard.press("Enter");

    // The state tabs: arrows move between them, Enter chooses.
    await tabTo(page, page.getByRole("tab", { name: "All" }));
    await keyboard.press("ArrowRight");
    await keyboard.press("Enter");
    await expect.poll(() => page.url()).toContain("tab=available");

    await tabTo(page, page.getByRole("link", { name: number }));
    await keyboard.press("Enter");
    await page.getByRole("heading", { name: number }).waitFor();

    // Escape closes a dialog and gives the focus back to the button that opened it.
    const lock = page.getByRole("button", { name: "Lock" });
    await tabTo(page, lock);
    await keyboard.press("Enter");
    await page.getByRole("dialog", { name: `Lock ${number}` }).waitFor();
    await keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await hasFocus(lock)).toBe(true);

    await tabTo(page, page.getByRole("button", { name: "Reserve" }));
    await keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: `Reserve ${number}` });
    await tabTo(page, dialog.getByLabel("Organisation"));
    await keyboard.type("Keyboard Clin");
    await dialog.getByRole("option", { name: customer.name }).waitFor();
    await keyboard.press("ArrowDown");
    await keyboard.press("Enter");
    expect(await dialog.getByLabel("Organisation").inputValue()).toBe(customer.name);
    await tabTo(page, dialog.getByLabel("Remark"));
    await keyboard.type("Reserved without a mouse");
    await tabTo(page, dialog.getByRole("button", { name: "Reserve" }));
    await keyboard.press("Enter");
    await expectText(page.locator(".number-state"), `reserved for ${customer.name}`);
    expect(problems).toEqual([]);
  });

  it("ticks rows of Phone Numbers with the space bar and exports them", async () => {
    const { app } = world.t;
    const partner = await createOrganization(app, {
      kind: "partner",
      name: `Keyboard Telecom ${Date.now()}`,
    });
    const numbers = (
      await addNumbers(
        app,
        [1, 2, 3].map(() => ({ number: freshNumber("+6569"), partnerId: partner.id })),
      )
    ).map((item) => item.number);
    const { page, problems } = await world.visit(
      "/console/phone-numbers",
      await createKey(app, "partner_admin", partner.id),
    );
    const keyboard = page.keyboard;

    for (const number of [numbers[0]!, numbers[2]!]) {
      await tabTo(page, page.getByLabel(`Select ${number}`));
      await keyboard.press("Space");
    }
    await expectText(page.locator(".export-what"), "2 ticked rows");
    await tabTo(page, page.getByRole("button", { name: "CSV" }));
    const [csv] = await Promise.all([page.waitForEvent("download"), keyboard.press("Enter")]);
    expect(csv.suggestedFilename()).toBe("PhoneNumbers.csv");
    const lines = (await readFile((await csv.path())!, "utf8")).trim().split(/\r?\n/);
    expect(
      lines
        .slice(1)
        .map((line) => line.split(",")[0])
        .sort(),
    ).toEqual([numbers[0], numbers[2]].sort());
    expect(problems).toEqual([]);
  });

  it("picks a site and allocates a number to an occupier chosen in the form", async () => {
    const { app } = world.t;
    const operator = await createOrganization(app, {
      kind: "partner",
      name: `Keyboard Spaces ${Date.now()}`,
    });
    const occupier = await createOrganization(app, {
      name: `Keyboard Tenant ${Date.now()}`,
      partnerId: operator.id,
    });
    const siteName = `Keyboard Tower ${Date.now()}`;
    const site = await call(app, "POST", "/v1/sites", { body: { name: siteName, operatorId: operator.id } });
    await call(app, "POST", `/v1/sites/${site.body.id}/occupiers`, { body: { organizationId: occupier.id } });
    const [{ number }] = await addNumbers(app, [
      { number: freshNumber("+65632"), siteId: site.body.id, extension: "301" },
    ]);
    const { page, problems } = await world.visit(
      "/console/sites",
      await createKey(app, "partner_admin", operator.id),
    );
    const keyboard = page.keyboard;

    // A closed list box answers the arrow keys: the first site after "Choose a site".
    await tabTo(page, page.getByLabel("Site"));
    await keyboard.press("ArrowDown");
    await page.getByRole("heading", { name: siteName }).waitFor();
    const row = rowOf(page, number);
    await tabTo(page, row.getByRole("button", { name: "Allocate" }));
    await keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: `Allocate phone number ${number}` });
    // The form opens with the focus on its one field, the operator chosen; the occupier is next.
    expect(await hasFocus(dialog.getByLabel("Allocate to"))).toBe(true);
    await keyboard.press("ArrowDown");
    await tabTo(page, dialog.getByRole("button", { name: "Submit" }));
    await keyboard.press("Enter");
    await expectText(row, occupier.name);
    await expectText(row, "reserved");
    expect((await getNumber(app, number)).body).toMatchObject({ state: "reserved", ownerId: occupier.id });
    expect(problems).toEqual([]);
  });
});

describe("when Postgres is unreachable", () => {
  it("keeps what was typed in the form, says to retry, and sends it once Postgres is back", async () => {
    const customer = await createOrganization(world.t.app, { name: `Outage Bakery ${Date.now()}` });
    const number = await addNumber({}, world.t.app);
    const { page, problems } = await world.visit(`/console/numbers/${number}`);
    await page.getByRole("button", { name: "Reserve" }).click();
    const dialog = page.getByRole("dialog", { name: `Reserve ${number}` });
    await dialog.getByLabel("Organisation").fill("Outage Bak");
    await dialog.getByRole("option", { name: customer.name }).click();
    await dialog.getByLabel("Remark").fill("Typed during an outage");

    world.proxy!.cut();
    try {
      await dialog.getByRole("button", { name: "Reserve" }).click();
      await expectText(dialog.getByRole("alert"), "unreachable; retry later.");
      await expectText(dialog.getByRole("alert"), "What you typed is kept");
      expect(await dialog.getByLabel("Organisation").inputValue()).toBe(customer.name);
      expect(await dialog.getByLabel("Remark").inputValue()).toBe("Typed during an outage");
    } finally {
      world.proxy!.restore();
    }
    expect((await getNumber(world.t.app, number)).body.pending).toBeNull();

    await dialog.getByRole("button", { name: "Reserve" }).click();
    await dialog.waitFor({ state: "detached" });
    await expectText(page.locator(".number-state"), `reserved for ${customer.name}`);
    expect((await getNumber(world.t.app, number)).body).toMatchObject({
      state: "reserved",
      ownerId: customer.id,
    });
    expect(problems).toEqual([]);
  });

  it("keeps a pasted list of new numbers and its fields, and adds them once Postgres is back", async () => {
    const fresh = [freshNumber(), freshNumber(), freshNumber()];
    const pasted = fresh.join("\n");
    const { page, problems } = await world.visit("/console/numbers");
    await page.getByRole("button", { name: "Add new numbers" }).click();
    const dialog = page.getByRole("dialog", { name: "Add new numbers" });
    await dialog.getByLabel("Numbers").fill(pasted);
    await dialog.getByLabel("Vendor").fill("starhub");
    await dialog.getByLabel("Country").fill("SG");
    await dialog.getByLabel("SKU").fill("DID-SG");

    world.proxy!.cut();
    try {
      await dialog.getByRole("button", { name: "Add" }).click();
      await expectText(dialog.getByRole("alert"), "What you typed is kept");
      expect(await dialog.getByLabel("Numbers").inputValue()).toBe(pasted);
      expect(await dialog.getByLabel("Vendor").inputValue()).toBe("starhub");
      expect(await dialog.getByLabel("SKU").inputValue()).toBe("DID-SG");
    } finally {
      world.proxy!.restore();
    }
    for (const number of fresh) expect((await getNumber(world.t.app, number)).status).toBe(404);

    await dialog.getByRole("button", { name: "Add" }).click();
    await expectText(dialog.getByRole("status"), "Added 3 numbers");
    for (const number of fresh)
      expect((await getNumber(world.t.app, number)).body).toMatchObject({ vendor: "starhub", sku: "DID-SG" });
    expect(problems).toEqual([]);
  });

  it("shows the list's failure with a retry, and the list again once Postgres is back", async () => {
    const number = await addNumber({}, world.t.app);
    const { page, problems } = await world.visit("/console/numbers");
    await rowOf(page, number).waitFor();
    world.proxy!.cut();
    try {
      await page.getByLabel("Search").fill(number);
      await page.getByRole("button", { name: "Search", exact: true }).click();
      await expectText(page.getByRole("alert").first(), "retry later");
    } finally {
      world.proxy!.restore();
    }
    await page.getByRole("button", { name: "Try again" }).first().click();
    await expect.poll(() => page.getByRole("alert").count(), { timeout: 15_000 }).toBe(0);
    await rowOf(page, number).waitFor();
    expect(problems).toEqual([]);
  });
});
