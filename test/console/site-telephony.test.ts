import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { applied } from "../sites/site-world.js";
import { addNumbers, call, createKey, createOrganization, freshNumber, getNumber } from "../support/api.js";
import { type ConsoleWorld, expectText, rowOf, startConsoleWorld } from "./world.js";

// A browser on a shared 2-core machine: give each test room, still failing a hang.
vi.setConfig({ testTimeout: 90_000 });

let world: ConsoleWorld;
let siteId: string;
let operator: { id: string; name: string };
let tenant: { id: string; name: string };
let operatorKey: string;
let numbers: string[];

beforeAll(async () => {
  world = await startConsoleWorld();
  const { app } = world.t;
  operator = (await createOrganization(app, { kind: "partner", name: "Harbour Spaces Ltd" })) as any;
  tenant = (await createOrganization(app, { name: "Tenant Co", partnerId: operator.id })) as any;
  const other = await createOrganization(app, { name: "Other Tenant", partnerId: operator.id });
  const site = await call(app, "POST", "/v1/sites", {
    body: { name: "Harbour Tower", operatorId: operator.id },
  });
  siteId = site.body.id;
  for (const occupier of [tenant, other])
    await call(app, "POST", `/v1/sites/${siteId}/occupiers`, { body: { organizationId: occupier.id } });
  numbers = (
    await addNumbers(
      app,
      ["201", "202", "203", "204", "205", "206"].map((extension) => ({
        number: freshNumber("+65631"),
        siteId,
        extension,
        rangeName: "Harbour main range",
      })),
    )
  ).map((item) => item.number);
  operatorKey = await createKey(app, "partner_admin", operator.id);
});
afterAll(async () => world?.close());

