import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { applied } from "../sites/site-world.js";
import { addNumbers, createKey, createOrganization, freshNumber } from "../support/api.js";
import { type ConsoleWorld, expectText, rowOf, startConsoleWorld } from "./world.js";

// A browser on a shared 2-core machine: give each test room, still failing a hang.
vi.setConfig({ testTimeout: 90_000 });

let world: ConsoleWorld;
let partnerA: { id: string; name: string };
let partnerB: { id: string; name: string };
let customer: { id: string; name: string };
let keyA: string;
let numbersA: string[];
let numbersB: string[];

beforeAll(async () => {
  world = await startConsoleWorld();
  const { app } = world.t;
  partnerA = (await createOrganization(app, { kind: "partner", name: "Northwind Telecom" })) as any;
  partnerB = (await createOrganization(app, { kind: "partner", name: "Southgate Networks" })) as any;
  customer = (await createOrganization(app, { name: "Blue Harbour Cafe", partnerId: partnerA.id })) as any;
  keyA = await createKey(app, "partner_admin", partnerA.id);
  const numbers = (partnerId: string, vendor: string) =>
    Array.from({ length: 3 }, () => ({ number: freshNumber("+6568"), partnerId, vendor }));
  numbersA = (await addNumbers(app, numbers(partnerA.id, "singtel"))).map((item) => item.number);
  numbersB = (await addNumbers(app, numbers(partnerB.id, "starhub"))).map((item) => item.number);
  await applied(app, numbersA[0]!, { action: "reserve", ownerId: customer.id, remark: "for the cafe" });
  await applied(app, numbersA[0]!, { action: "assign", subscriptionId: "sub-cafe-1" });
});
afterAll(async () => world?.close());

describe("Phone Numbers", () => {
  it("shows a partner its own numbers only, with the seed's columns and names", async () => {
    const { page, problems } = await world.visit("/console/phone-numbers", keyA);
    await page.getByRole("heading", { name: "Phone Numbers" }).waitFor();
    for (const column of ["Number", "Used by", "Company", "Partner", "Provider", "Status"])
      await page.getByRole("columnheader", { name: column }).first().waitFor();
    for (const number of numbersA) await rowOf(page, number).waitFor();
    await expectText(rowOf(page, numbersA[0]!), "Blue Harbour Cafe");
    await expectText(rowOf(page, numbersA[0]!), "Northwind Telecom");
    await expectText(rowOf(page, numbersA[0]!), "assigned");
    for (const number of numbersB) expect(await rowOf(page, number).count()).toBe(0);

    // Looking for another partner's number finds nothing, and its page answers "not found".
    await page.getByLabel("Search Number").fill(numbersB[0]!);
    await page.getByLabel("Search Number").press("Enter");
    await expectText(page.locator("tbody"), "No phone numbers match.");
    await page.goto(`${world.origin}/console/numbers/${numbersB[0]}`);
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toMatch(/not found|no number/i);
    expect(await page.getByText("Southgate Networks").count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("filters by company name and by the Set Filter, and sorts by a column", async () => {
    const { page, problems } = await world.visit("/console/phone-numbers", keyA);
    await page.getByLabel("Search Company").fill("Harbour");
    await page.getByLabel("Search Company").press("Enter");
    await rowOf(page, numbersA[0]!).waitFor();
    await expect
      .poll(() =>
        page
          .getByRole("row")
          .filter({ has: page.getByRole("link") })
          .count(),
      )
      .toBe(1);

    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Set Filter").selectOption({ label: "Numbers Available" });
    await rowOf(page, numbersA[1]!).waitFor();
    await expect.poll(() => rowOf(page, numbersA[0]!).count()).toBe(0);

    await page.getByRole("button", { name: "Number", exact: true }).click();
    expect(page.url()).toContain("sort=-number");
    expect(problems).toEqual([]);
  });

  it("exports the ticked rows as PhoneNumbers.csv and PhoneNumbers.pdf", async () => {
    const { page, problems } = await world.visit("/console/phone-numbers", keyA);
    const [first, second] = [numbersA[1]!, numbersA[2]!];
    await page.getByLabel(`Select ${first}`).check();
    await page.getByLabel(`Select ${second}`).check();
    await expectText(page.locator(".export-what"), "2 ticked rows");

    const [csv] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "CSV" }).click(),
    ]);
    expect(csv.suggestedFilename()).toBe("PhoneNumbers.csv");
    const lines = (await readFile((await csv.path())!, "utf8")).trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^number,/);
    expect(
      lines
        .slice(1)
        .map((line) => line.split(",")[0])
        .sort(),
    ).toEqual([first, second].sort());

    const [pdf] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "PDF" }).click(),
    ]);
    expect(pdf.suggestedFilename()).toBe("PhoneNumbers.pdf");
    const content = await readFile((await pdf.path())!);
    expect(content.subarray(0, 5).toString()).toBe("%PDF-");
    expect(problems).toEqual([]);
  });
});
