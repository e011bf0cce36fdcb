import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NewNumberRow } from "../../src/db/tables.js";
import { REQUEST_ACTIONS, type RequestAction, type ReservationKind } from "../../src/lifecycle/states.js";
import { createSite, insertNumbers } from "../inventory/fixtures.js";
import { call, createKey, createOrganization, requestTransition } from "../support/api.js";
import { ADMIN_KEY, createTestContext, type TestContext } from "../support/context.js";

/**
 * `allowedActions` must say exactly what the API accepts: for every kind of number, every role
 * and every action, an action is listed when, and only when, the API does not refuse it at once —
 * it answers 202, or a refusal by a rule that depends on other rows.
 */
const OTHER_ROWS = new Set(["no_entitlement", "main_number_taken", "not_at_site", "unknown_organization"]);
const DAY = 86_400_000;

let t: TestContext;
const ids = { partner: "", customer: "", neighbour: "", site: "" };
const keys: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestContext();
  const partner = await createOrganization(t.app, { kind: "partner" });
  const customer = await createOrganization(t.app, { partnerId: partner.id });
  const neighbour = await createOrganization(t.app, { partnerId: partner.id });
  Object.assign(ids, { partner: partner.id, customer: customer.id, neighbour: neighbour.id });
  ids.site = await createSite(t.deps, partner.id, [customer.id, neighbour.id]);
  // Room for the customer's activations at the site; the neighbour has none.
  await t.deps.db
    .insertInto("site_entitlements")
    .values({
      site_id: ids.site,
      organization_id: customer.id,
      voice_services: 1000,
      updated_at: t.clock.now(),
    })
    .execute();
  Object.assign(keys, {
    platform_admin: ADMIN_KEY,
    partner_admin: await createKey(t.app, "partner_admin", partner.id),
    customer_admin: await createKey(t.app, "customer_admin", customer.id),
    "viewer (platform)": await createKey(t.app, "viewer"),
    "viewer (partner)": await createKey(t.app, "viewer", partner.id),
  });
  // The customer already holds a main number at the site: another one is main_number_taken.
  await fixture("held main number");
});
afterAll(async () => t?.close());

let serial = 0;
type Kind = keyof typeof KINDS;
const KINDS = {
  available: () => ({}),
  "available at the site": () => ({ site_id: ids.site }),
  "available main number at the site": () => ({ site_id: ids.site, main_number: true }),
  "reserved (manual)": () => reservedFor(ids.customer, "manual", 20),
  "reserved (charged)": () => ({ ...reservedFor(ids.customer, "charged", 40), subscription_id: "did-1" }),
  "allocated at the site": () => ({ site_id: ids.site, ...reservedFor(ids.customer, "allocation", null) }),
  "allocated to an organisation with no voice services": () => ({
    site_id: ids.site,
    ...reservedFor(ids.neighbour, "allocation", null),
  }),
  "held main number": () => ({
    site_id: ids.site,
    main_number: true,
    ...reservedFor(ids.customer, "allocation", null),
  }),
  "reserved after a subscription ended": () => ({
    ...reservedFor(ids.customer, "subscription_expired", 50),
    in_service_since_available: true,
  }),
  locked: () => ({
    state: "locked",
    locked_at: t.clock.now(),
    lock_expires_at: inDays(20),
    lock_remark: "RAN",
  }),
  "locked with no expiry": () => ({ state: "locked", locked_at: t.clock.now(), lock_remark: "RAN" }),
  assigned: () => assignedTo(ids.customer, {}),
  "assigned to an end user at the site": () =>
    assignedTo(ids.customer, { site_id: ids.site, end_user_id: "u-1" }),
  cooldown: () => ({ state: "cooldown", cooldown_until: inDays(10) }),
  deleted: () => ({ state: "deleted", deleted_reason: "faulty" }),
} satisfies Record<string, () => Partial<NewNumberRow>>;

const inDays = (days: number) => new Date(t.clock.now().getTime() + days * DAY);
const reservedFor = (ownerId: string, kind: ReservationKind, days: number | null): Partial<NewNumberRow> => ({
  state: "reserved",
  owner_id: ownerId,
  reservation_kind: kind,
  reserved_at: t.clock.now(),
  reservation_expires_at: days === null ? null : inDays(days),
});
const assignedTo = (ownerId: string, extra: Partial<NewNumberRow>): Partial<NewNumberRow> => ({
  state: "assigned",
  owner_id: ownerId,
  subscription_id: "sub-1",
  in_service_since_available: true,
  ...extra,
});

/** A fresh number of this kind in the partner's inventory. */
async function fixture(kind: Kind): Promise<string> {
  const number = `+6577${String(serial++).padStart(6, "0")}`;
  await insertNumbers(t.deps, [{ number, partner_id: ids.partner, ...KINDS[kind]() }]);
  return number;
}