describe("Site Telephony", () => {
  it("allocates a number to an occupier chosen by name and activates it within its voice services", async () => {
    const { page, problems } = await world.visit("/console/sites", operatorKey);
    await page.getByLabel("Site").selectOption({ label: "Harbour Tower" });
    await page.getByRole("heading", { name: "Harbour Tower" }).waitFor();
    const row = rowOf(page, numbers[0]!);
    await expectText(row, "available");
    // Only what is allowed now is offered: an available number can be allocated, not activated.
    expect(await row.getByRole("button", { name: "Activate" }).count()).toBe(0);

    await row.getByRole("button", { name: "Allocate" }).click();
    const dialog = page.getByRole("dialog", { name: `Allocate phone number ${numbers[0]}` });
    await dialog.getByLabel("Allocate to").selectOption({ label: "Tenant Co" });
    await dialog.getByRole("button", { name: "Submit" }).click();
    await expectText(row, "Tenant Co");
    await expectText(row, "reserved");
    expect(await row.getByRole("button", { name: "Deallocate" }).count()).toBe(1);

    // Without a voice service the activation is refused, in the API's words.
    const refusal = await call(
      world.t.app,
      "POST",
      `/v1/numbers/${encodeURIComponent(numbers[0]!)}/transitions`,
      {
        key: operatorKey,
        body: { action: "activate" },
      },
    );
    expect(refusal.status).toBe(422);
    await row.getByRole("button", { name: "Activate" }).click();
    await expectText(page.getByRole("alert"), refusal.body.error.message);
    expect((await getNumber(world.t.app, numbers[0]!)).body.state).toBe("reserved");

    const entitled = await call(world.t.app, "PUT", `/v1/sites/${siteId}/entitlements/${tenant.id}`, {
      body: { voiceServices: 1 },
    });
    expect(entitled.status, entitled.text).toBe(200);
    await page.reload();
    // Adding the voice service allocated and activated the lowest free site number for Tenant Co.
    await expectText(rowOf(page, numbers[1]!), "Tenant Co");
    await expectText(rowOf(page, numbers[1]!), "assigned");
    // Deactivating it frees the service for the number allocated by hand, which then activates.
    await rowOf(page, numbers[1]!).getByRole("button", { name: "Deactivate" }).click();
    await expectText(rowOf(page, numbers[1]!), "reserved");
    await rowOf(page, numbers[0]!).getByRole("button", { name: "Activate" }).click();
    await expectText(rowOf(page, numbers[0]!), "assigned");
    await rowOf(page, numbers[0]!).getByRole("button", { name: "Deactivate" }).waitFor();
    expect(await rowOf(page, numbers[0]!).getByRole("button", { name: "Deallocate" }).count()).toBe(0);
    const services = page.getByRole("row", { name: /Tenant Co/ }).filter({ hasNot: page.getByRole("link") });
    await expectText(services.getByRole("cell").nth(0), /^1$/); // voice services
    await expectText(services.getByRole("cell").nth(1), /^1$/); // active numbers
    expect(problems).toEqual([]);
  });

  it("filters by allocation, occupier, status and range", async () => {
    const { app } = world.t;
    const [toOperator, toTenant, unallocated] = [numbers[3]!, numbers[4]!, numbers[5]!];
    await applied(app, toOperator, { action: "allocate", ownerId: operator.id });
    await applied(app, toTenant, { action: "allocate", ownerId: tenant.id });
    const { page, problems } = await world.visit(`/console/sites/${siteId}`, operatorKey);
    await expectText(rowOf(page, toOperator), "Operator");

    await page.getByLabel("Allocation").selectOption({ label: "Allocated to an occupier" });
    await page.getByLabel("Occupier").selectOption({ label: "Tenant Co" });
    await rowOf(page, toTenant).waitFor();
    await expect.poll(() => rowOf(page, toOperator).count()).toBe(0);

    await page.getByLabel("Allocation").selectOption({ label: "Unallocated" });
    await rowOf(page, unallocated).waitFor();
    await expect.poll(() => rowOf(page, toTenant).count()).toBe(0);

    await page.getByLabel("Allocation").selectOption({ label: "All allocations" });
    await page.getByLabel("Status").selectOption({ label: "reserved" });
    await rowOf(page, toOperator).waitFor();
    await expect.poll(() => rowOf(page, unallocated).count()).toBe(0);
    expect(page.url()).toContain("status=reserved");

    await page.getByLabel("Status").selectOption({ label: "All statuses" });
    await page.getByLabel("Phone number").fill(unallocated.slice(-4));
    await page.getByLabel("Phone number").press("Enter");
    await rowOf(page, unallocated).waitFor();
    await expect.poll(() => rowOf(page, toOperator).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("shows each organisation's voice services and hunt group, and takes a member out of the group", async () => {
    const { app } = world.t;
    const annex = await call(app, "POST", "/v1/sites", {
      body: { name: "Harbour Annex", operatorId: operator.id },
    });
    await call(app, "POST", `/v1/sites/${annex.body.id}/occupiers`, { body: { organizationId: tenant.id } });
    const [main, desk] = (
      await addNumbers(app, [
        { number: freshNumber("+65632"), siteId: annex.body.id, mainNumber: true },
        { number: freshNumber("+65632"), siteId: annex.body.id },
      ])
    ).map((item) => item.number as string);
    // The main number forwards to the in-space hunt group; two voice services activate both numbers.
    await call(app, "PUT", `/v1/sites/${annex.body.id}/main-number-forwarding/${tenant.id}`, {
      body: { huntGroup: true },
    });
    const raised = await call(app, "PUT", `/v1/sites/${annex.body.id}/entitlements/${tenant.id}`, {
      body: { voiceServices: 2 },
    });
    expect(raised.status, raised.text).toBe(200);

    const { page, problems } = await world.visit(`/console/sites/${annex.body.id}`, operatorKey);
    await expectText(rowOf(page, main!), "assigned");
    const services = page.getByRole("row", { name: /Tenant Co/ }).filter({ hasNot: page.getByRole("link") });
    await expectText(services.getByRole("cell").nth(2), "Yes");
    await expectText(services.getByRole("cell").nth(3), desk!);
    await services.getByRole("button", { name: `Remove ${desk} from the hunt group` }).click();
    await expectText(services.getByRole("cell").nth(3), "None");
    const group = await call(app, "GET", `/v1/sites/${annex.body.id}/hunt-groups/${tenant.id}`);
    expect(group.body.members).toEqual([]);
    expect(problems).toEqual([]);
  });
});