/**
 * What a person fills in for the action: every field its rules ask for, nothing else; the owner
 * a number is reserved for when it has one, else the customer.
 */
function completedRequest(action: RequestAction, owner = ids.customer): Record<string, unknown> {
  const needs: Record<RequestAction, Record<string, unknown>> = {
    reserve: { ownerId: ids.customer, remark: "for a customer" },
    extend: { subscriptionId: "did-2", until: inDays(90).toISOString() },
    release: { remark: "not needed" },
    allocate: { ownerId: ids.customer },
    deallocate: {},
    assign: { ownerId: owner, subscriptionId: "sub-2" },
    activate: { ownerId: owner },
    deactivate: {},
    assign_user: { endUserId: "u-2" },
    unassign_user: {},
    lock: { remark: "voicemail access" },
    unlock: { remark: "free again" },
    delete: { reason: "returned_to_vendor", remark: "gone" },
    recover: { remark: "back" },
  };
  return { action, ...needs[action] };
}

const numberPath = (number: string) => `/v1/numbers/${encodeURIComponent(number)}`;

describe("allowedActions agrees with what the API accepts", () => {
  const roles = [
    "platform_admin",
    "partner_admin",
    "customer_admin",
    "viewer (platform)",
    "viewer (partner)",
  ];
  const cases = Object.keys(KINDS).flatMap((kind) => roles.map((role) => [kind as Kind, role] as const));

  it.each(cases)("%s, %s key: listed exactly when not refused at once", async (kind, role) => {
    const key = keys[role]!;
    const probe = await fixture(kind);
    const read = await call(t.app, "GET", numberPath(probe), { key });
    const fields: Partial<NewNumberRow> = KINDS[kind]();
    const ownedByCustomer = fields.owner_id === ids.customer;
    if (role === "customer_admin" && !ownedByCustomer) {
      // Out of scope: not found, and so is every request for it.
      expect(read.status).toBe(404);
      for (const action of REQUEST_ACTIONS)
        expect((await requestTransition(t.app, probe, completedRequest(action), { key })).status).toBe(404);
      return;
    }
    expect(read.status, read.text).toBe(200);
    const listed: RequestAction[] = read.body.allowedActions;
    if (role.startsWith("viewer")) expect(listed).toEqual([]);

    const outcomes: string[] = [];
    for (const action of REQUEST_ACTIONS) {
      // An accepted request leaves its number pending, so each listed action gets a fresh one.
      const number = listed.includes(action) ? await fixture(kind) : probe;
      const owner = read.body.ownerId ?? ids.customer;
      const response = await requestTransition(t.app, number, completedRequest(action, owner), { key });
      const code = response.body?.error?.code;
      // A number at no site is refused `not_at_site` by the number alone; at a site, the code
      // depends on the site's rows (operator, occupiers).
      const dependsOnOtherRows = OTHER_ROWS.has(code) && !(code === "not_at_site" && !read.body.siteId);
      const notRefusedAtOnce = response.status === 202 || (response.status === 422 && dependsOnOtherRows);
      outcomes.push(
        `${action}: ${listed.includes(action) ? "listed" : "not listed"}, ${response.status} ${code ?? ""}`,
      );
      expect(listed.includes(action), outcomes.join("\n")).toBe(notRefusedAtOnce);
    }
  });

  it("lists nothing while a transition is pending, and every request is refused update_in_progress", async () => {
    const number = await fixture("available");
    expect((await requestTransition(t.app, number, completedRequest("reserve"))).status).toBe(202);
    for (const role of ["platform_admin", "partner_admin"]) {
      const read = await call(t.app, "GET", numberPath(number), { key: keys[role] });
      expect(read.body).toMatchObject({ status: "pending", allowedActions: [] });
      for (const action of REQUEST_ACTIONS) {
        const response = await requestTransition(t.app, number, completedRequest(action), {
          key: keys[role],
        });
        expect([403, 409], `${role} ${action}`).toContain(response.status);
        if (response.status === 409) expect(response.body.error.code).toBe("update_in_progress");
      }
    }
  });

  it("gives the same list in a search as on the number's own page", async () => {
    const number = await fixture("allocated at the site");
    for (const role of ["platform_admin", "partner_admin", "customer_admin"]) {
      const own = await call(t.app, "GET", numberPath(number), { key: keys[role] });
      const listed = await call(t.app, "GET", `/v1/numbers?q=${encodeURIComponent(number)}`, {
        key: keys[role],
      });
      expect(listed.body.items).toEqual([own.body]);
    }
    expect(
      (await call(t.app, "GET", numberPath(number), { key: keys.customer_admin })).body.allowedActions,
    ).toEqual(["release", "activate"]);
  });
});
